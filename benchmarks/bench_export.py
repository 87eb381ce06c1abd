"""Export benchmark: the wide and long CSV of the benchmark survey (100,000 responses x 40 items; ``BENCH_RESPONSES``).

Each export is the whole command (``surveyapp export bench --format wide|long
--raw --out FILE``) in a new process, timed from outside (interpreter start
and imports included), with that process's peak memory (ru_maxrss from
wait4). Each is compared with the fastest plain way to produce the same file
with the database's own command-line client (``sqlite3 -csv``, or ``psql``'s
``\\copy ... TO STDOUT CSV`` on PostgreSQL):

* wide: a SQL pivot of the answer table to one row per response (the
  metadata columns and every item's code, -9 for "prefer not to answer");
* long: the long export's own query (answers joined to response, audience
  and item, in the same order).

Targets (issue 13): each within 2x its plain counterpart; streamed, peak
memory under 150 MB at 100,000 responses and under 200 MB at 1,000,000. A raw
dump of the answer table is printed beside them for reference.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from backend import LABEL, POSTGRES, libpq_url, uptime

N = int(os.environ.get("BENCH_RESPONSES", "100000"))
REPEAT = int(os.environ.get("BENCH_REPEAT", "3"))
MEMORY_TARGET = 200 if N >= 1_000_000 else 150
RATIO_TARGET = 2.0
KINDS = os.environ.get("BENCH_EXPORT_KINDS", "wide,long").split(",")


def timed(command: list[str], out: Path, env: dict[str, str] | None = None) -> tuple[float, float]:
    """Seconds and peak MB of ``command`` run as a new process, its standard output into ``out``."""
    with out.open("wb") as target:
        started = time.perf_counter()
        process = subprocess.Popen(command, stdout=target, stderr=subprocess.DEVNULL, env=env)  # noqa: S603
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode:
        raise SystemExit(f"{command[0]} failed ({process.returncode})")
    return seconds, usage.ru_maxrss / 1024


def plain_query(kind: str, survey_id: int, keys: list[tuple[int, str]]) -> str:
    if kind == "long":
        joins = (
            "FROM answer a2 JOIN response r ON r.pk = a2.response_pk JOIN audience a ON a.id = r.audience_id "
            "JOIN item_key k ON k.id = a2.item_key_id"
        )
        where = f"WHERE r.survey_id = {survey_id} AND r.status = 'submitted'"
        return f"SELECT r.id, a.key, k.key, a2.value_num, a2.value_text, a2.skipped {joins} {where} ORDER BY r.id, k.key"
    pivot = ", ".join(
        f'MAX(CASE WHEN v.item_key_id = {number} THEN CASE WHEN v.skipped THEN -9 ELSE v.value_num END END) AS "{key}"'
        for number, key in keys
    )
    joins = "FROM response r JOIN audience a ON a.id = r.audience_id JOIN answer v ON v.response_pk = r.pk"
    where = f"WHERE r.survey_id = {survey_id} AND r.status = 'submitted' GROUP BY r.pk, r.id, a.key ORDER BY r.id"
    return f"SELECT r.id, a.key, r.language, r.submitted_at, r.source, {pivot} {joins} {where}"


def plain_command(url: str, sql: str) -> list[str]:
    if POSTGRES:
        return [shutil.which("psql") or "psql", libpq_url(url), "-q", "-c", f"\\copy ({sql}) TO STDOUT WITH CSV HEADER"]
    return [shutil.which("sqlite3") or "sqlite3", "-csv", "-header", url.removeprefix("sqlite:///"), sql + ";"]


def survey_keys(url: str) -> tuple[int, list[tuple[int, str]]]:
    """The benchmark survey's id and its items' numbers and keys, read with the bare driver: importing the app here
    would make this process large, and Linux reports a parent's peak memory as its children's too."""
    keys_sql = "SELECT id, key FROM item_key WHERE key LIKE 'bench40.%' ORDER BY key"
    survey_sql = "SELECT id FROM survey WHERE slug = 'bench'"
    if POSTGRES:
        import psycopg

        with psycopg.connect(libpq_url(url)) as conn:
            return conn.execute(survey_sql).fetchone()[0], conn.execute(keys_sql).fetchall()  # type: ignore[index]
    import sqlite3

    with contextlib.closing(sqlite3.connect(url.removeprefix("sqlite:///"))) as conn:
        return conn.execute(survey_sql).fetchone()[0], conn.execute(keys_sql).fetchall()


def main() -> int:
    from dataset import database

    url, instruments = database(N, 2 if N >= 1_000_000 else 1)
    if shutil.which("psql" if POSTGRES else "sqlite3") is None:
        print(f"{LABEL} export     the {'psql' if POSTGRES else 'sqlite3'} command is missing; `make bench` installs sqlite3")
        return 1
    survey_id, keys = survey_keys(url)
    env = {**os.environ, "SURVEYAPP_DATABASE_URL": url, "SURVEYAPP_SECRET_KEY": "bench"}
    env["SURVEYAPP_INSTRUMENTS_DIR"] = str(instruments)
    surveyapp = str(Path(sys.executable).parent / "surveyapp")
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        dump = plain_command(url, "SELECT * FROM answer")
        raw = statistics.median(timed(dump, folder / "answers.csv")[0] for _ in range(REPEAT))
        for kind in KINDS:
            ours, plain, peaks = [], [], []
            for _ in range(REPEAT):
                plain.append(timed(plain_command(url, plain_query(kind, survey_id, keys)), folder / f"plain-{kind}.csv")[0])
                seconds, peak = timed([surveyapp, "export", "bench", "--format", kind, "--raw"], folder / f"{kind}.csv", env)
                ours.append(seconds)
                peaks.append(peak)
            size = (folder / f"{kind}.csv").stat().st_size
            ratio = statistics.median(ours) / statistics.median(plain)
            met = ratio <= RATIO_TARGET and max(peaks) < MEMORY_TARGET
            ok = ok and met
            client = "psql \\copy" if POSTGRES else "sqlite3 -csv"
            print(
                f"{LABEL} export     {kind} CSV of {N} responses x 40 items, the whole command: {statistics.median(ours):.2f} s "
                f"vs {client} of the {'SQL pivot' if kind == 'wide' else 'same query'} {statistics.median(plain):.2f} s "
                f"= {ratio:.2f}x (target <= {RATIO_TARGET:g}x), peak {max(peaks):.0f} MB (target < {MEMORY_TARGET}), "
                f"{size / 1e6:.0f} MB written; raw dump of the answer table {raw:.2f} s; medians of {REPEAT}; {uptime()}  "
                f"{'OK' if met else 'MISSED'}",
                flush=True,
            )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
