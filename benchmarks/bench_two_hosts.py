"""The scaling plan's check: page saves at the planned peak rate against two app hosts sharing one database.

docs/scaling.md plans a national survey (50,000 respondents in a week, peaks
at shift change) and derives a peak rate of page saves. This starts two
gunicorn instances (``gunicorn -c gunicorn.conf.py``, each as one app host
would run it) on two loopback ports against one database (PostgreSQL with
``BENCH_BACKEND=postgresql``, as docs/deploy.md requires for several hosts),
and has ``CLIENTS`` respondents, half on each host, save 30-item pages paced
so that together they send ``RATE`` pages a second (default: the plan's peak
times three) for ``SECONDS``. It reports the rate reached, p50/p95 latency
and failures.

Target: the rate reached within 5 % of the rate asked, p95 under 500 ms, no
failure. Loopback only; bounded (CLIENTS x rounds pages).
"""

from __future__ import annotations

import http.client
import os
import sys
import tempfile
import time
from pathlib import Path

from backend import LABEL, uptime
from bench_submit import peerscope_client, prepare_peerscope, run, serve, stop

PLANNED_PEAK = 10.0  # page saves a second at the worst shift change (docs/scaling.md, "A worked plan")
RATE = float(os.environ.get("BENCH_RATE", str(3 * PLANNED_PEAK)))
SECONDS = int(os.environ.get("BENCH_SECONDS", "60"))
CLIENTS = int(os.environ.get("BENCH_SUBMIT_CLIENTS", "32").split(",")[-1])


def ready(port: int) -> None:
    """Wait until the host answers /healthz: on a busy machine its workers take a while to import the app."""
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(1)
    raise SystemExit(f"the host on port {port} did not become ready")


def main() -> int:
    with tempfile.TemporaryDirectory() as name:
        env, tokens = prepare_peerscope(Path(name))
        servers = [serve("wsgi:app", env, Path(__file__).resolve().parent.parent) for _ in range(2)]
        try:
            for _, port in servers:
                ready(port)
            clients = [peerscope_client(servers[n % 2][1], token, n) for n, token in enumerate(tokens[:CLIENTS])]
            run(clients, 0, 3)  # warm up both hosts
            pace = CLIENTS / RATE  # seconds between one client's pages
            figures = run(clients, pace, max(1, round(SECONDS / pace)))
        finally:
            for server, _ in servers:
                stop(server)
    met = figures["per_s"] >= 0.9 * RATE and figures["p95_ms"] < 500 and not figures["failures"]
    print(
        f"{LABEL} two hosts  {CLIENTS} respondents on 2 gunicorn hosts, asked {RATE:g} pages/s for {SECONDS} s: "
        f"{figures['per_s']:.1f} pages/s, p50 {figures['p50_ms']:.0f} ms p95 {figures['p95_ms']:.0f} ms (target < 500), "
        f"failures {figures['failures']:.0f}/{figures['pages']:.0f}; {uptime()}  {'OK' if met else 'MISSED'}",
        flush=True,
    )
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
