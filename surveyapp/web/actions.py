"""The action plan's pages: an action's form and the plan as CSV (what the results page shows of both is
services.results_page's)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Blueprint, Response, abort, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user

from ..db import Survey
from ..reporting.csvsafe import write_csv
from ..services.actions import ActionError, ActionInput, get_action, save_action
from ..services.audit import log
from ..services.trends import survey_action_plan
from .auth import granted_survey, require_role
from .i18n import reader_language

bp = Blueprint("actions", __name__, url_prefix="/dashboard")
RESULT_ROLES = ("admin", "manager", "researcher")
EDITORS = ("admin", "manager")


def status_names() -> dict[str, str]:
    return {
        "planned": gettext("Planned"),
        "in_progress": gettext("In progress"),
        "done": gettext("Done"),
        "dropped": gettext("Dropped"),
    }


def _plan(survey: Survey, now: dt.datetime) -> tuple[list[dict[str, Any]], list]:
    from ..services.results_page import audience_names, by_audience

    language = reader_language()
    result = by_audience(survey, None, current_user, now, language)
    return survey_action_plan(survey, result, current_user, now, audience_names(survey, language))


def _parse_due(text: str) -> dt.date | None:
    if not text.strip():
        return None
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise ActionError(gettext("Give the date as year-month-day, for example 2027-03-31."), "due") from None


@bp.route("/<slug>/action", methods=["GET", "POST"])
@require_role(*EDITORS)
def form(slug: str) -> Response | str | tuple[str, int]:
    """A new action (on the finding ``?finding=``, or on none) or a change to action ``?id=``."""
    from ..services.results_page import page_findings

    chosen = granted_survey(slug)
    now = dt.datetime.now(dt.UTC)
    # every clear finding, not only the first few
    findings = page_findings(chosen, current_user, now, reader_language(), gettext, limit=100)
    titles = {f["key"]: f["title"] for f in findings["stated"]}
    source = request.form if request.method == "POST" else request.args
    action_id = source.get("id", type=int)
    try:
        action = get_action(chosen, action_id) if action_id else None
    except ActionError:
        abort(404)
    finding = action.finding_key if action else (source.get("finding") or "")
    if finding and action is None and finding not in titles:
        finding = ""  # not a finding of this page (any more): the action is made without one
    values = {
        "what": action.what if action else "",
        "who": action.who if action else "",
        "due": action.due.isoformat() if action and action.due else "",
        "status": action.status if action else "planned",
    }
    error = None
    if request.method == "POST":
        values = {k: request.form.get(k, "") for k in values}
        try:
            entry = ActionInput(
                what=values["what"],
                who=values["who"],
                due=_parse_due(values["due"]),
                status=values["status"] or "planned",
                finding_key=finding or None,
                finding_title=titles.get(finding) if action is None else None,
            )
            save_action(chosen, entry, actor=current_user, now=now, action_id=action_id)
        except ActionError as exc:
            error = exc
        else:
            return redirect(url_for("dashboard.survey", slug=slug) + "#actions", code=303)
    page = render_template(
        "dashboard/action_form.html",
        survey=chosen,
        action=action,
        finding=finding,
        finding_title=(action.finding_title if action else titles.get(finding)),
        findings=findings["stated"],
        values=values,
        statuses=status_names(),
        error=error,
    )
    return (page, 400) if error else page


@bp.get("/<slug>/actions.csv")
@require_role(*RESULT_ROLES)
def download(slug: str) -> Response:
    """The action plan as CSV, with the finding's figure in each wave the viewer may see."""
    chosen = granted_survey(slug)
    now = dt.datetime.now(dt.UTC)
    plan, results = _plan(chosen, now)
    waves = [number for number, _wave, _result in results]
    columns = ["finding", "what", "who", "due", "status", "created", "movement"]
    for number in waves:
        columns += [f"wave_{number}_difference", f"wave_{number}_ci_low", f"wave_{number}_ci_high"]
    rows = []
    for action in plan:
        by_wave = {w["wave"]: w for w in action["waves"]}
        row = [
            action["finding_title"] or "",
            action["what"],
            action["who"],
            action["due"] or "",
            action["status"],
            action["created"],
            (action["movement"] or {}).get("verdict", ""),
        ]
        for number in waves:
            figure = by_wave.get(number) or {}
            row += [figure.get("diff"), figure.get("ci_low"), figure.get("ci_high")]
        rows.append(row)
    log("download.actions", current_user, slug, {"actions": len(plan)}, now)
    return Response(
        write_csv(columns, rows),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{slug}-action-plan.csv"'},
    )


__all__ = ["bp"]
