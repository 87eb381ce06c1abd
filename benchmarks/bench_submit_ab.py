"""Page saves, two versions of Peerscope and the floor at once: an A/B that load changes on a shared machine cannot tilt.

``bench_submit.py`` measures Peerscope, then the floor, a minute or more
apart; on a machine shared with other work the load moves in between, and
one run's ratio can be off by a factor of two. Here three gunicorn servers
(``gunicorn.conf.py``, as in bench_submit.py) run at the same time: the code
in ``BENCH_AB_BEFORE`` (an unpacked copy of an older commit, e.g.
``git archive <commit> | tar -x -C DIR``), this tree, and the floor. For each
client count, short unpaced bursts (``BENCH_AB_ROUNDS`` pages per client) go
to each server in turn, ``BENCH_AB_REPEAT`` times with the order reversed
every other time, and the totals give each server's pages/s, its ratio to the
floor, the median of the bursts' p95 and its CPU per page.

Run: ``BENCH_AB_BEFORE=DIR python bench_submit_ab.py`` (``BENCH_BACKEND=postgresql``
under ``.ci/with-postgres`` for PostgreSQL). Traffic goes to 127.0.0.1 only.
"""

from __future__ import annotations

import os
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

import bench_submit as bench
from backend import LABEL, POSTGRES, database_url, server_url

ROUNDS = int(os.environ.get("BENCH_AB_ROUNDS", "6"))
REPEAT = int(os.environ.get("BENCH_AB_REPEAT", "8"))


def rename_database(old: str, new: str) -> None:
    """bench_submit.prepare_peerscope always creates the same database: keep the first under another name."""
    import psycopg

    with psycopg.connect(server_url().replace("postgresql+psycopg", "postgresql"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{new}" WITH (FORCE)')
        conn.execute(f'ALTER DATABASE "{old}" RENAME TO "{new}"')


def main() -> int:
    before = Path(os.environ["BENCH_AB_BEFORE"]).resolve()
    with tempfile.TemporaryDirectory() as first, tempfile.TemporaryDirectory() as second:
        old_env, old_tokens = bench.prepare_peerscope(Path(first))
        if POSTGRES:
            rename_database("bench_submit_peerscope", "bench_submit_before")
            old_env["SURVEYAPP_DATABASE_URL"] = old_env["SURVEYAPP_DATABASE_URL"].rsplit("/", 1)[0] + "/bench_submit_before"
        new_env, new_tokens = bench.prepare_peerscope(Path(second))
        floor_env = {"FLOOR_DATABASE_URL": database_url("bench_submit_floor", Path(second))}
        os.environ.update(floor_env)
        import floor_app

        floor_app.create_tables()
        shutil.copy(bench.HERE / "floor_app.py", Path(second) / "floor_app.py")
        servers = []
        try:
            old, old_port = bench.serve("wsgi:app", {**old_env, "PYTHONPATH": str(before)}, before)
            servers.append(old)
            new, new_port = bench.serve("wsgi:app", new_env, bench.ROOT)
            servers.append(new)
            floor, floor_port = bench.serve("floor_app:app", {**floor_env, "PYTHONPATH": str(bench.ROOT)}, Path(second))
            servers.append(floor)
            apps = {
                "before": ([bench.peerscope_client(old_port, t, n) for n, t in enumerate(old_tokens)], old.pid),
                "after": ([bench.peerscope_client(new_port, t, n) for n, t in enumerate(new_tokens)], new.pid),
                "floor": ([bench.floor_client(floor_port, n) for n in range(bench.CLIENTS)], floor.pid),
            }
            for clients, _pid in apps.values():
                bench.run(clients, 0, 5)  # warm up every worker
            for count in bench.CLIENT_COUNTS:
                pages = dict.fromkeys(apps, 0)
                seconds = dict.fromkeys(apps, 0.0)
                cpu = dict.fromkeys(apps, 0.0)
                p95: dict[str, list[float]] = {name: [] for name in apps}
                for repeat in range(REPEAT):
                    for name in list(apps) if repeat % 2 == 0 else list(reversed(apps)):
                        clients, pid = apps[name]
                        started = bench.cpu_seconds(pid)
                        burst = bench.run(clients[:count], 0, ROUNDS)
                        cpu[name] += bench.cpu_seconds(pid) - started
                        pages[name] += burst["pages"]
                        seconds[name] += burst["pages"] / burst["per_s"]
                        p95[name].append(burst["p95_ms"])
                rate = {name: pages[name] / seconds[name] for name in apps}
                figures = "; ".join(
                    f"{name} {rate[name]:.0f} pages/s = {rate[name] / rate['floor']:.2f}x floor, "
                    f"p95 {statistics.median(p95[name]):.0f} ms, CPU {1000 * cpu[name] / pages[name]:.1f} ms/page"
                    for name in apps
                )
                print(f"{LABEL} submit A/B  {count:2d} clients: {figures}; {bench.uptime()}", flush=True)
        finally:
            for server in servers:
                bench.stop(server)
    failures = sum(bench.FAILED.values())
    print(f"{LABEL} submit A/B  failures {failures}{f' (statuses {bench.FAILED})' if failures else ''}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
