"""Signing in and out, changing passwords, the session rules, and the role check every staff page uses."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response as HttpResponse
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired

from ..db import User
from ..services.accounts import (
    PasswordError,
    SignInThrottledError,
    authenticate,
    change_password,
    end_sessions,
    session_user,
    set_language,
)
from ..services.throttle import Refusal
from .i18n import SESSION_KEY, UI_LANGUAGES

bp = Blueprint("auth", __name__)
F = TypeVar("F", bound=Callable[..., Any])
# pages a person whose password was reset by an administrator may open before choosing a new one
_BEFORE_NEW_PASSWORD = {"auth.password", "auth.logout", "auth.login", "auth.language", "static"}


def clock() -> dt.datetime:
    """Now. Tests put a callable in ``app.config["CLOCK"]`` to move time without sleeping."""
    now = current_app.config.get("CLOCK")
    return now() if now else dt.datetime.now(dt.UTC)


def client_address() -> str:
    # the address the throttle counts; behind a proxy, ProxyFix (trusted proxy count) sets remote_addr
    return (request.remote_addr or "unknown")[:64]


class LoginForm(FlaskForm):
    email = EmailField("E-mail", validators=[DataRequired()])
    password = PasswordField("Password", validators=[DataRequired()])


class PasswordForm(FlaskForm):
    current = PasswordField("Current password", validators=[DataRequired()])
    new = PasswordField("New password", validators=[DataRequired()])
    repeated = PasswordField("New password again", validators=[DataRequired()])


def require_role(*roles: str) -> Callable[[F], F]:
    """Signed in, with one of ``roles``; others get 403, strangers the login page."""

    def decorate(view: F) -> F:
        @wraps(view)
        @login_required
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorate


def load_user(user_id: str) -> User | None:
    """Flask-Login's loader: the session's account while the session is neither ended, too old nor idle too long."""
    user = session_user(user_id)
    signed_in, seen = session.get("signed_in_at"), session.get("seen_at")
    if user is None or not isinstance(signed_in, int | float) or not isinstance(seen, int | float):
        return None
    now = clock().timestamp()
    config = current_app.config
    if now - signed_in > config["SESSION_HOURS"] * 3600 or now - seen > config["SESSION_IDLE_MINUTES"] * 60:
        return None
    session["seen_at"] = now
    return user


def _start_session(user: User, signed_in_at: float) -> None:
    chosen = session.get(SESSION_KEY)  # a language picked on the sign-in page stays for this session
    session.clear()
    if chosen:
        session[SESSION_KEY] = chosen
    login_user(user)
    session.permanent = True
    session["signed_in_at"] = signed_in_at
    session["seen_at"] = clock().timestamp()


@bp.before_app_request
def _new_password_first() -> Any:
    if "_user_id" not in session or request.endpoint in _BEFORE_NEW_PASSWORD:
        return None  # respondents' requests never load a user
    if current_user.is_authenticated and current_user.must_change_password:
        return redirect(url_for("auth.password"))
    return None


def _safe_next(target: str | None) -> str:
    if target and not urlsplit(target).netloc and target.startswith("/") and not target.startswith("//"):
        return target
    return url_for("dashboard.index")


def _wait_text(refusal: Refusal) -> str:
    minutes = -(-refusal.seconds // 60)
    wait = gettext("%(n)s seconds", n=refusal.seconds) if refusal.seconds < 120 else gettext("%(n)s minutes", n=minutes)
    if refusal.scope == "address":
        return gettext("Too many failed sign-ins from your network. Please wait %(wait)s and try again.", wait=wait)
    return gettext(
        "Too many failed sign-ins for this account. Please wait %(wait)s and try again. "
        "If you have forgotten your password, ask an administrator to reset it.",
        wait=wait,
    )


def _throttled(template: str, form: FlaskForm, refusal: Refusal) -> tuple[str, int, dict[str, str]]:
    page = render_template(template, form=form, error=_wait_text(refusal))
    return page, 429, {"Retry-After": str(refusal.seconds)}


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        now = clock()
        try:
            user = authenticate(form.email.data or "", form.password.data or "", client_address(), now)
        except SignInThrottledError as exc:
            return _throttled("auth/login.html", form, exc.refusal)
        if user is not None:
            _start_session(user, now.timestamp())
            if user.must_change_password:
                flash(gettext("Your password was reset by an administrator. Choose a new password to continue."))
                return redirect(url_for("auth.password"))
            return redirect(_safe_next(request.args.get("next")))
        error = gettext("That e-mail and password do not match an account.")
    return render_template("auth/login.html", form=form, error=error), 401 if error else 200


@bp.post("/logout")
@login_required
def logout() -> HttpResponse:
    chosen = current_user.language or session.get(SESSION_KEY)
    end_sessions(current_user, clock())  # every copy of the cookie, on every device
    logout_user()
    session.clear()
    if chosen:  # the sign-in page that follows stays in the language this person reads
        session[SESSION_KEY] = chosen
    flash(gettext("You are signed out, on this device and every other."))
    return redirect(url_for("auth.login"))


@bp.post("/language")
def language() -> HttpResponse:
    """The staff pages' language: kept on the account when signed in (every device), else for this browser."""
    chosen = request.form.get("language", "")
    if chosen not in UI_LANGUAGES:
        abort(400, gettext("Choose one of the languages in the menu."))
    if current_user.is_authenticated:
        set_language(current_user._get_current_object(), chosen)
    session[SESSION_KEY] = chosen
    return redirect(_safe_next(request.form.get("next")))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def password() -> Any:
    form = PasswordForm()
    error = None
    if form.validate_on_submit():
        user = current_user._get_current_object()
        signed_in_at = session["signed_in_at"]
        try:
            change_password(
                user, form.current.data or "", form.new.data or "", form.repeated.data or "", client_address(), clock()
            )
        except SignInThrottledError as exc:
            return _throttled("auth/password.html", form, exc.refusal)
        except PasswordError as exc:
            error = str(exc)
        else:
            _start_session(user, signed_in_at)  # this browser goes on; the session's lifetime does not restart
            flash(gettext("Your password is changed. Every other session of your account has been signed out."))
            return redirect(url_for("dashboard.index"))
    return render_template("auth/password.html", form=form, error=error), 400 if error else 200


def granted_survey(slug: str):
    """The survey named in the URL, if the signed-in user may see it; 404 alike for unknown and not granted,
    so that staff cannot learn which survey addresses exist by trying them."""
    from ..services.access import can_see
    from ..services.surveys import SurveyError, get_survey

    try:
        survey = get_survey(slug)
    except SurveyError:
        abort(404)
    if not can_see(current_user, survey):
        abort(404)
    return survey
