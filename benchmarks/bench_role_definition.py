"""Role-definition benchmark: the Delphi view and the draft job definition for 30 tasks and 1,000 respondents.

Target (issue 10): the job-definition document builds in under 2 s. A
throwaway SQLite database gets the demo Delphi's round 1 (the shipped
30-task inventory) with 1,000 synthetic respondents (200 peers, 500 staff,
300 service users); then, REPEAT times after one warm-up, the role-definition
view (:func:`role_view`) and the whole document (consensus from the database,
the JobDefinition, the Word file) are timed. Median and slowest are printed,
with OK/MISSED for the document.
"""

from __future__ import annotations

import datetime as dt
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_S = 2.0
REPEAT = 5
RESPONDENTS = {"peer": 200, "staff": 500, "service_user": 300}


def main() -> int:
    from flask_migrate import upgrade

    from surveyapp import create_app
    from surveyapp.db import db
    from surveyapp.instruments import load_directory
    from surveyapp.reporting.job_definition import WRITERS
    from surveyapp.services.delphi_definition import draft_job_definition
    from surveyapp.services.delphi_view import role_view
    from surveyapp.services.demo_delphi import DELPHI_SPEC, ROUND_1, add_delphi_responses
    from surveyapp.services.instrument_registry import register_instruments
    from surveyapp.services.surveys import create_survey

    now = dt.datetime(2026, 12, 7, 9, 0, tzinfo=dt.UTC)
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/bench.db"
        app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "INSTRUMENTS_DIR": str(ROOT / "instruments")})
        with app.app_context():
            upgrade(directory=str(ROOT / "migrations"))
            register_instruments(sorted(load_directory(ROOT / "instruments").values(), key=lambda i: i.id), now)
            survey = create_survey(DELPHI_SPEC.read_text(encoding="utf-8"), DELPHI_SPEC.name, ROOT / "instruments", now, None)
            add_delphi_responses(survey, ROUND_1, RESPONDENTS, now, proposals=True)

            def document() -> bytes:
                return WRITERS["docx"].write(draft_job_definition(survey, None, "en").definition)

            status = 0
            for name, run in (("view", lambda: role_view(survey)), ("document (docx)", document)):
                run()  # warm-up: imports, templates
                times = []
                for _ in range(REPEAT):
                    start = time.perf_counter()
                    run()
                    times.append(time.perf_counter() - start)
                verdict = ""
                if name.startswith("document"):
                    ok = max(times) < TARGET_S
                    status |= 0 if ok else 1
                    verdict = f"  target < {TARGET_S:.0f} s: {'OK' if ok else 'MISSED'}"
                print(
                    f"role definition {name:15s} 30 tasks, 1,000 respondents: median {statistics.median(times) * 1000:7.1f} ms, "
                    f"max {max(times) * 1000:7.1f} ms{verdict}"
                )
            db.session.remove()
            db.engine.dispose()
    return status


if __name__ == "__main__":
    sys.exit(main())
