"""The training-needs page of a survey and its CSV download (managers, researchers, admins)."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, Response, render_template
from flask_login import current_user

from ..reporting.csvsafe import write_csv
from ..reporting.training import TRAINING_COLUMNS, training_rows
from ..services.audit import log
from .auth import granted_survey, require_role
from .dashboard import DASHBOARD_CSP, RESULT_ROLES

bp = Blueprint("training", __name__, url_prefix="/dashboard")


def _needs(slug: str):
    from ..services.training import survey_training_needs  # statistics libraries load on first use, as for the dashboard

    survey = granted_survey(slug)
    return survey, survey_training_needs(survey)


@bp.get("/<slug>/training")
@require_role(*RESULT_ROLES)
def page(slug: str) -> Response:
    survey, result = _needs(slug)
    body = render_template("dashboard/training.html", survey=survey, result=result)
    response = Response(body, mimetype="text/html")
    response.headers["Content-Security-Policy"] = DASHBOARD_CSP
    return response


@bp.get("/<slug>/training.csv")
@require_role(*RESULT_ROLES)
def download(slug: str) -> Response:
    _, result = _needs(slug)
    log("download.training", current_user, slug, {}, dt.datetime.now(dt.UTC))
    text = write_csv(TRAINING_COLUMNS, training_rows(result))
    if result["notes"]:
        text += write_csv(("note",), [(n,) for n in result["notes"]]).split("\r\n", 1)[1]
    return Response(
        text, mimetype="text/csv", headers={"Content-Disposition": f'attachment; filename="{slug}-training-needs.csv"'}
    )
