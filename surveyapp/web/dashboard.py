"""Manager and researcher dashboards: thin views over services.dashboard and reporting."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from typing import Any

from flask import Blueprint, Response, abort, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user

from ..reporting import figures
from ..reporting.answer_tables import answer_scales
from ..reporting.csvsafe import write_csv
from ..reporting.plotly_css import plotly_js_path, plotly_js_version, plotly_style_placeholders, plotly_stylesheet
from ..reporting.tables import build_table
from ..reporting.trends import trend_figure
from ..services.access import visible_surveys
from ..services.audit import log
from ..services.surveys import SurveyError
from .auth import granted_survey, require_role
from .i18n import LANGUAGE_NAMES, reader_language

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


def _results_extras(survey: Any, result: dict[str, Any], by: str, now: dt.datetime) -> tuple[dict[str, Any], dict[str, Any]]:
    """The findings, action plan and trends for the page (services.results_page), with their links, and the trends'
    charts."""
    from ..services.results_page import results_extras

    extras = results_extras(survey, result, current_user, now, reader_language(), gettext)
    findings, editable = extras["findings"], extras["editable"]
    findings["evidence_url"] = "" if by == "audience" else url_for("dashboard.survey", slug=survey.slug)
    for finding in findings["stated"]:
        finding["new_action_url"] = url_for("actions.form", slug=survey.slug, finding=finding["key"]) if editable else None
    for action in extras["plan"]:
        action["edit_url"] = url_for("actions.form", slug=survey.slug, id=action["id"]) if editable else None
    actions = {
        "plan": extras["plan"],
        "csv_url": url_for("actions.download", slug=survey.slug),
        "new_url": url_for("actions.form", slug=survey.slug) if editable else None,
        "waves": extras["waves"],
    }
    charts = {f"trend-{t['instrument_id']}-{t['id']}": trend_figure(t) for t in extras["trends"]}
    return {"findings": findings, "actions": actions, "trends": extras["trends"]}, charts


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
    now = dt.datetime.now(dt.UTC)
    language = reader_language()
    try:
        result = _stats().survey_dashboard(chosen, by, among=among, viewer=current_user, now=now, language=language)
    except SurveyError as exc:
        abort(400, str(exc))
    charts: dict[str, Any] = {"daily": figures.daily_figure(result["overview"])}
    for other, chart in figures.gap_heatmaps(result["gaps"], order=[g["label"] for g in result["groups"]]).items():
        charts[f"gaps-{other}" if other else "gaps"] = chart
    for block in result["instruments"]:
        for scale, _ in answer_scales(block):
            on_scale = [i for i in block["items"] if i.get("scale", "") == scale]
            charts[f"items-{block['id']}-{scale}"] = figures.likert_figure(on_scale) if on_scale else None
        for subscale in block["subscales"]:
            charts[f"scores-{block['id']}-{subscale['id']}"] = figures.subscale_figure(subscale)
    extras, trend_charts = _results_extras(chosen, result, by, now)  # findings, action plan, trends across waves
    charts.update(trend_charts)
    tables = {name: build_table(result, name) for name in ("overview", "comparisons", "pairs", "reliability", "gaps")}
    tables["item_gaps"] = build_table(result, "gaps", level="item")
    tables["item_reliability"] = build_table(result, "item_reliability")
    body = render_template(
        "dashboard/survey.html",
        survey=chosen,
        result=result,
        by=by,
        among=among,
        options=_stats().grouping_options(chosen, current_user, language),
        # drawn from <script type="application/json"> blocks: the template writes them with |tojson, which escapes
        # <, >, & and ' so no label can close the block (never json.dumps with |safe)
        charts={k: v for k, v in charts.items() if v is not None},
        tables=tables,
        plotly_placeholders=plotly_style_placeholders(),
        plotly_version=plotly_js_version(),
        score_table=lambda i, s: build_table(result, "scores", instrument=i, subscale=s),
        item_tables=lambda block: [
            (scale, build_table(result, "items", instrument=block["id"], scale=scale)) for scale, _ in answer_scales(block)
        ],
        band_table=lambda i, s: build_table(result, "bands", instrument=i, subscale=s),
        report_languages=chosen.languages,
        language_names=LANGUAGE_NAMES,
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
    params = {k: v for k, v in request.args.items() if k in ("instrument", "subscale", "level", "scale")}
    try:
        result = _stats().survey_dashboard(chosen, by, among=among, viewer=current_user, audit=None, language=reader_language())
        table = build_table(result, name, **params)
    except (KeyError, StopIteration, TypeError):
        abort(404)
    except SurveyError as exc:
        abort(400, str(exc))
    log("download.table", current_user, slug, {"table": table.name, "by": by}, dt.datetime.now(dt.UTC))
    text = write_csv(table.columns, table.exact_rows)  # full precision: the page rounds, a download does not
    notes = [n for n in (table.note, *result["notes"], result["publication"]["sentence"]) if n]
    if notes:
        text += write_csv(("note",), [(n,) for n in dict.fromkeys(notes)]).split("\r\n", 1)[1]
    return Response(
        text, mimetype="text/csv", headers={"Content-Disposition": f'attachment; filename="{slug}-{table.name}-by-{by}.csv"'}
    )


@bp.get("/<slug>/report.pdf")
@require_role(*RESULT_ROLES)
def report_pdf(slug: str) -> Response:
    """The results as a PDF for the meeting: what this account sees on the page, in one of the survey's languages."""
    from flask_babel import force_locale, gettext

    from ..reporting.report import meeting_items, report_context, report_languages, write_pdf

    chosen = granted_survey(slug)
    by = request.args.get("by", "audience")
    among = (request.args.get("among") or None) if by != "audience" else None
    available = report_languages(chosen)
    language = request.args.get("language") or (reader_language() if reader_language() in available else available[0])
    if language not in available:
        abort(400, f"This survey's report is available in {', '.join(report_languages(chosen))}.")
    now = dt.datetime.now(dt.UTC)
    try:
        result = _stats().survey_dashboard(chosen, by, among=among, viewer=current_user, audit=None, language=language)
    except SurveyError as exc:
        abort(400, str(exc))
    with force_locale(language):
        findings, actions = meeting_items(chosen, result, current_user, now, gettext)
        pdf = write_pdf(render_template, report_context(chosen, result, language, now, findings, actions))
    log("download.report", current_user, slug, {"by": by, "among": among, "language": language}, now)
    name = f"{slug}-report-by-{by}-{language}.pdf"
    return Response(pdf, mimetype="application/pdf", headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.get("/vendor/plotly.min.js")
def plotly_js() -> Response:
    """plotly.js's cartesian bundle, vendored: served by us, never a CDN (hospital networks are often offline).
    Linked with ``?v=`` its content version, so browsers keep it for a year (web/assets.py). Compressed once
    per process (brotli or gzip, as the browser accepts), not on every request: 1.5 MB takes a while to pack."""
    accepted = request.accept_encodings
    encoding = "br" if accepted["br"] else "gzip" if accepted["gzip"] else None
    response = Response(_plotly_bytes(encoding), mimetype="text/javascript")
    if encoding:
        response.headers["Content-Encoding"] = encoding
    response.vary.add("Accept-Encoding")
    response.cache_control.public = True
    response.cache_control.max_age = 60 * 60 * 24 * 30
    response.set_etag(f"{plotly_js_version()}-{encoding or 'identity'}")
    return response.make_conditional(request)


@lru_cache(maxsize=3)
def _plotly_bytes(encoding: str | None) -> bytes:
    raw = plotly_js_path().read_bytes()
    if encoding == "br":
        import brotli

        return brotli.compress(raw, quality=9, mode=brotli.MODE_TEXT)  # 0.2 s once; 11 saves 8% for 4 s
    if encoding == "gzip":
        import gzip

        return gzip.compress(raw, compresslevel=9, mtime=0)
    return raw


@bp.get("/vendor/plotly.css")
def plotly_css() -> Response:
    """plotly.js's own style rules as a stylesheet (see reporting/plotly_css.py): no inline <style> needed."""
    response = Response(plotly_stylesheet(), mimetype="text/css")
    response.cache_control.max_age = 60 * 60 * 24 * 30
    response.cache_control.public = True
    return response
