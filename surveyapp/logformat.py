"""Log lines as JSON objects, one a line, for log collectors (``SURVEYAPP_LOG_FORMAT=json``).

With ``text`` (the default) logging is left as Flask and gunicorn set it up.
With ``json`` one handler on the root logger writes every record (the app's,
SQLAlchemy's, Alembic's) to standard error as a JSON object, and Flask's own
text handler is taken off the app's logger so that nothing is written twice.
The message is the same text a text log would carry, so whatever keeps
secrets out of messages keeps them out of JSON too.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import sys
from typing import Any

from flask import Flask
from flask.logging import default_handler

__all__ = ["LOG_FORMATS", "JsonFormatter", "configure_logging"]

LOG_FORMATS = ("text", "json")

#: attributes every LogRecord has; anything else on a record came from ``extra=`` and is kept
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "pid": record.process,
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        entry.update({key: value for key, value in vars(record).items() if key not in _STANDARD and key not in entry})
        return json.dumps(entry, ensure_ascii=False, default=str)


def configure_logging(app: Flask, log_format: str) -> None:
    """Apply ``log_format`` (see module docstring); installing the JSON handler twice adds nothing."""
    if log_format not in LOG_FORMATS:
        raise ValueError(f"SURVEYAPP_LOG_FORMAT is '{log_format}'; it must be one of: {', '.join(LOG_FORMATS)}")
    if log_format == "text":
        return
    root = logging.getLogger()
    if not any(isinstance(h.formatter, JsonFormatter) for h in root.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(JsonFormatter())
        root.addHandler(handler)
    if root.level > logging.INFO or root.level == logging.NOTSET:
        root.setLevel(logging.INFO)
    app.logger.removeHandler(default_handler)
