"""Page-submission benchmark: respondents sending a 30-item page, against gunicorn on 127.0.0.1.

Targets (issue 13): Peerscope's throughput at least half the floor's
(floor_app.py: a minimal Flask + SQLAlchemy app storing the page as one row of
30 integers with Peerscope's engine settings) at 2, 16 and 32 clients with no
pause; p95 under 100 ms at 32 clients with no pause.

Both servers run ``gunicorn -c gunicorn.conf.py`` (the production file, so the
same worker count: ``WEB_CONCURRENCY`` or two per core plus one) on a fresh
SQLite file in WAL mode, or a fresh PostgreSQL database with
``BENCH_BACKEND=postgresql`` (backend.py). Clients are threads of this
process, each with its own keep-alive connection and, for Peerscope, its own
respondent link, session and CSRF token. For each client count:

* **unpaced**: every client sends ``ROUNDS`` pages back to back, the harshest
  reading of "N concurrent clients"; repeated ``REPEAT`` times, medians shown;
* **paced**: each client sends a page a second (still far faster than a person
  reads 30 questions), spread over the second, ``PACED_ROUNDS`` pages each.

Traffic goes to 127.0.0.1 only and is bounded: clients x rounds pages a run.
"""

from __future__ import annotations

import datetime as dt
import http.client
import os
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Callable
from pathlib import Path
from typing import Any

from backend import LABEL, database_url, uptime

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CONFIG = ROOT / "gunicorn.conf.py"  # the production settings: timeout, redacted access log
CLIENT_COUNTS = [int(n) for n in os.environ.get("BENCH_SUBMIT_CLIENTS", "2,16,32").split(",")]
CLIENTS = max(CLIENT_COUNTS)
ROUNDS = int(os.environ.get("BENCH_SUBMIT_ROUNDS", "40"))
PACED_ROUNDS = int(os.environ.get("BENCH_SUBMIT_PACED_ROUNDS", "8"))
REPEAT = int(os.environ.get("BENCH_SUBMIT_REPEAT", "3"))
ITEMS = 30
P95_TARGET_MS = 100.0
FAILED: dict[int, int] = {}  # HTTP status of each failed page -> how many
RATIO_TARGET = 0.5
SPEC = """
slug: submit-bench
title: {en: Page submission benchmark}
instruments: [bench30]
audiences: [peer]
languages: [en]
consent: {en: Benchmark.}
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def workers() -> int:
    """The worker count gunicorn.conf.py gives both servers."""
    return int(os.environ.get("WEB_CONCURRENCY") or 2 * (os.cpu_count() or 1) + 1)


def prepare_peerscope(folder: Path) -> tuple[dict[str, str], list[str]]:
    """A migrated database with an open one-page survey and CLIENTS respondents who have begun it."""
    from dataset import instrument_yaml
    from flask_migrate import upgrade

    from surveyapp import create_app
    from surveyapp.db import db
    from surveyapp.services.invitations import issue_invitations
    from surveyapp.services.responding import resolve_link, start_response
    from surveyapp.services.surveys import create_survey, set_status

    instruments = folder / "instruments"
    instruments.mkdir()
    (instruments / "bench30.yaml").write_text(instrument_yaml(ITEMS, "bench30", 3), encoding="utf-8")
    env = {
        "SURVEYAPP_DATABASE_URL": database_url("bench_submit_peerscope", folder),
        "SURVEYAPP_SECRET_KEY": "bench-submit",
        "SURVEYAPP_INSTRUMENTS_DIR": str(instruments),
    }
    app = create_app({k.removeprefix("SURVEYAPP_"): v for k, v in env.items()})
    now = dt.datetime.now(dt.UTC)
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        create_survey(SPEC, "submit.yaml", instruments, now, None)
        set_status("submit-bench", "open", now, None)
        tokens = issue_invitations("submit-bench", "peer", CLIENTS, now, None)
        for token in tokens:
            start_response(token, resolve_link(token, now, env["SURVEYAPP_SECRET_KEY"]), "en", now, env["SURVEYAPP_SECRET_KEY"])
        db.engine.dispose()
    return env, tokens


def serve(module: str, env: dict[str, str], cwd: Path) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    gunicorn = Path(sys.executable).parent / "gunicorn"
    server = subprocess.Popen(  # noqa: S603 - our own server on loopback
        [str(gunicorn), "-c", str(CONFIG), "-b", f"127.0.0.1:{port}", "--log-level", "warning", module],
        cwd=cwd,
        env={**os.environ, **env},
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return server, port
        except OSError:
            time.sleep(0.2)
    stop(server)
    raise SystemExit(f"{module} did not start on port {port}")


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) of the gunicorn master and its workers so far: the server's cost, whatever the load."""
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(stat.parent.name) == pid or int(fields[1]) == pid:  # fields[1]: the parent's pid
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def stop(server: subprocess.Popen[bytes]) -> None:
    os.killpg(server.pid, signal.SIGTERM)
    server.wait(timeout=30)


def answers(rng: random.Random, prefix: str) -> dict[str, str]:
    return {f"{prefix}q{i:02d}": str(rng.randint(1, 5)) for i in range(ITEMS)}


class Client:
    """One respondent (or one floor client): a keep-alive connection that sends pages and times them."""

    def __init__(self, port: int, number: int) -> None:
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.rng = random.Random(number)  # noqa: S311 - answers to send, not secrets
        self.headers = {"Content-Type": "application/x-www-form-urlencoded"}
        self.times: list[float] = []
        self.failures = 0

    def post(self, path: str, form: dict[str, str]) -> None:
        body = urllib.parse.urlencode(form)
        started = time.perf_counter()
        self.connection.request("POST", path, body=body, headers=self.headers)
        reply = self.connection.getresponse()
        reply.read()
        self.times.append(time.perf_counter() - started)
        if reply.status != 302:
            self.failures += 1
            FAILED[reply.status] = FAILED.get(reply.status, 0) + 1


