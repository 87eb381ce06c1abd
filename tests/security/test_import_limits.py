"""Finding 9 (imports): a web import is bounded. A file of more rows than SURVEYAPP_WEB_IMPORT_MAX_ROWS is
refused as soon as reading passes the limit, with a message pointing to the command line, and nothing is
stored; the command line (the service without a limit) takes any size. The memory figure itself is measured
by benchmarks/bench_import_memory.py (`make bench`), not here."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from surveyapp.db import Response, db
from surveyapp.services.accounts import create_user
from surveyapp.services.importing import import_responses
from surveyapp.services.importing.reading import TooManyRowsError, read_rows

NOW = dt.datetime(2026, 11, 24, 9, 0, tzinfo=dt.UTC)
PASSWORD = "tangerine-ocelot-quarry-58"
LIMIT = 40


def csv_of(rows: int) -> str:
    return "audience,mini.clear\r\n" + "peer,4\r\nstaff,2\r\n" * (rows // 2)


def stored() -> int:
    return db.session.scalar(select(func.count()).select_from(Response)) or 0


@pytest.fixture
def admin(app: Flask, client: FlaskClient, make_survey) -> FlaskClient:
    make_survey()
    app.config["WEB_IMPORT_MAX_ROWS"] = LIMIT
    create_user("admin@example.org", PASSWORD, "admin", NOW, None)
    assert client.post("/login", data={"email": "admin@example.org", "password": PASSWORD}).status_code == 302
    return client


def post(client: FlaskClient, text: str):
    data = {"file": (io.BytesIO(text.encode()), "big.csv")}
    return client.post("/admin/surveys/mini-survey/import", data=data, content_type="multipart/form-data")


def test_a_web_import_over_the_row_limit_is_refused_and_sent_to_the_cli(admin: FlaskClient) -> None:
    response = post(admin, csv_of(LIMIT + 2))
    assert response.status_code == 400
    assert f"more than {LIMIT} responses" in response.text
    assert "surveyapp responses import" in response.text
    assert stored() == 0


def test_a_web_import_at_the_limit_is_imported(admin: FlaskClient) -> None:
    assert post(admin, csv_of(LIMIT)).status_code == 302
    assert stored() == LIMIT


def test_the_command_line_has_no_row_limit(app: Flask, make_survey) -> None:
    app.config["WEB_IMPORT_MAX_ROWS"] = LIMIT
    assert import_responses(make_survey(), csv_of(LIMIT * 3), NOW, None).ok
    assert stored() == LIMIT * 3


def test_reading_stops_at_the_limit_without_reading_the_rest() -> None:
    with pytest.raises(TooManyRowsError):
        read_rows(csv_of(10) + 'not,csv,"unterminated\n' * 3, frozenset({"audience"}), max_rows=5)


def test_only_used_columns_are_kept_and_old_mac_line_ends_still_read() -> None:
    rows = read_rows('audience,wave,mini.clear\rpeer,1,4\rstaff,1,"2"\r', frozenset({"audience", "mini.clear"}))
    assert rows is not None
    assert rows.cells_of == [["peer", "staff"], [], ["4", "2"]]
    assert rows.row_numbers == [2, 3]


def test_a_quoted_cell_may_span_lines() -> None:
    rows = read_rows('audience,mini.comments\r\npeer,"two\r\nlines"\r\nstaff,x\r\n', frozenset({"audience", "mini.comments"}))
    assert rows is not None
    assert rows.cells_of[1] == ["two\r\nlines", "x"]


def test_an_upload_over_the_limit_is_never_streamed_into_the_database(admin: FlaskClient, monkeypatch) -> None:
    """PostgreSQL stores a clean file while reading it (services/importing/streaming.py): a file longer than the web
    limit must be refused before that starts, so an oversized upload costs no database work. Under the limit the
    stream does run on PostgreSQL (so the spy is seen to work there); SQLite never streams."""
    from surveyapp.services.importing import streaming

    streamed: list[int] = []
    real = streaming._stream

    def spy(*args, **kwargs):
        streamed.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(streaming, "_stream", spy)
    assert post(admin, csv_of(LIMIT + 2)).status_code == 400
    assert streamed == []
    assert stored() == 0
    assert post(admin, csv_of(LIMIT - 10)).status_code == 302  # plainly under the limit
    assert stored() == LIMIT - 10
    assert streamed == ([1] if db.engine.dialect.name == "postgresql" else [])
