"""SURVEYAPP_LOG_FORMAT=json: one JSON object a line, the same messages as the text log."""

from __future__ import annotations

import io
import json
import logging
import sys
from collections.abc import Iterator

import pytest
from flask.logging import default_handler

from surveyapp import create_app
from surveyapp.logformat import JsonFormatter


@pytest.fixture
def root_logging() -> Iterator[logging.Logger]:
    """Whatever a test installs on the root logger is taken off afterwards."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield root
    for handler in root.handlers[:]:
        if handler not in handlers:
            root.removeHandler(handler)
    root.setLevel(level)


def test_a_record_becomes_one_json_line() -> None:
    try:
        raise RuntimeError("disk full")
    except RuntimeError:
        record = logging.LogRecord("surveyapp.x", logging.ERROR, __file__, 1, "saving %s failed", ("page 2",), sys.exc_info())
    record.survey = "demo"
    line = JsonFormatter().format(record)
    assert "\n" not in line
    entry = json.loads(line)
    assert entry["level"] == "ERROR"
    assert entry["logger"] == "surveyapp.x"
    assert entry["message"] == "saving page 2 failed"
    assert entry["survey"] == "demo"
    assert entry["time"].endswith("+00:00")
    assert "RuntimeError: disk full" in entry["exception"]


def test_the_factory_sends_every_log_as_json(root_logging: logging.Logger) -> None:
    app = create_app({"TESTING": True, "SECRET_KEY": "t", "LOG_FORMAT": "json"})
    create_app({"TESTING": True, "SECRET_KEY": "t", "LOG_FORMAT": "json"})  # a second app adds no second handler
    [handler] = [h for h in root_logging.handlers if isinstance(h.formatter, JsonFormatter)]
    assert default_handler not in app.logger.handlers  # no line written twice, once as text
    stream = io.StringIO()
    handler.setStream(stream)
    app.logger.info("survey %s opened", "demo")
    # a logger made now: Alembic's logging set-up, run in-process by earlier tests' migrations, disables older ones
    logging.getLogger("surveyapp.tests.json_logs").warning("not ready")
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert [(e["logger"], e["message"]) for e in lines] == [
        ("surveyapp", "survey demo opened"),
        ("surveyapp.tests.json_logs", "not ready"),
    ]


def test_text_is_the_default_and_changes_nothing(root_logging: logging.Logger) -> None:
    before = list(root_logging.handlers)
    create_app({"TESTING": True, "SECRET_KEY": "t"})
    assert root_logging.handlers == before


def test_an_unknown_format_is_refused_at_start() -> None:
    with pytest.raises(ValueError, match="SURVEYAPP_LOG_FORMAT is 'xml'; it must be one of: text, json"):
        create_app({"TESTING": True, "SECRET_KEY": "t", "LOG_FORMAT": "xml"})