def peerscope_client(port: int, token: str, number: int) -> tuple[Client, Callable[[], None]]:
    client = Client(port, number)
    client.connection.request("GET", f"/r/{token}/p/1")
    page = client.connection.getresponse()
    html = page.read().decode()
    cookies = "; ".join(value.split(";", 1)[0] for value in page.headers.get_all("Set-Cookie") or [])
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    if page.status != 200 or found is None:
        raise SystemExit(f"could not open the respondent page ({page.status})")
    client.headers["Cookie"] = cookies
    csrf = found.group(1)

    def send() -> None:
        client.post(f"/r/{token}/p/1", {"csrf_token": csrf, "action": "next", **answers(client.rng, "bench30.")})

    return client, send


def floor_client(port: int, number: int) -> tuple[Client, Callable[[], None]]:
    client = Client(port, number)

    def send() -> None:
        client.post(f"/submit/{number}", {"action": "next", **answers(client.rng, "")})

    return client, send


def run(clients: list[tuple[Client, Callable[[], None]]], pace: float, rounds: int = ROUNDS) -> dict[str, float]:
    """Every client sends ``rounds`` pages, starting together; ``pace`` seconds between starts (0: none)."""
    start = threading.Barrier(len(clients) + 1)

    def work(send: Callable[[], None], offset: float) -> None:
        start.wait()
        begun = time.perf_counter() + offset  # paced clients spread over the interval, as people are
        for round_number in range(rounds):
            if pace:
                time.sleep(max(0.0, begun + round_number * pace - time.perf_counter()))
            send()

    spread = [pace * n / len(clients) for n in range(len(clients))]
    threads = [threading.Thread(target=work, args=(send, offset)) for (_, send), offset in zip(clients, spread, strict=True)]
    for thread in threads:
        thread.start()
    start.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - began
    times = sorted(t for client, _ in clients for t in client.times)
    failures = sum(client.failures for client, _ in clients)
    for client, _ in clients:
        client.times.clear()
    return {
        "pages": len(times),
        "per_s": len(times) / wall,
        "p50_ms": 1000 * statistics.median(times),
        "p95_ms": 1000 * times[int(0.95 * (len(times) - 1))],
        "failures": failures,
    }


def measure(clients: list[tuple[Client, Callable[[], None]]], pid: int) -> dict[int, dict[str, Any]]:
    """For each client count: the median unpaced run of REPEAT, and one paced run; and the server's CPU per page."""
    run(clients, 0)  # warm up: every worker has loaded the app (and Peerscope the survey)
    figures: dict[int, dict[str, Any]] = {}
    for count in CLIENT_COUNTS:
        some = clients[:count]
        runs = []
        for _ in range(REPEAT):
            cpu = cpu_seconds(pid)
            runs.append(run(some, 0))
            runs[-1]["cpu_ms"] = 1000 * (cpu_seconds(pid) - cpu) / runs[-1]["pages"]
        unpaced = {key: statistics.median(r[key] for r in runs) for key in runs[0]}
        unpaced["failures"] = sum(r["failures"] for r in runs)
        figures[count] = {"unpaced": unpaced, "paced": run(some, 1.0, PACED_ROUNDS), "load": uptime()}
    return figures


def main() -> int:
    sys.path.insert(0, str(HERE))
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        env, tokens = prepare_peerscope(folder)
        server, port = serve("wsgi:app", env, ROOT)
        try:
            ours = measure([peerscope_client(port, token, n) for n, token in enumerate(tokens)], server.pid)
        finally:
            stop(server)
        floor_env = {"FLOOR_DATABASE_URL": database_url("bench_submit_floor", folder)}
        os.environ.update(floor_env)
        import floor_app

        floor_app.create_tables()
        shutil.copy(HERE / "floor_app.py", folder / "floor_app.py")
        server, port = serve("floor_app:app", {**floor_env, "PYTHONPATH": str(ROOT)}, folder)
        try:
            floor = measure([floor_client(port, n) for n in range(CLIENTS)], server.pid)
        finally:
            stop(server)
    ok = True
    for count in CLIENT_COUNTS:
        mine, base = ours[count], floor[count]
        ratio = mine["unpaced"]["per_s"] / base["unpaced"]["per_s"]
        failures = sum(mine[k]["failures"] + base[k]["failures"] for k in ("unpaced", "paced"))
        met = ratio >= RATIO_TARGET and not failures
        if count == 32:
            met = met and mine["unpaced"]["p95_ms"] < P95_TARGET_MS
        ok = ok and met
        print(
            f"{LABEL} submit     30-item page, {count:2d} clients, gunicorn -w {workers()}: "
            f"no pause {mine['unpaced']['per_s']:.0f} pages/s vs floor {base['unpaced']['per_s']:.0f} = {ratio:.2f}x "
            f"(target >= {RATIO_TARGET}), p50 {mine['unpaced']['p50_ms']:.0f} p95 {mine['unpaced']['p95_ms']:.0f} ms "
            f"(floor {base['unpaced']['p95_ms']:.0f}){' (target < 100)' if count == 32 else ''}; "
            f"a page a second each: p95 {mine['paced']['p95_ms']:.0f} ms (floor {base['paced']['p95_ms']:.0f}); "
            f"server CPU per page {mine['unpaced']['cpu_ms']:.1f} ms (floor {base['unpaced']['cpu_ms']:.1f}); "
            f"failures {failures}{f' (statuses {FAILED})' if FAILED else ''}; {mine['load']}  {'OK' if met else 'MISSED'}",
            flush=True,
        )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
