"""A respondent's worker never loads the statistics libraries.

scipy, statsmodels and pandas (which statsmodels imports) take about a second
and ~200 MB to import: every gunicorn worker would pay that before its first
respondent, for numbers only the dashboards and commands compute. The check
runs in a new interpreter, since this test session has imported them already.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("statsmodels", "scipy", "scipy.stats", "scipy.optimize", "pandas")

SCRIPT = """
import datetime as dt, json, sys
from pathlib import Path
from flask_migrate import upgrade
from surveyapp import create_app

root, database_url, spec = Path(sys.argv[1]), sys.argv[2], sys.argv[3]
app = create_app({"TESTING": True, "DATABASE_URL": database_url, "SECRET_KEY": "test-secret",
                  "WTF_CSRF_ENABLED": False, "INSTRUMENTS_DIR": str(root / "instruments")})
with app.app_context():
    upgrade(directory=str(root / "migrations"))
    from surveyapp.services.invitations import issue_invitations
    from surveyapp.services.surveys import create_survey, set_status
    now = dt.datetime.now(dt.UTC)
    create_survey(spec, "spec.yaml", root / "tests" / "fixtures", now, None)
    set_status("mini-survey", "open", now, None)
    token = issue_invitations("mini-survey", "peer", 1, now, None)[0]
client = app.test_client()
statuses = [
    client.get(f"/r/{token}").status_code,
    client.post(f"/r/{token}/consent", data={"consent": "yes"}).status_code,
    client.get(f"/r/{token}/p/1").status_code,
    client.post(f"/r/{token}/p/1", data={"mini.clear": "4", "mini.unclear": "2", "mini.valued": "5",
                                         "action": "next"}).status_code,
]
print(json.dumps({"statuses": statuses, "loaded": [m for m in json.loads(sys.argv[4]) if m in sys.modules]}))
"""


def test_serving_a_respondent_imports_no_statistics_library(database_url: str) -> None:
    from tests.conftest import MINI_SPEC

    result = _last_json_line(SCRIPT, str(ROOT), database_url, MINI_SPEC, json.dumps(HEAVY))
    assert result["statuses"] == [302, 302, 200, 302]  # the link, consent, the first page shown and saved
    assert result["loaded"] == [], f"a respondent's worker imported {result['loaded']}"


def test_creating_the_app_imports_neither_alembic_nor_statistics() -> None:
    """Every worker creates the app; only `surveyapp db ...` and /readyz need Alembic (extensions.MigrationSettings)."""
    script = (
        "import json, sys\n"
        "from surveyapp import create_app\n"
        "create_app({'DATABASE_URL': 'sqlite://', 'SECRET_KEY': 'test-secret'})\n"
        "print(json.dumps([m for m in sys.argv[1:] if m in sys.modules]))\n"
    )
    assert _last_json_line(script, "alembic", "flask_migrate", *HEAVY) == []


def _last_json_line(script: str, *args: str) -> Any:
    """Run ``script`` in a new interpreter (nothing imported yet) and read the JSON it prints last."""
    run = subprocess.run(
        [sys.executable, "-c", script, *args], capture_output=True, text=True, cwd=ROOT, timeout=120, check=False
    )
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout.strip().splitlines()[-1])
