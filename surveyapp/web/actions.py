"""The action plan's pages: an action's form, the plan as CSV, and what the results page shows of both.

``results_context`` builds the findings, the action plan and the trends for the results page (and the report
reuses the two partials, templates/dashboard/_findings.html and _actions.html, which need nothing else).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Blueprint, Response, abort, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user

from ..db import Survey
from ..reporting.csvsafe import write_csv
from ..reporting.trends import trend_figure
from ..services.actions import ActionError, ActionInput, can_edit_actions, get_action, save_action
from ..services.audit import log
from ..services.findings import survey_findings
from ..services.trends import subscale_trends, survey_action_plan
from .auth import granted_survey, require_role
from .i18n import audience_label

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


def _labels(survey: Survey) -> dict[str, str]:
    language = survey.languages[0]
    labels = survey.texts.get("audience_labels") or {}
    return {a.key: audience_label(a.key, labels, language) for a in survey.audiences}


def _dashboard(survey: Survey) -> dict[str, Any]:
    from ..services.dashboard import survey_dashboard  # statistics libraries load on first use (web/dashboard.py)

    return survey_dashboard(survey, "audience", viewer=current_user, now=dt.datetime.now(dt.UTC), audit=None)


def _plan(survey: Survey, result: dict[str, Any], now: dt.datetime) -> tuple[list[dict[str, Any]], list]:
    return survey_action_plan(survey, result, current_user, now, _labels(survey))


def results_context(survey: Survey, result: dict[str, Any], by: str) -> dict[str, Any]:
    """``findings``, ``actions`` and ``trends`` (with their charts) for the results page of ``survey``."""
    now = dt.datetime.now(dt.UTC)
    by_audience = result if by == "audience" else _dashboard(survey)
    findings = survey_findings(by_audience, gettext)
    editable = can_edit_actions(current_user, survey)
    findings["page_is_by_audience"] = by == "audience"
    findings["evidence_url"] = "" if by == "audience" else url_for("dashboard.survey", slug=survey.slug)
    for finding in findings["stated"]:
        finding["new_action_url"] = url_for("actions.form", slug=survey.slug, finding=finding["key"]) if editable else None
    plan, results = _plan(survey, by_audience, now)
    for action in plan:
        action["edit_url"] = url_for("actions.form", slug=survey.slug, id=action["id"]) if editable else None
    actions = {
        "plan": plan,
        "csv_url": url_for("actions.download", slug=survey.slug),
        "new_url": url_for("actions.form", slug=survey.slug) if editable else None,
        "waves": [number for number, _wave, _result in results],
    }
    trends = subscale_trends(results)
    charts = {f"trend-{t['instrument_id']}-{t['id']}": trend_figure(t) for t in trends}
    return {"findings": findings, "actions": actions, "trends": trends, "trend_charts": charts}


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
    chosen = granted_survey(slug)
    findings = survey_findings(_dashboard(chosen), gettext, limit=100)  # every clear finding, not only the first few
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
            save_action(chosen, entry, actor=current_user, now=dt.datetime.now(dt.UTC), action_id=action_id)
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
    plan, results = _plan(chosen, _dashboard(chosen), now)
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


__all__ = ["bp", "results_context"]
