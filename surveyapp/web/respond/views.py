"""The respondent's pages: link -> language -> consent -> pages -> review -> submit -> thank you.

No account: the token in the URL is the respondent's key. Nothing here
stores an IP address or user agent.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from flask import Blueprint, abort, current_app, g, make_response, redirect, render_template, request, url_for
from flask_babel import gettext, lazy_gettext
from flask_wtf.csrf import CSRFError
from werkzeug.wrappers import Response as HttpResponse

from ...instruments.conditions import referenced_items, to_data
from ...instruments.flow import SurveyPage, asked_pages, routed_out, step, visible_items
from ...services import responding
from ...services.surveys import survey_instruments
from ..cookies import secure_cookies
from ..i18n import LANGUAGE_NAMES, RTL_LANGUAGES, audience_label, localized
from .forms import page_check, raw_values
from .round_feedback import task_feedback

bp = Blueprint("respond", __name__)

LANG_COOKIE = "ps_lang"
ACTIONS = {"next", "back", "later"}


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _secret() -> str:
    """Keys the marks of used anonymous links (services.anonymity.spent_digest): never stored in the database."""
    return current_app.config["SECRET_KEY"]


def _link(token: str) -> responding.LinkState:
    """Resolve the link and fix the request's language before any text is translated.

    Flask-Babel keeps the first locale it picks for a request, so the language
    must be known before a form or error message is built.
    """
    link = responding.resolve_link(token, now(), _secret())
    if link.survey is not None:
        g.lang = _language(link)
    return link


def _language(link: responding.LinkState) -> str:
    """The response's language, else the remembered choice, else the browser's, else the survey's first."""
    assert link.survey is not None  # noqa: S101 - callers pass resolved links
    languages = link.survey.languages
    if link.response is not None and link.response.language in languages:
        return link.response.language
    chosen = request.cookies.get(LANG_COOKIE)
    if chosen in languages:
        return chosen
    return request.accept_languages.best_match(languages) or languages[0]


def _render(template: str, link: responding.LinkState | None, status: int = 200, **context: Any) -> HttpResponse:
    language = (
        _language(link)
        if link is not None and link.survey is not None
        else (request.accept_languages.best_match(["en", "he", "ar"]) or "en")
    )
    g.lang = language
    body = render_template(
        template,
        link=link,
        survey=link.survey if link else None,
        lang=language,
        dir="rtl" if language in RTL_LANGUAGES else "ltr",
        t=lambda text: localized(text, language),
        label_of=lambda item, code: item.scale.label(int(code), language) or str(code),
        language_names=LANGUAGE_NAMES,
        **context,
    )
    response = make_response(body, status)
    if link is not None and link.response is not None:  # chosen and stored: keep it for this device
        _remember_language(response, language)
    response.headers["Cache-Control"] = "no-store"  # answers must not sit in a shared cache
    response.headers["Referrer-Policy"] = "no-referrer"  # the token is in the URL
    return response


def _in_every_language(languages: list[str], message: Any) -> str:
    """A short prompt in each of the survey's languages, for the page where the language is not chosen yet."""
    from flask_babel import force_locale

    prompts = []
    for code in languages:
        with force_locale(code):
            prompts.append(str(message))  # a lazy string, rendered in the forced language
    return " · ".join(dict.fromkeys(prompts))


def _remember_language(response: HttpResponse, language: str) -> None:
    """Keep the respondent's language on this device, so later pages (thank-you, already sent) use it too."""
    if request.cookies.get(LANG_COOKIE) != language:
        response.set_cookie(LANG_COOKIE, language, max_age=60 * 60 * 24 * 365, samesite="Lax", secure=secure_cookies())


def _state_page(link: responding.LinkState) -> HttpResponse | None:
    """The page for a link that cannot be answered now, or None."""
    if link.state == "unknown":
        return _render("respond/unknown_link.html", None, 404)
    if link.state == "submitted":
        return _render("respond/already_submitted.html", link)
    if link.state == "not_open":
        return _render("respond/not_open.html", link, 403)
    return None


