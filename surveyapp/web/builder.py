"""The survey builder: create and edit a survey in a form, preview it, next wave, delete a draft, spec export."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Blueprint, Response, current_app, flash, g, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user
from werkzeug.wrappers import Response as HttpResponse

from ..instruments import Instrument, InstrumentError
from ..instruments.flow import SurveyPage, visible_items
from ..instruments.problems import format_path
from ..services import survey_builder, surveys
from ..services.instrument_registry import InstrumentChangedError
from .auth import require_role
from .builder_form import parts_of, routing_questions, rule_rows, skip_targets, spec_from_form
from .i18n import LANGUAGE_NAMES, RTL_LANGUAGES, localized

bp = Blueprint("builder", __name__, url_prefix="/admin/surveys")

AUDIENCES = ("peer", "staff", "service_user")
NEW_SPEC: dict[str, Any] = {
    "languages": ["en"],
    "audiences": [],
    "instruments": [],
    "anonymity": "anonymous",
    "min_cell_size": 5,
}
FORM_SOURCE = "the form"


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _instruments_dir() -> Any:
    return current_app.config["INSTRUMENTS_DIR"]


def _catalogue(survey: Any = None) -> dict[str, Instrument]:
    return survey_builder.available_instruments(_instruments_dir(), survey)


def _languages(catalogue: dict[str, Instrument]) -> list[str]:
    found = dict.fromkeys(lang for i in catalogue.values() for lang in i.languages)
    return list(dict.fromkeys([*(lang for lang in LANGUAGE_NAMES if lang in found), *found]))


def _audiences(catalogue: dict[str, Instrument], spec: dict[str, Any]) -> list[str]:
    found = dict.fromkeys(a for i in catalogue.values() for a in i.audiences)
    return list(dict.fromkeys([*(a for a in AUDIENCES if a in found), *found, *spec.get("audiences", ())]))


def _problems(exc: Exception) -> list[dict[str, str]]:
    """Each problem with the field it is about, so the form can show it there too."""
    if isinstance(exc, InstrumentError):
        return [
            {"field": str(p.path[0]) if p.path else "", "where": format_path(p.path), "message": p.message, "fix": p.fix or ""}
            for p in exc.problems
        ]
    return [{"field": "", "where": "", "message": str(exc), "fix": ""}]


def _render_form(
    spec: dict[str, Any], catalogue: dict[str, Instrument], survey: Any = None, problems: list | None = None, status: int = 200
) -> tuple[str, int]:
    ordered = [k for k in spec.get("instruments", ()) if k in catalogue] + [
        k for k in catalogue if k not in spec.get("instruments", ())
    ]
    lengths = survey_builder.draft_lengths(spec, catalogue)
    rows = rule_rows(spec)
    page = render_template(
        "admin/build_survey.html",
        spec=spec,
        survey=survey,
        catalogue=catalogue,
        ordered=ordered,
        languages=_languages(catalogue),
        language_names=LANGUAGE_NAMES,
        rtl=RTL_LANGUAGES,
        audiences=_audiences(catalogue, spec),
        parts_of=parts_of,
        lengths=lengths,
        rules=rows,
        questions=routing_questions(catalogue),
        targets=skip_targets(catalogue),
        problems=problems or [],
        fields_with_problems={p["field"] for p in problems or []},
        localized=localized,
    )
    return page, status


def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json"


def _lengths_json(spec: dict[str, Any], catalogue: dict[str, Instrument]) -> Response:
    return jsonify({a: length.as_dict() for a, length in survey_builder.draft_lengths(spec, catalogue).items()})


@bp.route("/build", methods=["GET", "POST"])
@require_role("admin")
def create() -> Any:
    catalogue = _catalogue()
    if request.method == "GET":
        return _render_form(dict(NEW_SPEC), catalogue)
    spec = spec_from_form(request.form, catalogue, _languages(catalogue))
    if _wants_json():
        return _lengths_json(spec, catalogue)
    if request.form.get("action") != "save":  # "Count questions" without script: the same form, counted
        return _render_form(spec, catalogue)
    try:
        survey = surveys.create_survey(spec, FORM_SOURCE, _instruments_dir(), now(), current_user, how="form")
    except (InstrumentError, InstrumentChangedError, surveys.SurveyError) as exc:
        return _render_form(spec, catalogue, problems=_problems(exc), status=400)
    flash(gettext("Survey '%(slug)s' created as a draft. Preview it, then open it when you are ready.", slug=survey.slug))
    return redirect(url_for(".preview", slug=survey.slug))


@bp.route("/<slug>/edit", methods=["GET", "POST"])
@require_role("admin")
def edit(slug: str) -> Any:
    try:
        survey = surveys.get_survey(slug)
    except surveys.SurveyError as exc:
        flash(str(exc), "error")
        return redirect(url_for("admin.index"))
    catalogue = _catalogue(survey)
    if request.method == "GET":
        return _render_form(survey_builder.spec_of(survey), catalogue, survey)
    spec = spec_from_form(request.form, catalogue, _languages(catalogue))
    if _wants_json():
        return _lengths_json(spec, catalogue)
    if request.form.get("action") != "save":
        return _render_form(spec, catalogue, survey)
    try:
        updated = survey_builder.update_draft(slug, spec, FORM_SOURCE, _instruments_dir(), now(), current_user)
    except (InstrumentError, InstrumentChangedError, surveys.SurveyError) as exc:
        return _render_form(spec, catalogue, survey, problems=_problems(exc), status=400)
    flash(gettext("Draft '%(slug)s' saved.", slug=updated.slug))
    return redirect(url_for(".preview", slug=updated.slug))


@bp.get("/<slug>/spec.yaml")
@require_role("admin")
def export_spec(slug: str) -> HttpResponse:
    try:
        text = survey_builder.spec_export(slug, now(), current_user)
    except surveys.SurveyError as exc:
        flash(str(exc), "error")
        return redirect(url_for("admin.index"))
    return Response(text, mimetype="application/yaml", headers={"Content-Disposition": f'attachment; filename="{slug}.yaml"'})


@bp.post("/<slug>/next-wave")
@require_role("admin")
def next_wave(slug: str) -> HttpResponse:
    try:
        opens = _date(request.form.get("opens_at"), gettext("first day"))
        closes = _date(request.form.get("closes_at"), gettext("last day"))
        created = survey_builder.next_wave(slug, opens, closes, now(), current_user)
    except (InstrumentError, surveys.SurveyError) as exc:
        flash(str(exc), "error")
        return redirect(url_for("admin.index"))
    flash(
        gettext(
            "Wave %(wave)s of '%(series)s' created as the draft '%(slug)s', with the same questions at the same versions.",
            wave=created.wave,
            series=created.series,
            slug=created.slug,
        )
    )
    return redirect(url_for(".edit", slug=created.slug))


def _date(raw: str | None, name: str) -> dt.date | None:
    if not raw:
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise surveys.SurveyError(gettext("The %(name)s is not a date (use YYYY-MM-DD): %(raw)s", name=name, raw=raw)) from None


@bp.post("/<slug>/delete")
@require_role("admin")
def delete(slug: str) -> HttpResponse:
    if request.form.get("confirm") != slug:
        flash(gettext("To delete '%(slug)s', type its address in the box and press Delete again.", slug=slug), "error")
        return redirect(url_for("admin.index"))
    try:
        survey_builder.delete_draft(slug, now(), current_user)
    except surveys.SurveyError as exc:
        flash(str(exc), "error")
    else:
        flash(gettext("Draft '%(slug)s' deleted (the audit log keeps its spec).", slug=slug))
    return redirect(url_for("admin.index"))


@bp.get("/<slug>/preview")
@require_role("admin")
def preview(slug: str) -> Any:
    """The survey as one audience sees it in one language; nothing is stored and no link is used."""
    try:
        survey = surveys.get_survey(slug)
    except surveys.SurveyError as exc:
        flash(str(exc), "error")
        return redirect(url_for("admin.index"))
    audiences = [a.key for a in survey.audiences]
    audience = request.args.get("audience") if request.args.get("audience") in audiences else audiences[0]
    language = request.args.get("lang") if request.args.get("lang") in survey.languages else survey.languages[0]
    pages = surveys.pages_for(survey, audience)
    try:
        number = max(0, min(int(request.args.get("page", "0")), len(pages)))
    except ValueError:
        number = 0
    current: SurveyPage | None = pages[number - 1] if number else None
    g.lang = language  # the respondent's words (buttons, "prefer not to answer") in the previewed language
    lengths = survey_builder.survey_lengths(survey)
    return render_template(
        "admin/preview.html",
        survey=survey,
        audiences=audiences,
        audience=audience,
        language=language,
        lang=language,
        dir="rtl" if language in RTL_LANGUAGES else "ltr",
        language_names=LANGUAGE_NAMES,
        pages=pages,
        number=number,
        current=current,
        shown={i.id for i in visible_items(current, {})} if current else set(),
        length=lengths[audience],
        lengths=lengths,
        t=lambda text: localized(text, language),
        skip_rules=survey_builder.page_skip_texts(survey, pages),
    )
