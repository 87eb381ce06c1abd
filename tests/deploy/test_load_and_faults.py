"""Nothing lost, as a standing test: a crowd of respondents, a killed worker and a database that goes away,
all through the shipped gunicorn configuration on 127.0.0.1.

The database is a SQLite file, or a throwaway PostgreSQL database under `.ci/with-postgres`
(`make test-postgres`). Outcomes are deterministic (seeded answers and pauses; counts, not timings, are
asserted); each test is bounded by its server's start deadline and the clients' timeouts.
"""

from __future__ import annotations

import os
import re
import signal
import time

from tests.deploy.crowd import check_nothing_lost, run_crowd
from tests.deploy.journey import PAGE1, consent, send_page
from tests.deploy.outage import database_away, sqlite_locked
from tests.deploy.servers import PASSWORD, Browser, prepare

RESPONDENTS = 200


def test_200_respondents_with_random_timings_lose_nothing(deploy_database: str, host) -> None:
    tokens = prepare(deploy_database, RESPONDENTS)
    server = host(deploy_database, workers=3)
    respondents, seconds = run_crowd(tokens, server.port, concurrency=20, pause_s=0.2)
    outcome = check_nothing_lost(respondents, deploy_database)
    print(f"\n{RESPONDENTS} respondents through gunicorn -w 3: {outcome}, {seconds:.1f} s")
    assert outcome["acknowledged"] == RESPONDENTS
    assert outcome["stored"] == RESPONDENTS
    assert outcome["server_errors"] == 0
    assert outcome["network_errors"] == 0


def test_workers_killed_during_submissions_lose_no_committed_response(deploy_database: str, host) -> None:
    tokens = prepare(deploy_database, 80)
    server = host(deploy_database, workers=2)
    killed: list[int] = []

    def kill_workers() -> None:
        for _ in range(3):
            time.sleep(1.0)
            pids = server.worker_pids()
            if pids:
                os.kill(pids[0], signal.SIGKILL)  # mid-request: no cleanup, no rollback sent
                killed.append(pids[0])

    respondents, seconds = run_crowd(tokens, server.port, concurrency=16, pause_s=0.1, during=kill_workers)
    outcome = check_nothing_lost(respondents, deploy_database)
    print(f"\n80 respondents, {len(killed)} workers killed: {outcome}, {seconds:.1f} s")
    assert len(killed) == 3
    assert outcome["server_errors"] == 0
    # a respondent whose request died with its worker pressed again and finished
    assert outcome["acknowledged"] == 80


def _hidden(html: str) -> dict[str, str]:
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html))


def test_the_database_going_away_keeps_typed_answers_and_shows_no_stack_trace(deploy_database: str, host) -> None:
    tokens = prepare(deploy_database, 1, staff={"lee@example.org": "admin"})
    server = host(deploy_database, workers=1)
    phone, office = Browser(server.port), Browser(server.port)
    consent(phone, tokens[0])
    page = phone.get(f"/r/{tokens[0]}/p/1")
    login = office.get("/login")
    assert office.post("/login", {"csrf_token": login.csrf(), "email": "lee@example.org", "password": PASSWORD}).status == 302
    sqlite = deploy_database.startswith("sqlite")
    # SQLite: another process holds the write lock past the busy timeout; PostgreSQL: connections refused
    with sqlite_locked(deploy_database) if sqlite else database_away(deploy_database):
        refused = phone.post(f"/r/{tokens[0]}/p/1", {"csrf_token": page.csrf(), "action": "next", **PAGE1})
        results = office.get("/dashboard/mini-survey")
    assert refused.status == 503
    assert "Your answers are kept" in refused.text
    kept = _hidden(refused.text)
    assert {key: kept[key] for key in PAGE1} == PAGE1
    assert results.status == 503, server.error_log()
    assert "cannot reach its database" in results.text
    for reply in (refused, results):
        assert "Traceback" not in reply.text
        assert "locked" not in reply.text
        assert "psycopg" not in reply.text
    # back: the same button sends the kept answers, and the manager's page works again
    resent = phone.post(f"/r/{tokens[0]}/p/1", {**kept, "action": "next"})
    assert resent.status == 302
    assert resent.location.endswith("/p/2")
    assert office.get("/dashboard/mini-survey").status == 200
    assert send_page(phone, tokens[0], 1, {}, action="later").status == 200  # the page shows what was resent
    assert "Traceback" not in server.error_log()


def test_a_hup_reload_replaces_every_worker_and_refuses_no_request(deploy_database: str, host) -> None:
    prepare(deploy_database, 0)
    server = host(deploy_database, workers=2)
    before = set(server.worker_pids())
    assert server.process is not None
    os.kill(server.process.pid, signal.SIGHUP)
    statuses = []
    deadline = time.monotonic() + 60
    while (set(server.worker_pids()) & before or len(server.worker_pids()) < 2) and time.monotonic() < deadline:
        statuses.append(Browser(server.port).get("/login").status)  # a sign-in page, all along the reload
    statuses.append(Browser(server.port).get("/login").status)
    assert not set(server.worker_pids()) & before
    assert set(statuses) == {200}
