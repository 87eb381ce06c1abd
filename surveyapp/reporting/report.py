"""The results report: a PDF for the meeting, rendered on the server from the dashboard's own result.

Nothing is computed again here: the figures, the suppressed groups and the notes are those of
``services.dashboard.survey_dashboard`` for the same viewer, comparison and audience, and the tables come
from the same builders as the page and its CSV downloads (reporting/tables.py). What this module adds is
presentation: titles, subscale names, questions and answer labels in the report's language (from the
survey's instrument snapshots), static SVG charts (report_charts.py), and the PDF itself (WeasyPrint, with
Debian's Pango laying out Hebrew and Arabic right to left and embedding the fonts it uses).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from ..db import Survey
from ..instruments.model import Instrument
from ..services.surveys import survey_instruments
from . import report_charts
from .figures import diverging_colours
from .job_definition.labels import is_rtl
from .tables import build_table

__all__ = ["REPORT_TEMPLATE", "report_context", "report_languages", "write_pdf"]

REPORT_TEMPLATE = "report/report.html"


def report_languages(survey: Survey) -> list[str]:
    return list(survey.languages)


def _text(texts: Mapping[str, str] | None, language: str, fallback: str = "") -> str:
    if not texts:
        return fallback
    return texts.get(language) or next(iter(texts.values()), fallback)


def _instrument_view(
    result: Mapping[str, Any], block: Mapping[str, Any], instrument: Instrument | None, language: str
) -> dict[str, Any]:
    """One instrument's figures with its words in ``language`` (the figures themselves untouched)."""
    subscales = {s.id: s for s in instrument.subscales} if instrument else {}
    view: dict[str, Any] = {
        "id": block["id"],
        "version": block["version"],
        "validated": block["validated"],
        "title": _text(instrument.title, language, block["title"]) if instrument else block["title"],
        "content_hash": instrument.content_hash[:12] if instrument else "",
        "subscales": [],
        "items": [],
    }
    for s in block["subscales"]:
        own = subscales.get(s["id"])
        shown = [g for g in s["groups"] if not g["hidden"] and g.get("n")]
        view["subscales"].append(
            {
                **s,
                "label": _text(own.label, language, s["label"]) if own else s["label"],
                "axis": report_charts.scale_axis(s["min"], s["max"]),
                "bars": [(g, report_charts.score_bar(g, s["min"], s["max"])) for g in shown],
                "table": build_table(result, "scores", instrument=block["id"], subscale=s["id"]),
            }
        )
    for item in block["items"]:
        own_item = _find_item(instrument, item["id"])
        groups = [g for g in item["groups"] if not g["hidden"] and g.get("percentages") and sum(g["counts"])]
        if not groups:
            continue
        text = item["text"]
        if own_item is not None:
            audience = own_item.audiences[0]
            text = _text(own_item.text.get(audience), language, text)
        view["items"].append(
            {
                "id": item["id"],
                "text": text,
                "reverse": item["reverse"],
                "note": item["note"],
                "bars": [(g, report_charts.likert_bar(g["percentages"], rtl=is_rtl(language))) for g in groups],
                "options": _options(own_item, item, language),
            }
        )
    return view


def _find_item(instrument: Instrument | None, item_id: str) -> Any:
    if instrument is None:
        return None
    try:
        return instrument.item(item_id)
    except KeyError:
        return None


def _options(own_item: Any, item: Mapping[str, Any], language: str) -> list[tuple[str, Any]]:
    labels: Sequence[str] = item["options"]
    if own_item is not None and own_item.scale is not None:
        labels = [_text(o.label, language, fallback) for o, fallback in zip(own_item.scale.options, labels, strict=False)]
    colours = diverging_colours(len(labels))
    return [(label, report_charts.swatch(colour)) for label, colour in zip(labels, colours, strict=False)]


def _label(text: str) -> str:
    """A group's name in the report's language where the staff translations have it ("Staff", "Peer
    specialists"); any other text as it is. Unlike ``_()`` in a template, never %-formatted: a unit's name
    may hold a "%" sign."""
    from flask_babel import gettext  # the caller renders inside the app, in the report's locale

    return gettext(text)


def meeting_items(
    survey: Survey,
    result: Mapping[str, Any],
    viewer: Any,
    now: dt.datetime,
    translate: Callable[[str], str],
    language: str | None = None,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The findings (read from the survey compared by audience, as on the results page) and the action plan as
    ``viewer`` may see them in ``language`` (``result``'s own by default), ready for the findings and action-plan
    partials."""
    from ..services.results_page import results_extras

    language = language or result.get("language") or survey.languages[0]
    extras = results_extras(survey, result, viewer, now, language, translate)
    findings = extras["findings"]
    findings["page_is_by_audience"] = True
    return findings, {"plan": extras["plan"]}


def report_context(
    survey: Survey,
    result: Mapping[str, Any],
    language: str,
    now: dt.datetime,
    findings: Any = None,
    actions: Any = None,
) -> dict[str, Any]:
    """What templates/report/report.html shows. ``findings`` and ``actions`` are handed to the findings and
    action-plan partials of the results page (templates/dashboard/_findings.html, _actions.html) unchanged."""
    instruments = {i.id: i for i in survey_instruments(survey)}
    gaps = [g for g in result["gaps"] if g["level"] == "subscale"]
    limit = max([1.0, *(abs(v) for g in gaps for v in (g["diff"], g.get("ci_low") or 0, g.get("ci_high") or 0))])
    return {
        "language": language,
        "dir": "rtl" if is_rtl(language) else "ltr",
        "title": _text(survey.title, language, result["survey"]["title"]),
        "survey": survey,
        "result": result,
        "generated": now.strftime("%Y-%m-%d"),
        "instruments": [_instrument_view(result, b, instruments.get(b["id"]), language) for b in result["instruments"]],
        "versions": [(i.id, i.version, _text(i.title, language), i.validated, i.content_hash[:12]) for i in instruments.values()],
        "gaps": [(g, report_charts.gap_bar(g, limit)) for g in gaps],
        "gap_limit": limit,
        "overview": build_table(result, "overview"),
        "gap_table": build_table(result, "gaps", level="subscale") if gaps else None,
        "findings": findings if findings is not None else result.get("findings"),
        "actions": actions if actions is not None else result.get("actions"),
        "label": _label,
    }


def write_pdf(render: Callable[..., str], context: Mapping[str, Any]) -> bytes:
    """The report as PDF bytes. ``render`` is the app's template renderer (flask.render_template), so the report
    shares the results page's partials and translations."""
    from weasyprint import HTML  # heavy: loaded only when a report is made

    html = render(REPORT_TEMPLATE, **context)
    return HTML(string=html).write_pdf()
