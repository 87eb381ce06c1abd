"""Admin pages: surveys (create from a spec, open, close), invitations, open links."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

from flask import Blueprint, Response, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user
from werkzeug.wrappers import Response as HttpResponse

from ..config import PROJECT_ROOT
from ..instruments import InstrumentError
from ..services import invitations, surveys
from ..services.instrument_registry import InstrumentChangedError
from .auth import require_role
from .i18n import ROLE_NAMES, STATUS_NAMES

bp = Blueprint("admin", __name__, url_prefix="/admin")
EXAMPLE_SPEC = PROJECT_ROOT / "docs" / "examples" / "survey.yaml"


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@bp.get("/")
@require_role("admin")
def index() -> str:
    return render_template("admin/index.html", surveys=surveys.list_surveys())


@bp.route("/surveys/new", methods=["GET", "POST"])
@require_role("admin")
def new_survey() -> Any:
    spec = request.form.get("spec", "")
    source = "the survey spec typed above"
    upload = request.files.get("spec_file")
    if upload and upload.filename:
        spec = upload.read().decode("utf-8", errors="replace")
        source = f"the uploaded file {upload.filename}"
    problems: list[str] = []
    if request.method == "POST":
        try:
            survey = surveys.create_survey(spec, source, current_app.config["INSTRUMENTS_DIR"], now(), current_user)
        except InstrumentError as exc:
            problems = [
                gettext("%(file)s, line %(line)s: %(message)s", file=p.file, line=p.line, message=p.message)
                + (" " + gettext("(fix: %(fix)s)", fix=p.fix) if p.fix else "")
                if p.line
                else str(p)
                for p in exc.problems
            ]
        except (InstrumentChangedError, surveys.SurveyError) as exc:
            problems = [str(exc)]
        else:
            flash(
                gettext("Survey '%(slug)s' created as a draft. Open it when you are ready to collect answers.", slug=survey.slug)
            )
            return redirect(url_for(".index"))
    elif not spec and EXAMPLE_SPEC.exists():
        spec = EXAMPLE_SPEC.read_text(encoding="utf-8")
    return render_template("admin/new_survey.html", spec=spec, problems=problems), 400 if problems else 200


@bp.post("/surveys/<slug>/status")
@require_role("admin")
def set_status(slug: str) -> HttpResponse:
    try:
        survey = surveys.set_status(slug, request.form.get("status", ""), now(), current_user)
    except surveys.SurveyError as exc:
        flash(str(exc), "error")
    else:
        flash(
            gettext(
                "Survey '%(slug)s' is now %(status)s.", slug=survey.slug, status=STATUS_NAMES.get(survey.status, survey.status)
            )
        )
    return redirect(url_for(".index"))


@bp.post("/surveys/<slug>/next-round")
@require_role("admin")
def next_round(slug: str) -> HttpResponse:
    """Create the Delphi's next round from this one (audited by the service as delphi.next_round)."""
    from ..services.delphi_rounds import next_round as create_next_round

    try:
        created = create_next_round(surveys.get_survey(slug), current_user, now(), current_app.config["SECRET_KEY"])
    except surveys.SurveyError as exc:
        flash(str(exc), "error")
    else:
        feedback = created.round_feedback or {}
        parts = [
            gettext(
                "Round %(round)s ('%(new)s') is open and '%(old)s' is closed. The same links open the new round.",
                round=created.round,
                new=created.slug,
                old=slug,
            ),
            gettext(
                "Tasks asked again with round %(previous)s's results: %(n)s.",
                previous=created.round - 1,
                n=len(feedback.get("tasks", {})),
            ),
        ]
        if feedback.get("dropped"):
            parts.append(gettext("Settled tasks no longer asked: %(n)s.", n=len(feedback["dropped"])))
        if feedback.get("confirm"):
            parts.append(gettext("Settled tasks shown for confirmation: %(n)s.", n=len(feedback["confirm"])))
        flash(" ".join(parts))
    return redirect(url_for(".index"))


