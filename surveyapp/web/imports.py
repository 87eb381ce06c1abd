"""Importing responses from an uploaded CSV file (admins, and researchers granted the survey).

Thin: the upload goes to services.importing.import_responses, which checks
every row and stores all of them or none; this view shows its report.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user

from ..services.importing import import_responses
from .auth import granted_survey, require_role

bp = Blueprint("imports", __name__, url_prefix="/admin")
IMPORT_ROLES = ("admin", "researcher")


@bp.route("/surveys/<slug>/import", methods=["GET", "POST"])
@require_role(*IMPORT_ROLES)
def upload(slug: str) -> Any:
    survey = granted_survey(slug)
    if request.method == "GET":
        return render_template("imports/upload.html", survey=survey, report=None)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        flash(gettext("Choose a CSV file to import."), "error")
        return render_template("imports/upload.html", survey=survey, report=None), 400
    # the web's row limit bounds a worker's memory and time; the CLI has none
    limit = current_app.config["WEB_IMPORT_MAX_ROWS"]
    report = import_responses(survey, upload.stream, dt.datetime.now(dt.UTC), current_user, max_rows=limit)
    if not report.ok:
        return render_template("imports/upload.html", survey=survey, report=report, filename=upload.filename), 400
    flash(
        gettext(
            "Imported %(n)s responses into '%(slug)s' from %(file)s.", n=report.imported, slug=survey.slug, file=upload.filename
        )
    )
    return redirect(url_for("dashboard.survey", slug=survey.slug))
