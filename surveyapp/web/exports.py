"""Research data downloads: researchers (with a grant) and admins."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, Response, abort, render_template, request, stream_with_context
from flask_babel import gettext
from flask_login import current_user

from ..reporting.exports import FORMATS, ExportOptions
from ..services.export import export_plan, record_export
from .auth import granted_survey, require_role

bp = Blueprint("exports", __name__, url_prefix="/dashboard")
EXPORT_ROLES = ("admin", "researcher")


@bp.get("/<slug>/export")
@require_role(*EXPORT_ROLES)
def index(slug: str) -> str:
    return render_template("exports/index.html", survey=granted_survey(slug), formats=FORMATS.values())


@bp.get("/<slug>/export/<fmt>")
@require_role(*EXPORT_ROLES)
def download(slug: str, fmt: str) -> Response:
    survey = granted_survey(slug)
    chosen = FORMATS.get(fmt)
    if chosen is None:
        abort(404)
    language = request.args.get("language") or None
    if language is not None and language not in survey.languages:
        abort(400, gettext("The survey has no language '%(language)s'.", language=language))
    options = ExportOptions(
        labels=request.args.get("labels") == "1",
        raw=request.args.get("raw") == "1",
        bom=request.args.get("bom") == "1",
        language=language,
    )
    record_export(
        survey, fmt, current_user, dt.datetime.now(dt.UTC), {"labels": options.labels, "raw": options.raw, "via": "web"}
    )
    chunks = chosen.write(export_plan(survey), options)
    return Response(
        stream_with_context(chunks),
        mimetype=chosen.mimetype,
        headers={"Content-Disposition": f'attachment; filename="{chosen.download_name(slug, options)}"'},
    )
