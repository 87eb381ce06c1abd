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
        "Key that signs sessions and CSRF tokens, and keys the marks of used anonymous links (changing it lets "
        "those links answer again). Required outside development and tests; "
        "`make run` generates one into instance/secret_key.",
    ),
    Setting("INSTRUMENTS_DIR", str(PROJECT_ROOT / "instruments"), "Directory of instrument YAML files."),
    Setting(
        "BASE_URL",
        None,
        "Public address respondents reach the app at, used in every link the app prints, mails or puts in a QR code "
        "(pages, e-mails, PDFs and `surveyapp invite`), e.g. https://survey.example.org. When unset: the address "
        "`make run` / `make dev` last served at (kept in instance/base_url), else http://127.0.0.1:5000.",
    ),
    Setting(
        "MAX_UPLOAD_MB",
        16,
        "Largest file the web forms accept (survey specs, response imports), in megabytes. A web import adds at "
        "most 12 MB to a worker per MB of this limit (under 200 MB for 16 MB; measured by `make bench`); import "
        "larger files with `surveyapp responses import` on the server.",
        int,
    ),
    Setting(
        "WEB_IMPORT_MAX_ROWS",
        100_000,
        "Most responses (rows) one web import may hold. Bounds a worker's memory and keeps an import well inside "
        "gunicorn's 30-second timeout; a larger file is refused with a message pointing to "
        "`surveyapp responses import`, which has no such limit.",
        int,
    ),
    Setting(
        "TRUSTED_PROXIES",
        0,
        "Number of reverse proxies (TLS terminators, load balancers) in front of the app. With 1 or more, the "
        "client's address, scheme and host are taken from that many X-Forwarded-* headers (werkzeug's ProxyFix), "
        "so https behind a proxy is recognised. Leave 0 when the app is reached directly: otherwise anyone could "
        "forge those headers.",
        int,
    ),
    Setting(
        "SECURE_COOKIES",
        "auto",
        "Whether cookies carry the Secure flag (sent over https only): `auto` when BASE_URL starts with https:// "
        "or the request came over https (as ProxyFix reports it behind TRUSTED_PROXIES), `always`, or `never` "
        "(plain http on a test machine only).",
    ),
    Setting(
        "HSTS_SECONDS",
        0,
        "When above 0, every response carries Strict-Transport-Security with this max-age, so browsers use https "
        "only for this host (e.g. 31536000 for a year). Off by default: the embedded server is plain http on "
        "127.0.0.1. Turn it on only once the site is reachable over https for good.",
        int,
    ),
    Setting(
        "SESSION_HOURS",
        8,
        "A staff sign-in lasts at most this many hours, however active; then sign in again.",
        int,
    ),
    Setting(
        "SESSION_IDLE_MINUTES",
        60,
        "A staff session ends after this many minutes without a request.",
        int,
    ),
    Setting(
        "SMTP_HOST",
        "",
        "Mail server that sends e-mail invitations and reminders (e.g. smtp.example.org). Empty: e-mail sending is "
        "off and the invitations page says so; printed and CSV links still work.",
    ),
    Setting("SMTP_PORT", 587, "Port of the mail server (587 for STARTTLS, 465 for SSL, 25 for plain SMTP).", int),
    Setting(
        "SMTP_TLS",
        "starttls",
        "How the connection to the mail server is protected: `starttls` (upgrade a plain connection, port 587), "
        "`ssl` (TLS from the start, port 465) or `none` (plain, only for a relay on the same machine or network).",
    ),
    Setting("SMTP_USER", "", "User name for the mail server; empty: send without signing in."),
    Setting("SMTP_PASSWORD", "", "Password for SMTP_USER."),
    Setting(
        "SMTP_FROM",
        "",
        "Sender of invitations and reminders, e.g. `Quality team <surveys@example.org>`. Required to send e-mail; "
        "its domain also names each message's Message-ID.",
    ),
    Setting("SMTP_TIMEOUT", 20, "Seconds to wait for the mail server before a message counts as failed.", int),
    Setting(
        "MAIL_BATCH_SIZE",
        25,
        "Messages one request (or one `surveyapp invite/remind` step) sends before it records its progress. Keeps "
        "each request well inside gunicorn's timeout; the page continues with the next batch.",
        int,
    ),
    Setting(
        "REMINDER_LIMIT",
        2,
        "Most reminders one address receives per survey, whoever asks (button, schedule or command).",
        int,
    ),
    Setting(
        "REMINDER_AFTER_DAYS",
        7,
        "`surveyapp remind --scheduled` (run daily by cron or a systemd timer) reminds an address only when its "
        "invitation or last reminder is at least this many days old.",
        int,
    ),
    Setting(
        "LOG_FORMAT",
        "text",
        "How log lines are written to standard error: `text` (readable) or `json` (one JSON object a line with time, "
        "level, logger, message and any exception, for log collectors). gunicorn's access log keeps its own format.",
    ),
)

SECURE_COOKIE_CHOICES = ("auto", "always", "never")
SMTP_TLS_CHOICES = ("none", "starttls", "ssl")
#: where links point when neither SURVEYAPP_BASE_URL nor instance/base_url says
FALLBACK_BASE_URL = "http://127.0.0.1:5000"


def load_config(overrides: Mapping[str, Any] | None = None, environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Defaults, then ``SURVEYAPP_*`` environment variables, then ``overrides``."""
    environ = os.environ if environ is None else environ
    config: dict[str, Any] = {}
    for setting in SETTINGS:
        value = environ.get(f"SURVEYAPP_{setting.name}", setting.default)
        config[setting.name] = setting.kind(value) if value is not None and setting.kind is not str else value
    config.update(overrides or {})
    return config
