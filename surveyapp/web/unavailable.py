"""When the database is away (stopped, unreachable, its file read-only or locked for too long).

Nothing a person typed is lost and no stack trace is shown: a respondent gets
a page in their language that holds every value they sent and a button that
sends them again; staff get a plain page saying the service is briefly
unavailable. Both answer 503 with ``Retry-After``, so a proxy or a load
balancer can tell an outage from a bug. The error itself goes to the log.
"""

from __future__ import annotations

import logging

from flask import Flask, g, render_template, request
from flask_babel import refresh
from flask_login import AnonymousUserMixin
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from werkzeug.wrappers import Response

from .i18n import RTL_LANGUAGES, UI_LANGUAGES

log = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 10
LANG_COOKIE = "ps_lang"  # the respondent's remembered language (respond/views.py)


def _language() -> str:
    """The remembered language, else the one the view found (when the database failed after that), else the browser's."""
    for chosen in (request.cookies.get(LANG_COOKIE), getattr(g, "lang", None)):
        if chosen in UI_LANGUAGES:
            return chosen
    return request.accept_languages.best_match(UI_LANGUAGES) or "en"


#: SQLite reports a schema that does not match the code as an operational error; PostgreSQL as a programming error
_NOT_AN_OUTAGE = ("no such table", "no such column", "has no column", "syntax error")


def database_unavailable(error: DBAPIError) -> Response:
    """The 503 page for an unreachable or busy database; the session is rolled back first.

    A database whose schema does not match the release (never migrated, a missing upgrade) is no outage that
    passes: it stays a 500 with its traceback in the log, and /readyz names the step to take.
    """
    from ..db import db

    if any(text in str(error.orig).lower() for text in _NOT_AN_OUTAGE):
        raise error

    try:
        db.session.rollback()
    except DBAPIError:  # the connection itself is gone: the pool replaces it on the next checkout
        log.debug("rollback after a database error failed too", exc_info=True)
    if "_login_user" not in g:  # Flask-Login's template context would load the user from the database again
        g._login_user = AnonymousUserMixin()
    # the endpoint, not the path: a respondent's path holds their token
    log.error("database unavailable during %s %s: %s", request.method, request.endpoint, error.orig or error)
    if request.blueprint == "respond":
        g.lang = _language()
        refresh()  # Flask-Babel may have fixed the locale before the view set the respondent's language
        values = [(key, value) for key in request.form if key != "csrf_token" for value in request.form.getlist(key)]
        body = render_template(
            "respond/unavailable.html",
            lang=g.lang,
            dir="rtl" if g.lang in RTL_LANGUAGES else "ltr",
            values=values,
            resend=request.method == "POST",
        )
    else:
        body = render_template("unavailable.html")
    response = Response(body, status=503, mimetype="text/html")
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def register(app: Flask) -> None:
    """Outages only: the driver's connection and operational errors (refused, dropped, shutting down, SQLite's
    file missing, read-only or locked). A constraint violation or a bad statement is a bug: a 500, logged."""
    app.register_error_handler(OperationalError, database_unavailable)
    app.register_error_handler(InterfaceError, database_unavailable)
