"""`surveyapp invite`, `surveyapp remind` and `surveyapp mail`: invitations from the command line, thin over
services.invitations and services.mailing (the same as the admin's invitations page)."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from .config import FALLBACK_BASE_URL


def _now() -> datetime:
    return datetime.now(UTC)


def _base_url() -> str:
    base = current_app.config["BASE_URL"].rstrip("/")
    if base == FALLBACK_BASE_URL and not os.environ.get("SURVEYAPP_BASE_URL"):
        click.echo(
            f"note: links point to {base}, the built-in default; set SURVEYAPP_BASE_URL to the address respondents "
            "reach the app at (or start it once with `make run`, which records it)",
            err=True,
        )
    return base


def _drain(slug: str) -> None:
    """Send every waiting message of SLUG, a batch at a time, reporting progress and each failed address."""
    from .services.mailing import send_batch
    from .services.smtp import SmtpSettings
    from .services.surveys import SurveyError

    config = current_app.config
    settings = SmtpSettings.from_config(config)
    sent = failed = 0
    while True:
        try:
            result = send_batch(slug, settings, _base_url(), config["SECRET_KEY"], _now(), config["MAIL_BATCH_SIZE"])
        except SurveyError as exc:
            raise click.ClickException(str(exc)) from exc
        sent, failed = sent + result.sent, failed + result.failed
        if result.error:
            raise click.ClickException(
                f"{result.error}; {sent} sent, {result.waiting} still waiting: run `surveyapp mail send {slug}` to continue"
            )
        click.echo(f"{sent} sent, {failed} failed, {result.waiting} to go", err=True)
        if not result.waiting or not (result.sent or result.failed):
            break
    _report_failures(slug)


def _report_failures(slug: str) -> None:
    from .services.mailing import sending_status
    from .services.surveys import get_survey

    for email, audience, why in sending_status(get_survey(slug)).failures:
        click.echo(f"failed\t{email}\t{audience}\t{why}")


@click.command("invite")
@click.argument("slug")
@click.option("--audience", required=True, help="Audience key, e.g. peer, staff, service_user.")
@click.option("--count", type=click.IntRange(1, 100_000), default=1, show_default=True, help="Links (or slips) to make.")
@click.option("--open-link", is_flag=True, help="One open link for the audience instead (replaces any earlier one).")
@click.option(
    "--emails",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    metavar="FILE.csv",
    help="E-mail each address of FILE.csv (columns: email, optionally unit and language) its own link.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "pdf"]),
    default="csv",
    show_default=True,
    help="csv: print the links; pdf: printable QR slips (or a poster with --open-link), written to --out.",
)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None, help="File for --format pdf.")
@with_appcontext
def invite(slug: str, audience: str, count: int, open_link: bool, emails: Path | None, fmt: str, out: Path | None) -> None:
    """Invite AUDIENCE of survey SLUG: print links as CSV, e-mail them (--emails) or print QR slips (--format pdf).

    \b
    surveyapp invite S --audience peer --count 40 > links.csv
    surveyapp invite S --audience staff --emails staff.csv
    surveyapp invite S --audience service_user --count 24 --format pdf --out slips.pdf
    surveyapp invite S --audience service_user --open-link --format pdf --out poster.pdf
    """
    from .services.invitations import create_open_link, issue_invitations
    from .services.surveys import SurveyError, get_survey

    if emails is not None:
        _invite_by_email(slug, audience, emails)
        return
    if fmt == "pdf" and out is None:
        raise click.BadParameter("--format pdf needs --out FILE.pdf", param_hint="--out")
    base = _base_url()
    try:
        survey = get_survey(slug)
        if open_link:
            links = [f"{base}/o/{create_open_link(slug, audience, _now(), None)}"]
        else:
            links = [f"{base}/r/{t}" for t in issue_invitations(slug, audience, count, _now(), None)]
    except SurveyError as exc:
        raise click.ClickException(str(exc)) from exc
    if fmt == "pdf":
        from .reporting.invitation_print import PrintedLink, poster_pdf, slips_pdf

        if open_link:
            out.write_bytes(poster_pdf(links[0], audience, survey.languages, survey.title))
            click.echo(f"wrote {out}: a poster with the open link for {audience}", err=True)
        else:
            out.write_bytes(slips_pdf([PrintedLink(link, audience) for link in links], survey.languages, survey.title))
            click.echo(f"wrote {out}: {len(links)} slips for {audience}, 8 a page, links to {base}", err=True)
        return
    click.echo("audience,link")
    for link in links:
        click.echo(f"{audience},{link}")


def _invite_by_email(slug: str, audience: str, path: Path) -> None:
    from .services.address_list import AddressListError, read_addresses
    from .services.mail_messages import default_messages
    from .services.mailing import add_addresses
    from .services.smtp import SmtpSettings
    from .services.surveys import SurveyError, get_survey

    problem = SmtpSettings.from_config(current_app.config).missing()
    if problem:
        raise click.ClickException(problem)
    try:
        survey = get_survey(slug)
        addressees = read_addresses(path.read_text(encoding="utf-8-sig"), survey.languages, path.name)
        added = add_addresses(
            slug,
            audience,
            addressees,
            default_messages("invitation", survey.languages),
            _now(),
            None,
            current_app.config["SECRET_KEY"],
        )
    except AddressListError as exc:
        raise click.ClickException("nothing was sent; fix these rows and run again:\n" + "\n".join(exc.problems)) from exc
    except (SurveyError, UnicodeDecodeError) as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"{added.added} invitations queued; {added.already_listed} addresses were already invited", err=True)
    _drain(slug)


@click.command("remind")
@click.argument("slug")
@click.option("--audience", default=None, help="Only this audience (default: every audience).")
@click.option(
    "--scheduled",
    is_flag=True,
    help="Only addresses whose invitation or last reminder is at least SURVEYAPP_REMINDER_AFTER_DAYS old: "
    "for a daily cron job or systemd timer (docs/invitations.md).",
)
@with_appcontext
def remind(slug: str, audience: str | None, scheduled: bool) -> None:
    """E-mail a reminder to everyone invited to SLUG who has not submitted (at most SURVEYAPP_REMINDER_LIMIT times)."""
    from .services.mail_messages import default_messages
    from .services.mailing import start_reminder
    from .services.smtp import SmtpSettings
    from .services.surveys import SurveyError, get_survey

    config = current_app.config
    problem = SmtpSettings.from_config(config).missing()
    if problem:
        raise click.ClickException(problem)
    try:
        survey = get_survey(slug)
        if scheduled and survey.status != "open":
            click.echo(f"{slug} is {survey.status}: no reminders", err=True)
            return
        mailing = start_reminder(
            slug,
            default_messages("reminder", survey.languages),
            _now(),
            None,
            config["SECRET_KEY"],
            config["REMINDER_LIMIT"],
            audience_key=audience,
            not_since=timedelta(days=config["REMINDER_AFTER_DAYS"]) if scheduled else None,
        )
    except SurveyError as exc:
        raise click.ClickException(str(exc)) from exc
    if mailing is None:
        click.echo("nobody to remind: everyone invited has submitted, had the most reminders, or was reminded lately", err=True)
    else:
        click.echo(f"reminder queued for {mailing.recipients} addresses", err=True)
    _drain(slug)


@click.group("mail")
def mail() -> None:
    """E-mail invitations: continue sending, see failures, delete the addresses."""


@mail.command("send")
@click.argument("slug")
@with_appcontext
def mail_send(slug: str) -> None:
    """Send whatever is still waiting for SLUG (after a restart or a mail server outage)."""
    _drain(slug)


@mail.command("status")
@click.argument("slug")
@with_appcontext
def mail_status(slug: str) -> None:
    """Each sending of SLUG with its counts, then every failed address with the mail server's answer."""
    from .services.mailing import sending_status
    from .services.surveys import SurveyError, get_survey

    try:
        status = sending_status(get_survey(slug))
    except SurveyError as exc:
        raise click.ClickException(str(exc)) from exc
    for s in status.sendings:
        click.echo(
            f"{s.created_at:%Y-%m-%d}\t{s.kind}\t{s.audience or 'all'}\t{s.recipients} addresses\t"
            f"{s.sent} sent\t{s.failed} failed\t{s.waiting} waiting"
        )
    click.echo(f"{status.listed} addresses kept, {status.purged} deleted", err=True)
    _report_failures(slug)


@mail.command("purge")
@click.argument("slug")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@with_appcontext
def mail_purge(slug: str, yes: bool) -> None:
    """Delete every e-mail address of SLUG (no more reminders; counts of invitations stay)."""
    from .services.mailing import purge_addresses
    from .services.surveys import SurveyError

    if not yes:
        click.confirm(f"Delete every e-mail address of {slug}? No more reminders can be sent", abort=True)
    try:
        count = purge_addresses(slug, _now(), None)
    except SurveyError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"deleted {count} addresses of {slug}")