@bp.get("/o/<token>")
def open_link(token: str) -> HttpResponse:
    """An open link: each visitor gets a personal link, remembered on this device to resume."""
    link = _link(token)
    if link.state != "open_link":
        return _state_page(link) or abort(404)
    from ...services.delphi_rounds import earlier_audience_ids

    cookie = f"ps_open_{link.audience.id}"  # type: ignore[union-attr]
    # a Delphi's later round: the personal link this device got from the open link in an earlier round opens it too
    for audience_id in (link.audience.id, *earlier_audience_ids(link.audience)):  # type: ignore[union-attr]
        remembered = request.cookies.get(f"ps_open_{audience_id}")
        if remembered and responding.resolve_link(remembered, now(), _secret()).state in ("new", "in_progress"):
            return redirect(url_for(".entry", token=remembered))
    personal = responding.enter_open_link(link, now())
    response = redirect(url_for(".entry", token=personal))
    response.set_cookie(
        cookie, personal, max_age=60 * 60 * 24 * 90, httponly=True, samesite="Lax", secure=secure_cookies(), path="/"
    )
    return response


@bp.get("/r/<token>")
def entry(token: str) -> HttpResponse:
    link = _link(token)
    if (page := _state_page(link)) is not None:
        return page
    if link.state == "in_progress":
        return _resume(token, link)
    if len(link.survey.languages) > 1 and LANG_COOKIE not in request.cookies:  # type: ignore[union-attr]
        return redirect(url_for(".language", token=token))
    return redirect(url_for(".consent", token=token))


@bp.route("/r/<token>/language", methods=["GET", "POST"])
def language(token: str) -> HttpResponse:
    link = _link(token)
    if (page := _state_page(link)) is not None:
        return page
    languages = link.survey.languages  # type: ignore[union-attr]
    if request.method == "POST":
        chosen = request.form.get("language")
        if chosen not in languages:
            return _render("respond/language.html", link, 400, error=gettext("Please choose one of the languages."))
        if link.response is not None:
            responding.set_language(link.response, chosen, now())
        response = _resume(token, link) if link.response else redirect(url_for(".consent", token=token))
        response.set_cookie(LANG_COOKIE, chosen, max_age=60 * 60 * 24 * 365, samesite="Lax", secure=secure_cookies())
        return response
    return _render(
        "respond/language.html", link, language_prompts=_in_every_language(languages, lazy_gettext("Choose your language"))
    )


@bp.route("/r/<token>/consent", methods=["GET", "POST"])
def consent(token: str) -> HttpResponse:
    link = _link(token)
    if (page := _state_page(link)) is not None:
        return page
    if link.state == "in_progress":
        return _resume(token, link)
    if request.method == "POST":
        if request.form.get("consent") != "yes":
            return _render(
                "respond/consent.html",
                link,
                400,
                error=gettext("To take part, please tick the box to agree."),
                length=_length(link),
            )
        responding.start_response(token, link, _language(link), now(), _secret())
        return redirect(url_for(".page", token=token, number=1))
    return _render("respond/consent.html", link, length=_length(link))


def _length(link: responding.LinkState) -> Any:
    """How long this respondent's survey is: their audience's pages, as routing may shorten them."""
    from ...instruments.survey_length import survey_length
    from ...services.surveys import pages_for

    return survey_length(pages_for(link.survey, link.audience.key))  # type: ignore[arg-type, union-attr]


def _resume(token: str, link: responding.LinkState) -> HttpResponse:
    """Back to where the respondent left off: their current page, or the review once every page is done."""
    response = link.response
    assert response is not None  # noqa: S101 - only called for responses in progress
    if response.current_page > len(responding.flow_for(response)):
        return redirect(url_for(".review", token=token))
    return redirect(url_for(".page", token=token, number=response.current_page))


def _routed_progress(current: SurveyPage, pages: tuple[SurveyPage, ...], stored: Any) -> dict[str, int]:
    """Page n of m among the pages this respondent is asked (routing may skip some)."""
    asked = [p.number for p in asked_pages(pages, stored)]
    if current.number not in asked:
        return _progress(current.number, len(pages))
    return _progress(asked.index(current.number) + 1, len(asked))


def _progress(number: int, total: int) -> dict[str, int]:
    return {"number": number, "total": total, "percent": round(100 * (number - 1) / total) if total else 100}