@bp.post("/surveys/<slug>/invitations")
@require_role("admin")
def issue(slug: str) -> Any:
    audience = request.form.get("audience", "")
    try:
        count = int(request.form.get("count", "0"))
        tokens = invitations.issue_invitations(slug, audience, count, now(), current_user)
    except ValueError as exc:  # SurveyError is a ValueError, and so is a count that is not a number
        flash(
            str(exc) if isinstance(exc, surveys.SurveyError) else gettext("The number of links must be a whole number."), "error"
        )
        return redirect(url_for(".index"))
    return Response(
        links_csv(tokens, audience),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{slug}-{audience}-links.csv"'},
    )


def links_csv(tokens: list[str], audience: str) -> str:
    base = current_app.config["BASE_URL"].rstrip("/")
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["audience", "link"])
    writer.writerows([audience, f"{base}/r/{t}"] for t in tokens)
    return out.getvalue()


@bp.post("/surveys/<slug>/open-link")
@require_role("admin")
def open_link(slug: str) -> Any:
    audience = request.form.get("audience", "")
    try:
        token = invitations.create_open_link(slug, audience, now(), current_user)
    except surveys.SurveyError as exc:
        flash(str(exc), "error")
        return redirect(url_for(".index"))
    link = f"{current_app.config['BASE_URL'].rstrip('/')}/o/{token}"
    return render_template("admin/open_link.html", slug=slug, audience=audience, link=link)


@bp.get("/users")
@require_role("admin")
def users() -> str:
    from ..services.access import visible_surveys
    from ..services.accounts import list_users

    accounts = list_users()
    granted = {u.id: {s.slug for s in visible_surveys(u)} for u in accounts if u.role != "admin"}
    return render_template("admin/users.html", accounts=accounts, granted=granted, surveys=surveys.list_surveys())


@bp.post("/users")
@require_role("admin")
def create_account() -> HttpResponse:
    from ..services.accounts import create_user

    try:
        user = create_user(
            request.form.get("email", ""), request.form.get("password", ""), request.form.get("role", ""), now(), current_user
        )
    except surveys.SurveyError as exc:
        flash(str(exc), "error")
    else:
        flash(
            gettext(
                "Account %(email)s (%(role)s) created. Grant it the surveys it may see below.",
                email=user.email,
                role=ROLE_NAMES.get(user.role, user.role),
            )
        )
    return redirect(url_for(".users"))


@bp.post("/users/<int:user_id>/grants")
@require_role("admin")
def grants(user_id: int) -> HttpResponse:
    from ..services.access import set_grants

    try:
        set_grants(user_id, request.form.getlist("survey"), now(), current_user)
    except surveys.SurveyError as exc:
        flash(str(exc), "error")
    else:
        flash(gettext("Access updated."))
    return redirect(url_for(".users"))


@bp.post("/users/<int:user_id>/active")
@require_role("admin")
def active(user_id: int) -> HttpResponse:
    from ..services.accounts import set_active

    try:
        user = set_active(user_id, request.form.get("active") == "1", now(), current_user)
    except surveys.SurveyError as exc:
        flash(str(exc), "error")
    else:
        flash(
            gettext("%(email)s is now active.", email=user.email)
            if user.active
            else gettext("%(email)s is now deactivated.", email=user.email)
        )
    return redirect(url_for(".users"))


@bp.post("/users/<int:user_id>/reset")
@require_role("admin")
def reset_password(user_id: int) -> Any:
    from ..services.accounts import reset_password

    try:
        user, temporary = reset_password(user_id, now(), current_user)
    except surveys.SurveyError as exc:
        flash(str(exc), "error")
        return redirect(url_for(".users"))
    page = render_template("admin/temporary_password.html", email=user.email, temporary=temporary)
    return page, 200, {"Cache-Control": "no-store"}
