"""The role-definition view of a Delphi, its CSV, the draft job definition's downloads, and task proposals.

Results pages (managers, researchers, admins with a grant, exactly as the
dashboard); the proposals page is for admins only.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import re

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user
from werkzeug.wrappers import Response as HttpResponse

from ..reporting.csvsafe import write_csv
from ..services.access import RESULT_ROLES
from ..services.audit import log
from ..services.surveys import SurveyError
from .auth import granted_survey, require_role

bp = Blueprint("delphi", __name__, url_prefix="/delphi")
DOWNLOADS = ("docx", "md", "csv")
STYLE = re.compile(rb"<style>(.*?)</style>", re.DOTALL)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _round() -> int | None:
    value = request.args.get("round", "")
    return int(value) if value.isdigit() else None


def _view(slug: str):
    from ..services.delphi_view import role_view  # the statistics libraries load on first use, as for the dashboard

    survey = granted_survey(slug)
    try:
        return role_view(survey, _round(), request.args.get("lang"), current_user)
    except SurveyError as exc:
        abort(400, str(exc))


@bp.get("/<slug>")
@require_role(*RESULT_ROLES)
def view(slug: str) -> str:
    from ..services.delphi_definition import definition_languages

    chosen = _view(slug)
    return render_template(
        "delphi/view.html", view=chosen, slug=slug, languages=definition_languages(chosen.survey), downloads=DOWNLOADS
    )


@bp.get("/<slug>/table.csv")
@require_role(*RESULT_ROLES)
def table(slug: str) -> Response:
    from ..services.delphi_view import VIEW_COLUMNS, view_rows

    chosen = _view(slug)
    log("download.delphi_table", current_user, slug, {"round": chosen.shown_round}, _now())
    text = write_csv(VIEW_COLUMNS, view_rows(chosen))
    if chosen.note:
        text += write_csv(("note",), [(chosen.note,)]).split("\r\n", 1)[1]
    which = f"round-{chosen.shown_round}" if chosen.shown_round else "all-rounds"
    return Response(
        "\ufeff" + text,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{slug}-role-definition-{which}.csv"'},
    )


def _definition(slug: str, fmt: str):
    from ..reporting.job_definition import WRITERS
    from ..services.delphi_definition import draft_job_definition

    survey = granted_survey(slug)
    try:
        draft = draft_job_definition(survey, current_user, request.args.get("lang"))
    except SurveyError as exc:
        abort(400, str(exc))
    writer = WRITERS[fmt]
    detail = {"format": fmt, "language": draft.definition.language, "training_survey": draft.training_survey}
    log("download.job_definition", current_user, slug, detail, _now())
    return draft, writer, writer.write(draft.definition)


@bp.get("/<slug>/definition.<fmt>")
@require_role(*RESULT_ROLES)
def definition(slug: str, fmt: str) -> Response:
    if fmt not in DOWNLOADS:
        abort(404)
    draft, writer, data = _definition(slug, fmt)
    name = writer.filename(f"{slug}-job-definition", draft.definition.language)
    return Response(data, mimetype=writer.mimetype, headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.get("/<slug>/definition")
@require_role(*RESULT_ROLES)
def printable(slug: str) -> Response:
    """The printable page: it carries its own style (it is also saved and mailed), allowed here by its hash."""
    _, writer, data = _definition(slug, "html")
    hashes = " ".join(f"'sha256-{base64.b64encode(hashlib.sha256(m).digest()).decode()}'" for m in STYLE.findall(data))
    response = Response(data, mimetype=writer.mimetype)
    response.headers["Content-Security-Policy"] = (
        f"default-src 'none'; style-src {hashes or chr(39) + 'none' + chr(39)}; img-src 'self' data:; "
        "base-uri 'none'; frame-ancestors 'none'; form-action 'none'"
    )
    return response


@bp.get("/<slug>/proposals")
@require_role("admin")
def proposals(slug: str) -> str:
    from ..services.delphi_proposals import accepted_additions, survey_proposals

    survey = granted_survey(slug)
    try:
        listing = survey_proposals(survey)
    except SurveyError as exc:
        abort(400, str(exc))
    return render_template(
        "delphi/proposals.html",
        survey=survey,
        listing=listing,
        accepted=accepted_additions(survey),
        form=request.form,
        asked_in=_asked_in(survey),
    )


def _asked_in(survey) -> int:
    """The round that will ask a task accepted now: the one after the Delphi's latest."""
    from ..services.delphi_view import delphi_rounds

    return delphi_rounds(survey)[-1][0] + 1


@bp.post("/<slug>/proposals")
@require_role("admin")
def accept(slug: str) -> HttpResponse | tuple[str, int]:
    from ..services.delphi_proposals import ProposalError, accept_proposal, accepted_additions, survey_proposals

    survey = granted_survey(slug)
    try:
        listing = survey_proposals(survey)
    except SurveyError as exc:
        abort(400, str(exc))
    texts = {
        key: {lang: request.form.get(f"text-{key}-{lang}", "") for lang in listing.languages} for key, _ in listing.audiences
    }
    try:
        accept_proposal(survey, request.form.get("domain", ""), texts, current_user, _now())
    except ProposalError as exc:
        flash(str(exc), "error")
        body = render_template(
            "delphi/proposals.html",
            survey=survey,
            listing=listing,
            accepted=accepted_additions(survey),
            form=request.form,
            asked_in=_asked_in(survey),
        )
        return body, 400
    flash(gettext("The task is accepted: round %(n)s will ask it.", n=_asked_in(survey)))
    return redirect(url_for("delphi.proposals", slug=slug))
