"""Two app hosts, one database: what a respondent or a manager does on one host holds on the other.

Two gunicorn instances (the shipped gunicorn.conf.py, two workers each) on different loopback ports,
sharing SURVEYAPP_SECRET_KEY and one database: a throwaway PostgreSQL database under
`.ci/with-postgres` / `make test-postgres`, else one SQLite file (the embedded case: two servers on one
machine). Nothing here depends on which worker of which host answers.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text

from tests.conftest import new_database
from tests.deploy.journey import PAGE1, PAGE2, consent, send_page, submit
from tests.deploy.servers import PASSWORD, Browser, Gunicorn, prepare

MANAGERS = ("lee@example.org", "sam@example.org", "kim@example.org")


@pytest.fixture(scope="module")
def two_hosts(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, list[str], Gunicorn, Gunicorn]]:
    """One database and two hosts for the module (starting gunicorn is the slow part); each test has its own
    respondents and its own account. The hosts are stopped, then the database dropped, whatever happened."""
    folder = tmp_path_factory.mktemp("two-hosts")
    for url in new_database(folder):
        tokens = prepare(url, respondents=4, staff=dict.fromkeys(MANAGERS, "admin"))
        hosts = [Gunicorn(url, 2, folder / "logs"), Gunicorn(url, 2, folder / "logs")]
        try:
            for server in hosts:
                server.start()
            yield url, tokens, hosts[0], hosts[1]
        finally:
            for server in hosts:
                server.stop()


def _sign_in(browser: Browser, email: str, password: str = PASSWORD) -> int:
    form = browser.get("/login")
    return browser.post("/login", {"csrf_token": form.csrf(), "email": email, "password": password}).status


def test_a_page_saved_on_one_host_is_resumed_on_the_other(two_hosts) -> None:
    _, tokens, a, b = two_hosts
    phone = Browser(a.port)
    consent(phone, tokens[0])
    assert send_page(phone, tokens[0], 1, PAGE1, action="later").status == 200  # "your answers are saved"
    phone.port = b.port  # the next request is balanced to the other host
    resumed = phone.get(f"/r/{tokens[0]}")
    assert resumed.status == 302
    assert resumed.location.endswith(f"/r/{tokens[0]}/p/1")
    page = phone.get(f"/r/{tokens[0]}/p/1")
    for key, value in PAGE1.items():
        assert re.search(rf'name="{re.escape(key)}" value="{value}"[^>]*checked', page.text), key
    # the form token issued by host A is accepted by host B (one secret key), and the journey ends on B
    sent = phone.post(f"/r/{tokens[0]}/p/1", {"csrf_token": page.csrf(), "action": "next", **PAGE1})
    assert sent.location.endswith("/p/2")
    assert send_page(phone, tokens[0], 2, PAGE2).location.endswith("/review")
    phone.port = a.port
    assert submit(phone, tokens[0]).location.endswith("/done")


def test_sign_in_throttling_counts_wrong_passwords_on_both_hosts(two_hosts) -> None:
    _, _, a, b = two_hosts
    laptop = Browser(a.port)
    refused_at = None
    statuses = []
    for attempt in range(14):
        laptop.port = (a.port, b.port)[attempt % 2]
        status = _sign_in(laptop, MANAGERS[0], "wrong wrong wrong")
        statuses.append(status)
        if status == 429:
            refused_at = attempt
            break
    # five free checks for one account from one address, counted in the database: the sixth (or, on a machine
    # so slow that the 2-second wait has passed, the seventh or eighth) is refused. Counted per process, the
    # four workers of two hosts would allow twenty.
    assert refused_at is not None, statuses
    assert statuses.count(401) <= 7
    assert {401} == set(statuses[:-1])
    laptop.port = (a.port, b.port)[(refused_at + 1) % 2]
    assert _sign_in(laptop, MANAGERS[0]) == 429  # the right password waits too, on the other host


def test_signing_out_on_one_host_ends_the_session_on_the_other(two_hosts) -> None:
    _, _, a, b = two_hosts
    office, ward = Browser(a.port), Browser(b.port)
    assert _sign_in(office, MANAGERS[1]) == 302
    assert _sign_in(ward, MANAGERS[1]) == 302
    copied = Browser(b.port)
    copied.cookies = dict(office.cookies)  # host A's cookie, replayed on host B
    assert ward.get("/dashboard/").status == 200
    assert copied.get("/dashboard/").status == 200
    page = office.get("/dashboard/")
    assert office.post("/logout", {"csrf_token": page.csrf()}).status == 302
    for browser in (ward, copied):  # signed out "on this device and every other": on every host
        ended = browser.get("/dashboard/")
        assert ended.status == 302
        assert "/login" in ended.location


def test_a_dashboard_cached_by_one_host_is_used_and_invalidated_by_the_other(two_hosts) -> None:
    url, tokens, a, b = two_hosts
    engine = create_engine(url)

    def cache() -> dict[str, tuple]:
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT grouping, data_version, computed_at FROM dashboard_cache")).all()
        # the results page's figures (the response rates have a cache entry of their own, refreshed as counts change)
        return {row[0]: (row[1], row[2]) for row in rows if row[0] != "response-rates"}

    def published(page: str) -> int:
        found = re.search(r"Results include (\d+) submitted", page)
        assert found is not None
        return int(found.group(1))

    try:
        respondent = Browser(b.port)
        for token in tokens[1:3]:  # begun before the figures are cached: only submissions change them below
            consent(respondent, token)
        manager_a, manager_b = Browser(a.port), Browser(b.port)
        assert _sign_in(manager_a, MANAGERS[2]) == 302
        assert _sign_in(manager_b, MANAGERS[2]) == 302
        first = manager_a.get("/dashboard/mini-survey")
        assert first.status == 200
        filled = cache()
        assert len(filled) == 1
        assert manager_b.get("/dashboard/mini-survey").status == 200
        assert cache() == filled  # host B used host A's result: not computed again, not stored again

        for token in tokens[1:3]:  # two respondents submit through host B: a batch of the minimum cell size
            assert send_page(respondent, token, 1, PAGE1).location.endswith("/p/2")
            assert send_page(respondent, token, 2, PAGE2).location.endswith("/review")
            assert submit(respondent, token).location.endswith("/done")
        second = manager_b.get("/dashboard/mini-survey")
        after = cache()
        [(grouping, (version, _))] = filled.items()
        assert after[grouping][0] != version  # computed again from the new data, by host B
        assert published(second.text) >= published(first.text) + 2  # with any earlier test's waiting response
        assert published(manager_a.get("/dashboard/mini-survey").text) == published(second.text)
        assert cache() == after  # and host A uses B's result
    finally:
        engine.dispose()
