"""Signing in and out, and the role check every staff page uses."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import Blueprint, abort, redirect, render_template, request, session, url_for
from flask_babel import gettext
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response as HttpResponse
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired

from ..services.accounts import FAILURE_WINDOW, LoginThrottledError, authenticate
from ..services.audit import log

bp = Blueprint("auth", __name__)
F = TypeVar("F", bound=Callable[..., Any])


class LoginForm(FlaskForm):
    email = EmailField("E-mail", validators=[DataRequired()])
    password = PasswordField("Password", validators=[DataRequired()])


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


def _safe_next(target: str | None) -> str:
    if target and not urlsplit(target).netloc and target.startswith("/") and not target.startswith("//"):
        return target
    return url_for("dashboard.index")


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        try:
            user = authenticate(form.email.data or "", form.password.data or "", dt.datetime.now(dt.UTC))
        except LoginThrottledError:
            minutes = int(FAILURE_WINDOW.total_seconds() // 60)
            error = gettext(
                "Too many failed sign-ins for this account. Please wait %(minutes)s minutes and try again.", minutes=minutes
            )
            return render_template("auth/login.html", form=form, error=error), 429
        if user is not None:
            session.clear()
            login_user(user)
            session.permanent = True
            log("auth.login", user, user.email, None, dt.datetime.now(dt.UTC))
            return redirect(_safe_next(request.args.get("next")))
        error = gettext("That e-mail and password do not match an account.")
    return render_template("auth/login.html", form=form, error=error), 401 if error else 200


@bp.post("/logout")
@login_required
def logout() -> HttpResponse:
    logout_user()
    session.clear()
    return redirect(url_for("auth.login"))


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
