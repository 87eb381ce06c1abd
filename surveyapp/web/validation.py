"""The instrument validation report page and its CSV: researchers (with a grant) and admins."""

from __future__ import annotations

from flask import Blueprint, Response, abort, render_template, request
from flask_babel import lazy_gettext

from ..reporting.csvsafe import write_csv
from ..services.surveys import SurveyError
from ..services.validation import survey_validation, validation_rows
from .auth import granted_survey, require_role

bp = Blueprint("validation", __name__, url_prefix="/dashboard")
VALIDATION_ROLES = ("admin", "researcher")


def _report(slug: str) -> tuple[object, dict]:
    survey = granted_survey(slug)
    by = request.args.get("by", "audience")
    among = (request.args.get("among") or None) if by != "audience" else None
    try:
        return survey, survey_validation(survey, request.args.get("instrument") or None, by, among)
    except SurveyError as exc:
        abort(400, str(exc))


#: the steps of measurement invariance, as the report's table names them
INVARIANCE_LEVELS = {
    "configural": lazy_gettext("configural"),
    "metric": lazy_gettext("metric"),
    "scalar": lazy_gettext("scalar"),
    "partial_scalar": lazy_gettext("partial scalar"),
}


@bp.get("/<slug>/validation")
@require_role(*VALIDATION_ROLES)
def report(slug: str) -> str:
    survey, result = _report(slug)
    return render_template(
        "validation/report.html", survey=survey, result=result, args=request.args, invariance_levels=INVARIANCE_LEVELS
    )


@bp.get("/<slug>/validation.csv")
@require_role(*VALIDATION_ROLES)
def report_csv(slug: str) -> Response:
    _, result = _report(slug)
    rows = validation_rows(result)
    columns = list(rows[0]) if rows else ["instrument", "analysis"]
    text = write_csv(columns, [[r[c] for c in columns] for r in rows])
    return Response(
        text,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{slug}-validation-by-{result["by"]}.csv"'},
    )
