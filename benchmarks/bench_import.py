"""Import benchmark: the wide CSV of the 40-item benchmark survey, imported into a fresh database.

Target (design.md): at least 20,000 respondent rows a second, all or nothing.
The file is the benchmark survey's own wide export (dataset.py builds the
survey), cut to N rows. Each N is imported by a fresh process into a fresh,
migrated database holding a survey made from the same spec; the time is that
of ``import_responses`` alone (checking every row, inserting, committing), the
file being already in memory as bytes.

``BENCH_IMPORT_ROWS`` lists the sizes (default 20000,100000).

Each line also gives the CPU time the import took: the importer's process
(reading and checking the file, formatting the rows) and, on PostgreSQL, the
server process that stored them (read from /proc, so only for a server on
this machine). On a shared machine wall time follows the load; CPU time
barely does, and it says which side a change should aim at.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from backend import LABEL, POSTGRES, database_url, uptime

HERE = Path(__file__).resolve().parent
N = int(os.environ.get("BENCH_RESPONSES", "100000"))
SIZES = [int(n) for n in os.environ.get("BENCH_IMPORT_ROWS", "20000,100000").split(",")]
TARGET = 20_000


def export_wide(url: str, instruments: str, path: Path) -> None:
    """The survey's wide export, by the command in a child process (this process stays small: see dataset.py)."""
    env = {**os.environ, "SURVEYAPP_DATABASE_URL": url, "SURVEYAPP_SECRET_KEY": "bench", "SURVEYAPP_INSTRUMENTS_DIR": instruments}
    surveyapp = str(Path(sys.executable).parent / "surveyapp")
    subprocess.run([surveyapp, "export", "bench", "--raw", "--out", str(path)], env=env, check=True, capture_output=True)  # noqa: S603


def process_cpu(pid: int) -> float:
    """CPU time (user + system) of process ``pid`` so far; NaN when /proc does not show it (a remote server)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)  # every thread of this process
    return usage.ru_utime + usage.ru_stime


def measure(csv_path: str, rows: int, instruments: str) -> dict[str, float | None]:
    """In a child process: a fresh database, a fresh survey, one timed import of the first ``rows`` rows."""
    import logging

    from dataset import SPEC
    from flask_migrate import upgrade

    from surveyapp import create_app
    from surveyapp.db import db
    from surveyapp.services.importing import import_responses
    from surveyapp.services.surveys import create_survey

    with open(csv_path, "rb") as source:
        data = b"".join(line for _, line in zip(range(rows + 1), source, strict=False))
    with tempfile.TemporaryDirectory(dir=HERE / ".data") as folder:
        url = database_url("bench_import", Path(folder))  # a fresh database: a file, or one on the PostgreSQL server
        app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "INSTRUMENTS_DIR": instruments})
        logging.disable(logging.INFO)
        with app.app_context():
            upgrade(directory=str(HERE.parent / "migrations"))
            now = dt.datetime(2026, 11, 24, tzinfo=dt.UTC)
            survey = create_survey(SPEC.replace("slug: bench", "slug: bench-import"), "bench.yaml", instruments, now, None)
            connection = db.session.connection()  # the import's own: the session keeps it until the commit
            server = connection.exec_driver_sql("SELECT pg_backend_pid()").scalar() if POSTGRES else None
            server_cpu, python_cpu = process_cpu(server) if server else 0.0, own_cpu()
            started = time.perf_counter()
            report = import_responses(survey, data, now, None)
            seconds = time.perf_counter() - started
            python_cpu = own_cpu() - python_cpu
            server_cpu = process_cpu(server) - server_cpu if server else None
            db.engine.dispose()
    if not report.ok:
        raise SystemExit("\n".join(report.lines()[:20]))
    return {
        "rows": report.imported,
        "seconds": round(seconds, 3),
        "rows_per_s": round(report.imported / seconds),
        "python_cpu": round(python_cpu, 2),
        "server_cpu": None if server_cpu is None else round(server_cpu, 2),
    }


def main() -> int:
    if len(sys.argv) == 4:  # child
        print(json.dumps(measure(sys.argv[1], int(sys.argv[2]), sys.argv[3])))
        return 0
    from dataset import database

    url, instruments = database(N, 2 if N >= 1_000_000 else 1)
    csv_path = HERE / ".data" / "bench-wide.csv"
    export_wide(url, str(instruments), csv_path)
    ok = True
    try:
        for rows in SIZES:
            child = [sys.executable, __file__, str(csv_path), str(rows), str(instruments)]
            out = subprocess.run(child, capture_output=True, text=True, check=True)  # noqa: S603 - our own script
            figures = json.loads(out.stdout.strip().splitlines()[-1])
            met = figures["rows_per_s"] >= TARGET
            ok = ok and met
            cpu = f"CPU: Python {figures['python_cpu']} s" + (f", server {figures['server_cpu']} s" if POSTGRES else "")
            print(
                f"{LABEL} import     {figures['rows']} rows x 40 items: {figures['rows_per_s']} rows/s "
                f"({figures['seconds']} s; {cpu}; target >= {TARGET}); {uptime()}  {'OK' if met else 'MISSED'}",
                flush=True,
            )
    finally:
        csv_path.unlink(missing_ok=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