@bp.route("/r/<token>/p/<int:number>", methods=["GET", "POST"])
def page(token: str, number: int) -> HttpResponse:
    link = _link(token)
    if (state_page := _state_page(link)) is not None:
        return state_page
    if link.response is None:
        return redirect(url_for(".consent", token=token))
    response = link.response
    pages = responding.flow_for(response)
    if not 1 <= number <= len(pages) or number > response.furthest_page:  # tampered or out-of-order URL
        return _render("respond/out_of_order.html", link, 409, resume=response.current_page)
    current = pages[number - 1]
    stored = responding.answers_of(response)
    audience = link.audience.key  # type: ignore[union-attr]
    if request.method == "GET":
        if routed_out(current, stored):  # an earlier answer skips this page (the survey's routing)
            following = step(pages, stored, number, 1)
            return redirect(
                url_for(".review", token=token) if following > len(pages) else url_for(".page", token=token, number=following)
            )
        return _page(link, token, current, pages, visible_items(current, stored), raw_values(stored), {}, stored)

    action = request.form.get("action", "next")
    expected = {*current.answer_keys(), "csrf_token", "action"}
    unexpected = sorted(set(request.form) - expected)
    if action not in ACTIONS or unexpected:
        return _render("respond/rejected.html", link, 400, resume=response.current_page)
    submitted = {key: request.form.getlist(key) for key in current.answer_keys()}
    # show_if on this page may depend on answers given on this page
    preview = {**stored, **{k: v for k, v in _lenient(current, audience, submitted).items() if v is not None}}
    shown = visible_items(current, preview)
    check = page_check(current, shown, audience, enforce_required=(action == "next"))
    if not check.validate(request.form):
        errors = dict(check.errors)
        if "csrf_token" in errors:
            errors = {
                "_form": gettext(
                    "This page was open for a long time, so it was not saved. "
                    "Your answers are still here: please press the button again."
                )
            }
        return _page(link, token, current, pages, shown, submitted, errors, stored, status=400)
    answers = check.answers()
    after = {**stored, **{k: v for k, v in answers.items() if v is not None}}
    for key, value in answers.items():
        if value is None:
            after.pop(key, None)
    next_number = {"next": step(pages, after, number, 1), "back": step(pages, after, number, -1), "later": number}[action]
    try:
        responding.save_page(response, current, answers, next_number, now(), stored)
    except responding.ResponseSubmittedError:  # submitted from another tab a moment before this save
        return _render("respond/already_submitted.html", link)
    if action == "later":
        return _render("respond/saved.html", link, resume_url=url_for(".entry", token=token, _external=True))
    if action == "next" and request.args.get("review") == "1":  # came from the review to change this page
        return redirect(url_for(".review", token=token))
    if next_number > len(pages):
        return redirect(url_for(".review", token=token))
    return redirect(url_for(".page", token=token, number=next_number))


def _lenient(current: SurveyPage, audience: str, submitted: dict[str, list[str]]) -> dict[str, Any]:
    """Parse what parses of the answers this page's visibility depends on; errors are reported by the page check."""
    from ...instruments.answers import AnswerError, parse_answer

    steering = _steering_keys(current)
    out: dict[str, Any] = {}
    for item in current.page.items:
        key = f"{current.instrument.id}.{item.id}"
        if key not in steering:  # no show_if or routing condition of this page reads it
            continue
        try:
            out[key] = parse_answer(item, audience, submitted.get(key) or None)
        except AnswerError:
            out[key] = None
    return out


def _steering_keys(current: SurveyPage) -> frozenset[str]:
    """Answer keys on ``current`` that a show_if of its items, or its routing, reads (usually none)."""
    prefix = f"{current.instrument.id}."
    own = {f"{prefix}{ref}" for item in current.page.items for ref in referenced_items(item.show_if)}
    return frozenset((own | set(referenced_items(current.skip_when))) & set(current.answer_keys()))


