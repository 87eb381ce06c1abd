"""The floor for the page-submission benchmark: the least a Flask + SQLAlchemy app can do with a 30-item page.

``POST /submit/<response>`` takes the same form a respondent's page sends
(30 item codes and an action), stores them as ONE row of 30 integers (an
upsert keyed by the response) and redirects, as Peerscope does. It runs on the
same kind of database with Peerscope's own engine settings (SQLite in WAL mode
with the same pragmas, pooled connections checked before use; or PostgreSQL
through ``FLOOR_DATABASE_URL``). No CSRF, no session, no checks, no survey:
what Peerscope does on top of this is the cost being measured.

Run by bench_submit.py as ``gunicorn -c gunicorn.conf.py floor_app:app``: the
same configuration file, hence the same worker count, as Peerscope.
"""

from __future__ import annotations

import os
from typing import Any

from flask import Flask, redirect, request
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import text

from surveyapp.db.base import engine_options  # registers Peerscope's SQLite pragmas too

ITEMS = 30
COLUMNS = [f"q{i:02d}" for i in range(ITEMS)]
NAMES, PLACES, SETS = ", ".join(COLUMNS), ", ".join(f":{c}" for c in COLUMNS), ", ".join(f"{c} = excluded.{c}" for c in COLUMNS)
# fixed column names; the values are bound
UPSERT = text(f"INSERT INTO page (response, {NAMES}) VALUES (:response, {PLACES}) ON CONFLICT (response) DO UPDATE SET {SETS}")  # noqa: S608

app = Flask(__name__)
app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["FLOOR_DATABASE_URL"]
app.config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(os.environ["FLOOR_DATABASE_URL"])
db = SQLAlchemy(app)


@app.post("/submit/<int:response>")
def submit(response: int) -> Any:
    values: dict[str, Any] = {"response": response}
    for key, code in request.form.items():
        if key != "action":
            values[f"q{int(key.rsplit('q', 1)[1]):02d}"] = int(code)
    db.session.execute(UPSERT, values)
    db.session.commit()
    return redirect(f"/submit/{response}/next")


def create_tables() -> None:
    with app.app_context():
        columns = ", ".join(f"{c} INTEGER" for c in COLUMNS)
        db.session.execute(text(f"CREATE TABLE IF NOT EXISTS page (response INTEGER PRIMARY KEY, {columns})"))
        db.session.commit()
        db.engine.dispose()
