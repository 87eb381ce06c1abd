"""Peerscope: surveys that define and improve the role of peer specialists."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Flask, Response, current_app, request
from flask_babel import lazy_gettext as _l
from werkzeug.middleware.proxy_fix import ProxyFix

from . import redaction
from .cli import register_commands
from .config import FALLBACK_BASE_URL, PROJECT_ROOT, SECURE_COOKIE_CHOICES, SMTP_TLS_CHOICES, load_config
from .db.base import engine_options
from .extensions import MigrationSettings, babel, csrf, login
from .logformat import configure_logging
from .web.assets import long_cache

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the application: settings, extensions, blueprints, CLI. Nothing else."""
    app = Flask(__name__, instance_path=str(PROJECT_ROOT / "instance"))
    settings = load_config(config)
    app.config.update(settings)
    app.config["SQLALCHEMY_DATABASE_URI"] = settings["DATABASE_URL"]
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(settings["DATABASE_URL"])
    app.config["SECRET_KEY"] = settings["SECRET_KEY"] or _instance_secret(Path(app.instance_path))
    app.config["BASE_URL"] = settings["BASE_URL"] or _instance_base_url(Path(app.instance_path))
    if settings["SMTP_TLS"] not in SMTP_TLS_CHOICES:
        raise ValueError(f"SURVEYAPP_SMTP_TLS must be one of {', '.join(SMTP_TLS_CHOICES)}, not {settings['SMTP_TLS']!r}")
    if settings["SECURE_COOKIES"] not in SECURE_COOKIE_CHOICES:
        raise ValueError(
            f"SURVEYAPP_SECURE_COOKIES must be one of {', '.join(SECURE_COOKIE_CHOICES)}, not {settings['SECURE_COOKIES']!r}"
        )
    app.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings["SECURE_COOKIES"] == "always"
        or (settings["SECURE_COOKIES"] == "auto" and app.config["BASE_URL"].startswith("https://")),
        PERMANENT_SESSION_LIFETIME=timedelta(hours=8),
        BABEL_TRANSLATION_DIRECTORIES=str(Path(__file__).parent / "translations"),
        MAX_CONTENT_LENGTH=settings["MAX_UPLOAD_MB"] * 1024 * 1024,
        # a form's token lives as long as its session: a respondent may leave a page open for hours
        WTF_CSRF_TIME_LIMIT=None,
        # WTForms' own messages are never shown to respondents (their questions have Peerscope's translated
        # messages); without this every request would load WTForms' translation catalogue from disk
        WTF_I18N_ENABLED=False,
    )
    configure_logging(app, settings["LOG_FORMAT"])
    register_extensions(app)
    register_blueprints(app)
    register_commands(app)
    register_error_pages(app)
    register_logging(app)
    from .web.cookies import SessionInterface

    app.session_interface = SessionInterface()
    app.after_request(_security_headers)
    if settings["TRUSTED_PROXIES"] > 0:
        hops = settings["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops, x_prefix=hops)  # type: ignore[method-assign]
    return app


def register_logging(app: Flask) -> None:
    """Respondents' tokens never reach a log: Flask's "Exception on /r/<token>/..." and the dev server's request log."""
    redaction.install(app.logger)
    redaction.install(logging.getLogger("werkzeug"))


ERROR_PAGES = {
    400: (_l("This request could not be handled"), _l("Something in the address or the form was not right.")),
    403: (
        _l("No access"),
        _l("Your account cannot open this page. If you need it, ask an administrator to grant you access to this survey."),
    ),
    404: (_l("Not found"), _l("There is no page at this address.")),
    413: (
        _l("File too large"),
        _l(
            "The largest file this server accepts is %(max_upload_mb)s MB. Split the file, or ask an administrator to "
            "import it on the server with `surveyapp responses import` (no size limit there)."
        ),
    ),
}


def register_error_pages(app: Flask) -> None:
    """Staff-facing errors in the product's own page, saying what to do; respondents' pages have their own."""
    from flask import render_template
    from werkzeug.exceptions import HTTPException

    def render(error: HTTPException) -> tuple[str, int]:
        title, message = ERROR_PAGES[error.code or 400]
        message = str(message) % {"max_upload_mb": app.config["MAX_UPLOAD_MB"]}
        detail = error.description if error.code == 400 and error.description else message
        # the language menu returns to the results, not to this address: an error page shows nothing of the address
        # it was asked for (an ungranted survey's page must equal an unknown one's, byte for byte)
        page = render_template("error.html", title=title, message=detail, language_next="")
        return page, error.code or 400

    for code in ERROR_PAGES:
        app.register_error_handler(code, render)
    from .web import unavailable

    unavailable.register(app)


def _instance_secret(instance: Path) -> str:
    """A per-installation key kept in instance/secret_key, so restarts keep sessions valid."""
    path = instance / "secret_key"
    if not path.exists():
        instance.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def _instance_base_url(instance: Path) -> str:
    """The address `make run` / `make dev` last served at (instance/base_url), so commands run later in another
    shell print links that work; else the embedded server's default."""
    path = instance / "base_url"
    recorded = path.read_text(encoding="utf-8").strip() if path.is_file() else ""
    return recorded or FALLBACK_BASE_URL


#: endpoints whose responses are the same for everyone and may be cached (styles, scripts, plotly.js)
CACHEABLE_ENDPOINTS = frozenset({"static", "dashboard.plotly_js", "dashboard.plotly_css"})


def _security_headers(response: Response) -> Response:
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if request.endpoint not in CACHEABLE_ENDPOINTS:
        # staff data and respondents' answers: never in a shared cache, nor in a ward tablet's back button
        response.headers["Cache-Control"] = "no-store"
    else:
        long_cache(response)  # a versioned static URL (?v=content hash): a year, immutable
    hsts = current_app.config["HSTS_SECONDS"]
    if hsts > 0:
        response.headers.setdefault("Strict-Transport-Security", f"max-age={hsts}")
    return response


def register_extensions(app: Flask) -> None:
    # imported here: a module-level `from .db import db` would hide the surveyapp.db package behind the handle
    from .db import db
    from .web import assets
    from .web.auth import load_user
    from .web.i18n import page_language, select_locale

    db.init_app(app)
    app.extensions["migrate"] = MigrationSettings(db, str(PROJECT_ROOT / "migrations"))  # Flask-Migrate, lazily
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    app.context_processor(page_language)
    from .reporting.table_columns import column_label

    app.add_template_filter(column_label)
    login.init_app(app)
    login.login_view = "auth.login"
    login.user_loader(load_user)
    assets.init_app(app)


def register_blueprints(app: Flask) -> None:
    from .web.actions import bp as actions_bp
    from .web.admin import bp as admin_bp
    from .web.auth import bp as auth_bp
    from .web.builder import bp as builder_bp
    from .web.dashboard import bp as dashboard_bp
    from .web.delphi import bp as delphi_bp
    from .web.exports import bp as exports_bp
    from .web.health import bp as health_bp
    from .web.imports import bp as imports_bp
    from .web.invitations import bp as invitations_bp
    from .web.public import bp as public_bp
    from .web.respond.views import bp as respond_bp
    from .web.training import bp as training_bp
    from .web.validation import bp as validation_bp

    app.register_blueprint(public_bp)
    app.register_blueprint(actions_bp)
    app.register_blueprint(respond_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(invitations_bp)
    app.register_blueprint(builder_bp)
    app.register_blueprint(dashboard_bp)
    app.register_blueprint(delphi_bp)
    app.register_blueprint(exports_bp)
    app.register_blueprint(imports_bp)
    app.register_blueprint(training_bp)
    app.register_blueprint(health_bp)
    app.register_blueprint(validation_bp)