def _page(
    link: responding.LinkState,
    token: str,
    current: SurveyPage,
    pages: tuple[SurveyPage, ...],
    shown: list,
    values: dict[str, list[str]],
    errors: dict[str, str],
    stored: Any = None,
    status: int = 200,
) -> HttpResponse:
    audience = link.audience.key  # type: ignore[union-attr]
    on_page = {item.id for item in current.page.items}
    prefix = current.instrument.id
    conditional = {
        item.id: json.dumps(to_data(item.show_if, lambda ref: f"{prefix}.{ref}"))
        for item in current.page.items
        if item.show_if is not None and set(referenced_items(item.show_if)) & on_page
    }
    language = _language(link)
    question_text = {f"{prefix}.{item.id}": item.text_for(audience, language) for item in current.page.items}
    return _render(
        "respond/page.html",
        link,
        status,
        question_text=question_text,
        token=token,
        current=current,
        items=current.page.items,
        shown={i.id for i in shown},
        conditional=conditional,
        values=values,
        errors=errors,
        audience=audience,
        progress=_routed_progress(current, pages, stored or {}),
        instructions=(current.instrument.instructions_for(audience, language) if current.first_of_instrument else None),
        feedback=_round_feedback(link, token, current, language),
    )


def _round_feedback(link: responding.LinkState, token: str, current: SurveyPage, language: str) -> dict[str, Any]:
    """Task id -> round n's result and the respondent's own earlier answer (Delphi round 2 and later)."""
    from ...services.delphi_rounds import previous_answers

    survey = link.survey
    if survey is None or not survey.round_feedback:
        return {}
    task_ids = [item.task.task for item in current.page.items if item.task and item.task.part == "role"]
    if not task_ids:
        return {}
    previous = previous_answers(survey, token, _secret())
    labels = (survey.texts or {}).get("audience_labels")
    out = {}
    for task_id in task_ids:
        block = task_feedback(survey.round_feedback, current.instrument, task_id, previous, language, labels)
        if block is not None:
            out[task_id] = block
    return out


@bp.get("/r/<token>/review")
def review(token: str) -> HttpResponse:
    link = _link(token)
    if (state_page := _state_page(link)) is not None:
        return state_page
    if link.response is None:
        return redirect(url_for(".consent", token=token))
    pages = responding.flow_for(link.response)
    if link.response.furthest_page <= len(pages):  # not every page seen yet
        return _resume(token, link)
    stored = responding.answers_of(link.response)
    missing = responding.missing_required(link.response, pages)
    return _render(
        "respond/review.html",
        link,
        token=token,
        pages=pages,
        stored=stored,
        unanswered=sum(1 for p in pages for item in visible_items(p, stored) if f"{p.instrument.id}.{item.id}" not in stored),
        missing=missing,
        visible=lambda p: visible_items(p, stored),
        audience=link.audience.key,
    )  # type: ignore[union-attr]


@bp.post("/r/<token>/submit")
def submit(token: str) -> HttpResponse:
    link = _link(token)
    if link.state == "submitted":  # a replayed or double-clicked submit
        return redirect(url_for(".done", token=token))
    if (state_page := _state_page(link)) is not None:
        return state_page
    if link.response is None:
        return redirect(url_for(".consent", token=token))
    pages = responding.flow_for(link.response)
    missing = responding.missing_required(link.response, pages)
    if missing:
        return redirect(url_for(".page", token=token, number=min(missing)))
    responding.submit_response(link.response, token, now(), _secret())
    response = redirect(url_for(".done", token=token))
    _remember_language(response, link.response.language)
    return response


@bp.get("/r/<token>/done")
def done(token: str) -> HttpResponse:
    link = _link(token)
    if link.state != "submitted":
        return redirect(url_for(".entry", token=token))
    return _render("respond/thanks.html", link)


@bp.app_context_processor
def _helpers() -> dict[str, Any]:
    return {"audience_label": audience_label, "instruments_of": survey_instruments}


@bp.errorhandler(CSRFError)
def stale_form(_error: CSRFError) -> HttpResponse:
    """A respondent's form whose security token no longer matches its session (cookies cleared, a tab restored
    after the browser was closed): never the staff error page.

    A question page is handled by the page itself, whose own form check fails
    the same way: it shows the page again with every typed answer and asks to
    press the button again (with a fresh token). Other forms are shown again.
    """
    args = request.view_args or {}
    if request.endpoint == "respond.page":
        return page(**args)
    if request.endpoint == "respond.submit":
        return redirect(url_for(".review", token=args["token"]), code=303)
    return redirect(request.path, code=303)
