"""Page-submission benchmark: respondents sending a 30-item page, against gunicorn on 127.0.0.1.

Targets (design notes): Peerscope's throughput at least a quarter of the
floor's (floor_app.py: a minimal Flask + SQLAlchemy app storing the same 30
values), under the same gunicorn settings; p95 under 100 ms at 32 concurrent
clients on a 2-core machine.

Both servers run ``gunicorn -c gunicorn.conf.py -w 2*cores+1`` (sync workers) on a fresh SQLite
file in WAL mode. 32 clients (threads of this process, each with its own
connection and, for Peerscope, its own respondent link, session and CSRF
token) each send ``ROUNDS`` pages one after another, with no pause:

* **throughput**: pages stored per second over the whole run, for both
  servers; the ratio is the first target;
* **latency**: Peerscope's p50/p95 per page under that same load. With no
  pause between pages this is the harshest reading of "32 concurrent
  clients": 32 respondents who never stop to read. A second run paces each
  client at one page a second (still far faster than a person reads 30
  questions) and reports its p95, the figure the target is judged on.

Traffic goes to 127.0.0.1 only and is bounded: 32 x ROUNDS pages a run.
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

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CONFIG = ROOT / "gunicorn.conf.py"  # the production settings: timeout, redacted access log
CLIENTS = 32
ROUNDS = int(os.environ.get("BENCH_SUBMIT_ROUNDS", "40"))
ITEMS = 30
WORKERS = 2 * (os.cpu_count() or 1) + 1
P95_TARGET_MS = 100.0
RATIO_TARGET = 0.25
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
        "SURVEYAPP_DATABASE_URL": f"sqlite:///{folder / 'peerscope.db'}",
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
        [str(gunicorn), "-c", str(CONFIG), "-w", str(WORKERS), "-b", f"127.0.0.1:{port}", "--log-level", "warning", module],
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


def run(clients: list[tuple[Client, Callable[[], None]]], pace: float) -> dict[str, float]:
    """Every client sends ROUNDS pages, starting together; ``pace`` seconds between starts (0: none)."""
    start = threading.Barrier(len(clients) + 1)

    def work(send: Callable[[], None], offset: float) -> None:
        start.wait()
        begun = time.perf_counter() + offset  # paced clients spread over the interval, as people are
        for round_number in range(ROUNDS):
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


def main() -> int:
    sys.path.insert(0, str(HERE))
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        env, tokens = prepare_peerscope(folder)
        server, port = serve("wsgi:app", env, ROOT)
        try:
            clients = [peerscope_client(port, token, n) for n, token in enumerate(tokens)]
            run(clients, 0)  # warm up: every worker has loaded the app and the survey
            ours = run(clients, 0)
            paced = run(clients, 1.0)
        finally:
            stop(server)
        floor_env = {"FLOOR_DATABASE_URL": f"sqlite:///{folder / 'floor.db'}"}
        os.environ.update(floor_env)
        import floor_app

        floor_app.create_tables()
        shutil.copy(HERE / "floor_app.py", folder / "floor_app.py")
        server, port = serve("floor_app:app", floor_env, folder)
        try:
            clients = [floor_client(port, n) for n in range(CLIENTS)]
            run(clients, 0)
            floor = run(clients, 0)
        finally:
            stop(server)
    ratio = ours["per_s"] / floor["per_s"]
    ratio_ok = ratio >= RATIO_TARGET and not ours["failures"] and not floor["failures"]
    p95_ok = paced["p95_ms"] < P95_TARGET_MS and not paced["failures"]
    print(
        f"submit     30-item page, {CLIENTS} clients x {ROUNDS} pages, gunicorn -w {WORKERS}: "
        f"{ours['per_s']:.0f} pages/s vs floor {floor['per_s']:.0f} = {ratio:.2f}x (target >= {RATIO_TARGET}), "
        f"no pause p50 {ours['p50_ms']:.0f} ms p95 {ours['p95_ms']:.0f} ms; "
        f"one page a second each: p95 {paced['p95_ms']:.0f} ms (target < {P95_TARGET_MS:.0f}); "
        f"failures {ours['failures'] + paced['failures']}/{floor['failures']}  "
        f"{'OK' if ratio_ok and p95_ok else 'MISSED'}",
        flush=True,
    )
    return 0 if ratio_ok and p95_ok else 1


if __name__ == "__main__":
    sys.exit(main())
