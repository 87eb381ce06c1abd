"""A benchmark survey: one 40-item instrument, 100,000 submitted responses, built once and reused.

The database file lives in benchmarks/.data/ (ignored by git). Responses are
written the way the product writes them: answer rows plus the per-response
vector, through the same column layout.
"""

from __future__ import annotations

import datetime as dt
import os
import time
import uuid
from pathlib import Path

import numpy as np

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


def database(n_responses: int) -> tuple[str, Path]:
    """The URL of a database holding the benchmark survey with ``n_responses`` submitted responses."""
    DATA.mkdir(exist_ok=True)
    instruments = DATA / "instruments"
    instruments.mkdir(exist_ok=True)
    (instruments / "bench40.yaml").write_text(instrument_yaml(), encoding="utf-8")
    path = DATA / f"bench-{n_responses}-{_schema_head()}.db"  # rebuilt when a migration changes the schema
    url = f"sqlite:///{path}"
    if not path.exists():
        build(url, instruments, n_responses)
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


if __name__ == "__main__":
    print(database(int(os.environ.get("BENCH_RESPONSES", "100000"))))
