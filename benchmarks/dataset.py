"""A benchmark survey: one 40-item instrument, 100,000 submitted responses, built once and reused.

On SQLite the database file lives in benchmarks/.data/ (ignored by git) and
responses are written the way the product writes them (insert_responses).
On PostgreSQL (``BENCH_BACKEND=postgresql``, backend.py) a database on the
throwaway server is filled with ``COPY``: the 1,000,000-response set
(``make bench-postgres-1m``) takes minutes that way, not hours. Either way:
answer rows plus the per-response vector, through the same column layout,
three audiences (20/50/30 %); ``waves=2`` adds a first wave (a survey of the
same series with a tenth as many responses) so the dashboard can compare
waves.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import numpy as np
from backend import POSTGRES, database_exists, database_url, libpq_url

HERE = Path(__file__).resolve().parent
DATA = HERE / ".data"
N_ITEMS = 40
N_SUBSCALES = 8


def instrument_yaml(n_items: int = N_ITEMS, ident: str = "bench40", n_subscales: int = N_SUBSCALES) -> str:
    """A one-page likert instrument of ``n_items`` items in ``n_subscales`` equal subscales."""
    labels = "\n".join(f"      - {{code: {c}, label: {{en: '{c}'}}}}" for c in range(1, 6))
    items = "\n".join(
        f"  - id: q{i:02d}\n    type: likert\n    scale: agree5\n    allow_skip: true\n"
        f"    reverse: {'true' if i % 5 == 4 else 'false'}\n"
        f"    text:\n      peer: {{en: 'I statement {i}'}}\n      staff: {{en: 'Peers statement {i}'}}\n"
        f"      service_user: {{en: 'The peer statement {i}'}}"
        for i in range(n_items)
    )
    per = n_items // n_subscales
    subscales = "\n".join(
        f"  - id: s{s}\n    label: {{en: 'Subscale {s}'}}\n"
        f"    items: [{', '.join(f'q{i:02d}' for i in range(s * per, (s + 1) * per))}]"
        for s in range(n_subscales)
    )
    return f"""id: {ident}
