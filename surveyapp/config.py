"""Every setting, declared once with its default and help text.

Environment variables named ``SURVEYAPP_<NAME>`` override the defaults; a
mapping passed to ``create_app`` overrides both (tests use that). Nothing is
read at import time.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Setting:
    name: str
    default: Any
    help: str
    kind: type = str


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "DATABASE_URL",
        f"sqlite:///{PROJECT_ROOT / 'instance' / 'peerscope.db'}",
        "SQLAlchemy database URL. Leave unset for the embedded SQLite file (WAL mode); "
        "set to postgresql+psycopg://user:pass@host/db for production.",
    ),
    Setting(
        "SECRET_KEY",
        None,
        "Key that signs sessions and CSRF tokens. Required outside development and tests; "
        "`make run` generates one into instance/secret_key.",
    ),
    Setting("INSTRUMENTS_DIR", str(PROJECT_ROOT / "instruments"), "Directory of instrument YAML files."),
    Setting("BASE_URL", "http://127.0.0.1:5000", "Public address used in printed respondent links."),
    Setting(
        "MAX_UPLOAD_MB",
        16,
        "Largest file the web forms accept (survey specs, response imports), in megabytes. An import needs about "
        "25 MB of memory per MB of CSV; import larger files with `surveyapp responses import` on the server.",
        int,
    ),
    Setting(
        "LOG_FORMAT",
        "text",
        "How log lines are written to standard error: `text` (readable) or `json` (one JSON object a line with time, "
        "level, logger, message and any exception, for log collectors). gunicorn's access log keeps its own format.",
    ),
)


def load_config(overrides: Mapping[str, Any] | None = None, environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Defaults, then ``SURVEYAPP_*`` environment variables, then ``overrides``."""
    environ = os.environ if environ is None else environ
    config: dict[str, Any] = {}
    for setting in SETTINGS:
        value = environ.get(f"SURVEYAPP_{setting.name}", setting.default)
        config[setting.name] = setting.kind(value) if value is not None and setting.kind is not str else value
    config.update(overrides or {})
    return config
