"""Manager and researcher dashboards: thin views over services.dashboard and reporting."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Blueprint, Response, abort, render_template, request, send_file
from flask_login import current_user

from ..reporting import figures
from ..reporting.csvsafe import write_csv
from ..reporting.plotly_css import plotly_js_path, plotly_style_placeholders, plotly_stylesheet
from ..reporting.tables import build_table
from ..services.access import visible_surveys
from ..services.audit import log
from ..services.surveys import SurveyError
from .actions import results_context
from .auth import granted_survey, require_role

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")
RESULT_ROLES = ("admin", "manager", "researcher")
# No 'unsafe-inline' styles: plotly sets its SVG styles through the CSSOM (element.style), which style-src
# does not govern; its base rules, which it would put in a <style> element, come from /vendor/plotly.css
# (tests/browser/test_dashboard.py fails on any CSP report). The export button's image needs blob:.
DASHBOARD_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)


def _stats():
    """Imported on first use: the statistics libraries (scipy, statsmodels) weigh ~100 MB, and processes
    that never draw a dashboard (exports, imports, respondents' pages on a worker) should not carry them."""
    from ..services import dashboard

    return dashboard


@bp.get("/")
@require_role(*RESULT_ROLES)
def index() -> str:
    return render_template("dashboard/index.html", surveys=visible_surveys(current_user))


@bp.get("/<slug>")
@require_role(*RESULT_ROLES)
def survey(slug: str) -> Response:
    chosen = granted_survey(slug)
    by = request.args.get("by", "audience")
    among = (request.args.get("among") or None) if by != "audience" else None
    try:
        result = _stats().survey_dashboard(chosen, by, among=among, viewer=current_user, now=dt.datetime.now(dt.UTC))
    except SurveyError as exc:
        abort(400, str(exc))
    charts: dict[str, Any] = {
        "daily": figures.daily_figure(result["overview"]),
        "gaps": figures.gap_heatmap(result["gaps"]) if result["gaps"] else None,
    }
    for block in result["instruments"]:
        charts[f"items-{block['id']}"] = figures.likert_figure(block["items"]) if block["items"] else None
        for subscale in block["subscales"]:
            charts[f"scores-{block['id']}-{subscale['id']}"] = figures.subscale_figure(subscale)
    extras = results_context(chosen, result, by)  # findings, action plan, trends across waves
    charts.update(extras.pop("trend_charts"))
    tables = {name: build_table(result, name) for name in ("overview", "comparisons", "pairs", "reliability", "gaps")}
    tables["item_gaps"] = build_table(result, "gaps", level="item")
    tables["item_reliability"] = build_table(result, "item_reliability")
    body = render_template(
        "dashboard/survey.html",
        survey=chosen,
        result=result,
        by=by,
        among=among,
        options=_stats().grouping_options(chosen, current_user),
        # drawn from <script type="application/json"> blocks: the template writes them with |tojson, which escapes
        # <, >, & and ' so no label can close the block (never json.dumps with |safe)
        charts={k: v for k, v in charts.items() if v is not None},
        tables=tables,
        plotly_placeholders=plotly_style_placeholders(),
        score_table=lambda i, s: build_table(result, "scores", instrument=i, subscale=s),
        item_table=lambda i: build_table(result, "items", instrument=i),
        band_table=lambda i, s: build_table(result, "bands", instrument=i, subscale=s),
        **extras,
    )
    response = Response(body, mimetype="text/html")
    response.headers["Content-Security-Policy"] = DASHBOARD_CSP
    return response


@bp.get("/<slug>/table/<name>.csv")
@require_role(*RESULT_ROLES)
def table_csv(slug: str, name: str) -> Response:
    chosen = granted_survey(slug)
    by = request.args.get("by", "audience")
    among = (request.args.get("among") or None) if by != "audience" else None
    params = {k: v for k, v in request.args.items() if k in ("instrument", "subscale", "level")}
    try:
        result = _stats().survey_dashboard(chosen, by, among=among, viewer=current_user, audit=None)
        table = build_table(result, name, **params)
    except (KeyError, StopIteration, TypeError):
        abort(404)
    except SurveyError as exc:
        abort(400, str(exc))
    log("download.table", current_user, slug, {"table": table.name, "by": by}, dt.datetime.now(dt.UTC))
    text = write_csv(table.columns, table.rows)
    notes = [n for n in (table.note, *result["notes"], result["publication"]["sentence"]) if n]
    if notes:
        text += write_csv(("note",), [(n,) for n in dict.fromkeys(notes)]).split("\r\n", 1)[1]
    return Response(
        text, mimetype="text/csv", headers={"Content-Disposition": f'attachment; filename="{slug}-{table.name}-by-{by}.csv"'}
    )


@bp.get("/vendor/plotly.min.js")
def plotly_js() -> Response:
    """plotly.js from the installed plotly package: served by us, never a CDN (hospital networks are often offline)."""
    return send_file(plotly_js_path(), mimetype="text/javascript", max_age=60 * 60 * 24 * 30)


@bp.get("/vendor/plotly.css")
def plotly_css() -> Response:
    """plotly.js's own style rules as a stylesheet (see reporting/plotly_css.py): no inline <style> needed."""
    response = Response(plotly_stylesheet(), mimetype="text/css")
    response.cache_control.max_age = 60 * 60 * 24 * 30
    response.cache_control.public = True
    return response