version: "1.0.0"
languages: [en]
title: {{en: Benchmark instrument}}
audiences: [peer, staff, service_user]
citation: Benchmark fixture.
licence: {{category: OPEN, name: Apache-2.0, redistributable: true}}
provenance: {{original: true, validated: false, status_note: Benchmark only.}}
scales:
  agree5:
    options:
{labels}
items:
{items}
subscales:
{subscales}
"""


SPEC = """
slug: bench
title: {en: Benchmark survey}
instruments: [bench40]
audiences: [peer, staff, service_user]
languages: [en]
consent: {en: Benchmark.}
"""
SERIES = "\nseries: bench-series\nwave: {wave}\n"


def database(n_responses: int, waves: int = 1) -> tuple[str, Path]:
    """The URL of a database holding the benchmark survey with ``n_responses`` submitted responses."""
    DATA.mkdir(exist_ok=True)
    instruments = DATA / "instruments"
    instruments.mkdir(exist_ok=True)
    (instruments / "bench40.yaml").write_text(instrument_yaml(), encoding="utf-8")
    name = f"bench-{n_responses}-{_schema_head()}" + ("-2w" if waves == 2 else "")  # rebuilt after a migration
    exists = database_exists(name, DATA)
    url = database_url(name, DATA, fresh=False)
    if not exists:
        # built by a child process: a benchmark's own children would otherwise report this process's peak memory
        # as theirs (Linux keeps the parent's high-water mark across the fork and exec of a child)
        command = [sys.executable, __file__, "build", url, str(instruments), str(n_responses), str(waves)]
        try:
            subprocess.run(command, check=True)  # noqa: S603 - this script
        except BaseException:
            if not POSTGRES:
                (DATA / f"{name}.db").unlink(missing_ok=True)
            raise
    return url, instruments


def _schema_head() -> str:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(HERE.parent / "migrations"))
    return ScriptDirectory.from_config(config).get_current_head() or "none"


def build(url: str, instruments: Path, n: int) -> None:
    from flask_migrate import upgrade

    from surveyapp import create_app
    from surveyapp.db import db, insert_responses
    from surveyapp.instruments.answers import StoredValue
    from surveyapp.services.survey_data import answer_vector, survey_columns
    from surveyapp.services.surveys import create_survey, set_status

    started = time.perf_counter()
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "INSTRUMENTS_DIR": str(instruments)})
    with app.app_context():
        upgrade(directory=str(HERE.parent / "migrations"))
        now = dt.datetime(2026, 11, 24, tzinfo=dt.UTC)
        survey = create_survey(SPEC, "bench.yaml", instruments, now, None)
        set_status("bench", "open", now, None)
        audiences = {a.key: a.id for a in survey.audiences}
        columns = survey_columns(survey)
        rng = np.random.default_rng(1)
        keys = list(audiences)
        chunk = 5000
        for start in range(0, n, chunk):
            size = min(chunk, n - start)
            who = rng.choice(len(keys), size=size, p=[0.2, 0.5, 0.3])
            level = rng.normal(3.4, 0.8, size=(size, 1)) + (who[:, None] - 1) * 0.3
            codes = np.clip(np.rint(level + rng.normal(0, 0.8, size=(size, N_ITEMS))), 1, 5)
            codes[rng.random((size, N_ITEMS)) < 0.03] = np.nan
            codes[rng.random((size, N_ITEMS)) < 0.02] = -9
            responses, answers = [], []
            for row in range(size):
                rid = uuid.UUID(int=rng.integers(0, 2**63) << 64 | (start + row)).hex
                begun = now - dt.timedelta(days=float(rng.uniform(0, 30)))
                stored = {}
                for col, key in enumerate(columns):
                    value = codes[row, col]
                    if np.isnan(value):
                        continue
                    skipped = value == -9
                    stored[key] = StoredValue(None if skipped else float(value), None, bool(skipped))
                    answers.append(
                        {
                            "response_id": rid,
                            "item_key": key,
                            "value_num": None if skipped else float(value),
                            "value_text": None,
                            "skipped": bool(skipped),
                        }
                    )
                responses.append(
                    {
                        "id": rid,
                        "survey_id": survey.id,
                        "audience_id": audiences[keys[who[row]]],
                        "language": "en",
                        "status": "submitted",
                        "source": "import",
                        "started_at": begun,
                        "updated_at": begun,
                        "submitted_at": begun + dt.timedelta(minutes=12),
                        "current_page": 0,
                        "furthest_page": 0,
                        "vector": answer_vector(columns, stored),
                    }
                )
            insert_responses(responses, answers)
            db.session.commit()
        db.engine.dispose()
    print(f"built {n} responses x {N_ITEMS} items in {time.perf_counter() - started:.0f} s", flush=True)


def _codes(rng: np.random.Generator, size: int) -> tuple[np.ndarray, np.ndarray]:
    """Audience numbers and a (size, 40) float array of codes 1-5, NaN for unanswered and -9 for skipped."""
    who = rng.choice(3, size=size, p=[0.2, 0.5, 0.3])
    level = rng.normal(3.4, 0.8, size=(size, 1)) + (who[:, None] - 1) * 0.3
    codes = np.clip(np.rint(level + rng.normal(0, 0.8, size=(size, N_ITEMS))), 1, 5)
    codes[rng.random((size, N_ITEMS)) < 0.03] = np.nan
    codes[rng.random((size, N_ITEMS)) < 0.02] = -9
    return who, codes


def build_copy(url: str, instruments: Path, n: int, waves: int) -> None:
    """Fill a PostgreSQL database with ``COPY``: the survey (and a smaller first wave), its responses and answers."""
    import psycopg
    from flask_migrate import upgrade

    from surveyapp import create_app
    from surveyapp.db import db, item_key_ids
    from surveyapp.services.survey_data import survey_columns
    from surveyapp.services.surveys import create_survey, set_status

    started = time.perf_counter()
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "INSTRUMENTS_DIR": str(instruments)})
    now = dt.datetime(2026, 11, 24, tzinfo=dt.UTC)
    plans = []  # (survey id, audience ids, item key ids, how many)
    with app.app_context():
        upgrade(directory=str(HERE.parent / "migrations"))
        specs = [(SPEC, n)]
        if waves == 2:
            first = SPEC.replace("slug: bench", "slug: bench-w1") + SERIES.format(wave=1)
            specs = [(first, max(1, n // 10)), (SPEC + SERIES.format(wave=2), n)]
        for spec, size in specs:
            survey = create_survey(spec, "bench.yaml", instruments, now, None)
            set_status(survey.slug, "open", now, None)
            columns = survey_columns(survey)
            numbers = item_key_ids(columns)
            db.session.commit()
            audiences = {a.key: a.id for a in survey.audiences}
            audience_ids = [audiences[k] for k in ("peer", "staff", "service_user")]
            plans.append((survey.id, audience_ids, [numbers[c] for c in columns], size))
        db.engine.dispose()
    rng = np.random.default_rng(1)
    pk = 0
    with psycopg.connect(libpq_url(url)) as conn:
        for survey_id, audience_ids, key_ids, size in plans:
            keys = np.array(key_ids)
            for start in range(0, size, 50_000):
                count = min(50_000, size - start)
                who, codes = _codes(rng, count)
                pks = np.arange(pk + 1, pk + count + 1)
                pk += count
                days = rng.uniform(0, 30, size=count)
                vectors = codes.astype("<f4")
                with conn.cursor().copy(
                    "COPY response (pk, id, survey_id, audience_id, language, status, source, started_at, updated_at, "
                    "submitted_at, current_page, furthest_page, vector, published) FROM STDIN"
                ) as copy:
                    lines = []
                    for row in range(count):
                        begun = now - dt.timedelta(days=float(days[row]))
                        lines.append(
                            f"{pks[row]}\t{uuid.UUID(int=int(pks[row])).hex}\t{survey_id}\t{audience_ids[who[row]]}\ten\t"
                            f"submitted\timport\t{begun.isoformat()}\t{begun.isoformat()}\t"
                            f"{(begun + dt.timedelta(minutes=12)).isoformat()}\t0\t0\t\\\\x{vectors[row].tobytes().hex()}\tf\n"
                        )
                    copy.write("".join(lines))
                rows, cols = np.nonzero(~np.isnan(codes))
                values = codes[rows, cols]
                with conn.cursor().copy("COPY answer (response_pk, item_key_id, value_num, skipped) FROM STDIN") as copy:
                    copy.write(
                        "".join(
                            f"{p}\t{k}\t\\N\tt\n" if v == -9 else f"{p}\t{k}\t{v:g}\tf\n"
                            for p, k, v in zip(pks[rows].tolist(), keys[cols].tolist(), values.tolist(), strict=True)
                        )
                    )
                conn.commit()
        conn.execute("SELECT setval(pg_get_serial_sequence('response', 'pk'), %s)", (pk,))
        conn.execute("ANALYZE")
        conn.commit()
    print(f"built {pk} responses x {N_ITEMS} items with COPY in {time.perf_counter() - started:.0f} s", flush=True)


if __name__ == "__main__":
    if sys.argv[1:2] == ["build"]:
        url, folder, size, waves = sys.argv[2], Path(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
        if POSTGRES:
            build_copy(url, folder, size, waves)
        else:
            build(url, folder, size)
    else:
        print(database(int(os.environ.get("BENCH_RESPONSES", "100000"))))
