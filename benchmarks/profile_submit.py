"""Where a respondent's page save spends its time: the fixed per-request cost, measured in one process.

Sends ``ROUNDS`` saves of a 30-item page through Flask's test client (no
network, no gunicorn) to a fresh database (SQLite, or PostgreSQL with
``BENCH_BACKEND=postgresql``), and prints the CPU time per save, the SQL
statements of one save, and (``--profile``) a cProfile listing by
cumulative CPU time. The floor app is timed the same way. CPU time, not wall
time: the figure holds on a machine busy with other work.
"""

from __future__ import annotations

import cProfile
import os
import pstats
import random
import re
import sys
import tempfile
import time
from pathlib import Path

from backend import LABEL, database_url
from bench_submit import answers, prepare_peerscope

ROUNDS = int(os.environ.get("BENCH_PROFILE_ROUNDS", "300"))


def per_save_ms(send) -> float:
    for _ in range(20):
        send()
    started = time.process_time()
    for _ in range(ROUNDS):
        send()
    return 1000 * (time.process_time() - started) / ROUNDS


def main() -> int:
    from sqlalchemy import event

    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        env, tokens = prepare_peerscope(folder)
        from surveyapp import create_app
        from surveyapp.db import db

        app = create_app({k.removeprefix("SURVEYAPP_"): v for k, v in env.items()})
        client = app.test_client()
        token = tokens[0]
        html = client.get(f"/r/{token}/p/1").get_data(as_text=True)
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)  # type: ignore[union-attr]
        rng = random.Random(1)  # noqa: S311 - answers, not secrets

        def send() -> None:
            reply = client.post(f"/r/{token}/p/1", data={"csrf_token": csrf, "action": "next", **answers(rng, "bench30.")})
            if reply.status_code != 302:
                raise SystemExit(f"page save answered {reply.status_code}")

        ours = per_save_ms(send)
        statements: list[str] = []
        with app.app_context():
            engine = db.engine

        def record(_conn, _cursor, sql, *_args) -> None:
            statements.append(" ".join(sql.split())[:100])

        event.listen(engine, "before_cursor_execute", record)
        send()
        event.remove(engine, "before_cursor_execute", record)
        if "--profile" in sys.argv:
            profiler = cProfile.Profile(time.process_time)
            profiler.enable()
            for _ in range(ROUNDS):
                send()
            profiler.disable()
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(45)

        os.environ["FLOOR_DATABASE_URL"] = database_url("bench_profile_floor", folder)
        import floor_app

        floor_app.create_tables()
        floor = floor_app.app.test_client()
        numbers = random.Random(2)  # noqa: S311

        def send_floor() -> None:
            floor.post("/submit/1", data={"action": "next", **answers(numbers, "")})

        base = per_save_ms(send_floor)
    print(f"{LABEL} profile    page save in one process: {ours:.1f} ms CPU vs floor {base:.1f} ms; {len(statements)} SQL:")
    for sql in statements:
        print(f"             {sql}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
