"""The floor for the page-submission benchmark: the least a Flask + SQLAlchemy app can do with a 30-item page.

``POST /submit/<response>`` takes the same form a respondent's page sends
(30 item codes and an action), replaces that response's 30 values in one
table and redirects, as Peerscope does, on the same kind of database (SQLite
in WAL mode, or ``FLOOR_DATABASE_URL``). No CSRF, no checks, no survey: what
Peerscope does on top of this is the cost being measured.

Run by bench_submit.py as ``gunicorn floor_app:app`` with the same settings as Peerscope.
"""

from __future__ import annotations

import os
from typing import Any

from flask import Flask, redirect, request
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import Integer, delete, event, insert
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)


class Value(Base):
    __tablename__ = "value"
    response: Mapped[int] = mapped_column(Integer, primary_key=True)
    item: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[int] = mapped_column(Integer)


@event.listens_for(Engine, "connect")
def _pragmas(dbapi_connection: Any, _record: Any) -> None:
    if type(dbapi_connection).__module__.startswith("sqlite3"):  # as Peerscope sets them
        for pragma in ("journal_mode=WAL", "foreign_keys=ON", "busy_timeout=5000"):
            dbapi_connection.execute(f"PRAGMA {pragma}")


app = Flask(__name__)
app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["FLOOR_DATABASE_URL"]
db.init_app(app)


@app.post("/submit/<int:response>")
def submit(response: int) -> Any:
    values = [
        {"response": response, "item": int(key.rsplit("q", 1)[1]), "code": int(code)}
        for key, code in request.form.items()
        if key != "action"
    ]
    db.session.execute(delete(Value).where(Value.response == response))
    db.session.execute(insert(Value), values)
    db.session.commit()
    return redirect(f"/submit/{response}/next")


def create_tables() -> None:
    with app.app_context():
        db.create_all()
