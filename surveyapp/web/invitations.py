"""Admin pages for invitations people receive: e-mail with reminders, printable QR slips and posters.

Thin glue over services.mailing and reporting.invitation_print. Sending goes a
batch per request (the state is in the database): the page continues with the
next batch by itself (static/invitations.js) or with its "Continue sending"
button, on any host, after any restart.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from werkzeug.wrappers import Response as HttpResponse

from ..services import invitations, mailing
from ..services.address_list import AddressListError, read_addresses
from ..services.mail_messages import default_messages
from ..services.smtp import SmtpSettings
from ..services.surveys import SurveyError, get_survey
from .auth import require_role
from .i18n import LANGUAGE_NAMES

bp = Blueprint("invitations", __name__, url_prefix="/admin/surveys/<slug>/invitations")
#: slips one web request may print (about 4 s per 100 on a loaded 2-core machine: inside gunicorn's timeout)
WEB_SLIPS_LIMIT = 300


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _survey(slug: str):  # type: ignore[no-untyped-def]
    try:
        return get_survey(slug)
    except SurveyError:
        abort(404)


def _base() -> str:
    return current_app.config["BASE_URL"].rstrip("/")


def _settings() -> SmtpSettings:
    return SmtpSettings.from_config(current_app.config)


def _messages(languages: list[str]) -> dict[str, dict[str, str]]:
    return {
        lang: {"subject": request.form.get(f"subject_{lang}", ""), "body": request.form.get(f"body_{lang}", "")}
        for lang in languages
    }


@bp.get("/")
@require_role("admin")
def page(slug: str) -> Any:
    survey = _survey(slug)
    return render_template(
        "admin/invitations.html",
        survey=survey,
        status=mailing.sending_status(survey),
        smtp_problem=_settings().missing(),
        paused=request.args.get("paused") == "1",
        invitation_texts=default_messages("invitation", survey.languages),
        reminder_texts=default_messages("reminder", survey.languages),
        reminder_limit=current_app.config["REMINDER_LIMIT"],
        base_url=_base(),
        slips_limit=WEB_SLIPS_LIMIT,
        language_names=LANGUAGE_NAMES,
    )


def _send_next(slug: str) -> bool:
    """One batch; False when sending paused (the page then waits for the admin instead of retrying by itself)."""
    try:
        result = mailing.send_batch(
            slug, _settings(), _base(), current_app.config["SECRET_KEY"], now(), current_app.config["MAIL_BATCH_SIZE"]
        )
    except SurveyError as exc:
        flash(str(exc), "error")
        return False
    if result.error:
        flash(
            _(
                "Sending paused: %(error)s. Nothing is lost: press Continue sending when the mail server is back.",
                error=result.error,
            ),
            "error",
        )
        return False
    if result.waiting:
        flash(
            _(
                "%(sent)s sent, %(failed)s failed in this batch; %(waiting)s still to send.",
                sent=result.sent,
                failed=result.failed,
                waiting=result.waiting,
            )
        )
    else:
        flash(_("All messages sent (%(sent)s in the last batch, %(failed)s failed).", sent=result.sent, failed=result.failed))
    return True


def _back(slug: str, going: bool) -> HttpResponse:
    """To the page; after a paused batch it does not ask for the next one by itself (no retry loop)."""
    return redirect(url_for(".page", slug=slug, **({} if going else {"paused": 1})))


@bp.post("/email")
@require_role("admin")
def email(slug: str) -> HttpResponse:
    survey = _survey(slug)
    upload = request.files.get("addresses_file")
    if upload and upload.filename:
        text, source = upload.read().decode("utf-8-sig", errors="replace"), _("the file %(name)s", name=upload.filename)
    else:
        text, source = request.form.get("addresses", ""), _("the pasted list")
    try:
        if _settings().missing():
            raise SurveyError(_settings().missing())
        addressees = read_addresses(text, survey.languages, source)
        added = mailing.add_addresses(
            slug,
            request.form.get("audience", ""),
            addressees,
            _messages(survey.languages),
            now(),
            current_user,
            current_app.config["SECRET_KEY"],
        )
    except AddressListError as exc:
        for problem in exc.problems[:50]:
            flash(problem, "error")
        if len(exc.problems) > 50:
            flash(
                _("… and %(n)s more problems. Nothing was sent; fix the list and try again.", n=len(exc.problems) - 50), "error"
            )
        return redirect(url_for(".page", slug=slug))
    except SurveyError as exc:
        flash(str(exc), "error")
        return redirect(url_for(".page", slug=slug))
    if added.already_listed:
        flash(
            _(
                "%(n)s addresses were already invited to this survey and were left out (use a reminder for them).",
                n=added.already_listed,
            )
        )
    if added.added:
        flash(ngettext("%(num)s invitation queued.", "%(num)s invitations queued.", added.added))
        return _back(slug, _send_next(slug))
    return redirect(url_for(".page", slug=slug))


@bp.post("/send")
@require_role("admin")
def send(slug: str) -> HttpResponse:
    _survey(slug)
    return _back(slug, _send_next(slug))


@bp.post("/remind")
@require_role("admin")
def remind(slug: str) -> HttpResponse:
    survey = _survey(slug)
    try:
        if _settings().missing():
            raise SurveyError(_settings().missing())
        started = mailing.start_reminder(
            slug,
            _messages(survey.languages),
            now(),
            current_user,
            current_app.config["SECRET_KEY"],
            current_app.config["REMINDER_LIMIT"],
            audience_key=request.form.get("audience") or None,
        )
    except SurveyError as exc:
        flash(str(exc), "error")
        return redirect(url_for(".page", slug=slug))
    if started is None:
        flash(
            _(
                "Nobody to remind: everyone invited has submitted, or has had %(n)s reminders already.",
                n=current_app.config["REMINDER_LIMIT"],
            )
        )
    else:
        flash(
            ngettext(
                "Reminder queued for %(num)s person who has not submitted.",
                "Reminder queued for %(num)s people who have not submitted.",
                started.recipients,
            )
        )
        return _back(slug, _send_next(slug))
    return redirect(url_for(".page", slug=slug))


@bp.post("/purge")
@require_role("admin")
def purge(slug: str) -> HttpResponse:
    _survey(slug)
    count = mailing.purge_addresses(slug, now(), current_user)
    flash(
        ngettext(
            "%(num)s address deleted. No more reminders can go out for it; the counts of invitations stay.",
            "%(num)s addresses deleted. No more reminders can go out for them; the counts of invitations stay.",
            count,
        )
    )
    return redirect(url_for(".page", slug=slug))


def _pdf(data: bytes, name: str) -> Response:
    return Response(
        data,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"},
    )


@bp.post("/slips")
@require_role("admin")
def slips(slug: str) -> Any:
    from ..reporting.invitation_print import PrintedLink, slips_pdf

    survey = _survey(slug)
    audience = request.form.get("audience", "")
    try:
        count = int(request.form.get("count", "0"))
        if not 1 <= count <= WEB_SLIPS_LIMIT:
            raise SurveyError(
                _("Print between 1 and %(n)s slips at a time (more with `surveyapp invite --format pdf`).", n=WEB_SLIPS_LIMIT)
            )
        tokens = invitations.issue_invitations(slug, audience, count, now(), current_user)
    except ValueError as exc:  # SurveyError is a ValueError, and so is a count that is not a number
        flash(str(exc) if isinstance(exc, SurveyError) else _("The number of slips must be a whole number."), "error")
        return redirect(url_for(".page", slug=slug))
    links = [PrintedLink(f"{_base()}/r/{t}", audience) for t in tokens]
    return _pdf(slips_pdf(links, survey.languages, survey.title), f"{slug}-{audience}-slips.pdf")


@bp.post("/poster")
@require_role("admin")
def poster(slug: str) -> Any:
    from ..reporting.invitation_print import poster_pdf

    survey = _survey(slug)
    audience = request.form.get("audience", "")
    try:
        token = invitations.create_open_link(slug, audience, now(), current_user)
    except SurveyError as exc:
        flash(str(exc), "error")
        return redirect(url_for(".page", slug=slug))
    return _pdf(poster_pdf(f"{_base()}/o/{token}", audience, survey.languages, survey.title), f"{slug}-{audience}-poster.pdf")


@bp.app_template_global()
def response_rates_for(survey) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """The results page's response-rate figures (templates/dashboard/_response_rates.html)."""
    from ..services.response_rates import response_rates

    return response_rates(survey, current_app.config["SECRET_KEY"])
