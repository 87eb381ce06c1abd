"""The ``surveyapp`` command: Flask's CLI plus Peerscope's commands, thin over services."""

from __future__ import annotations

import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click
from flask import current_app
from flask.cli import FlaskGroup, with_appcontext

from .cli_invitations import invite, mail, remind
from .instruments import check_files, instrument_files, load_directory
from .instruments.problems import InstrumentError


def _create_app():
    from . import create_app

    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app, add_version_option=False)
def main() -> None:
    """Peerscope: surveys for peer specialists, staff and service users."""


@click.group()
def instruments() -> None:
    """Check, list and load instrument files."""


@instruments.command("check")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@with_appcontext
def instruments_check(paths: tuple[Path, ...]) -> None:
    """Check instrument files (default: every file in the instruments directory).

    Lists every problem, each naming its file, line and field; exits 1 if any.
    """
    files: list[Path] = []
    for path in paths or (Path(current_app.config["INSTRUMENTS_DIR"]),):
        files.extend(instrument_files(path) if path.is_dir() else [path])
    if not files:
        raise click.ClickException("no instrument files (*.yaml) found")
    loaded, problems = check_files(files)
    for problem in problems:
        click.echo(str(problem), err=True)
    for instrument in loaded:
        if instrument.tasks:
            what = f"{len(instrument.tasks)} role tasks in {len(instrument.domains)} domains"
            others = [i for i in instrument.items if i.task is None]
            what += f", {len(others)} other item{'s' if len(others) != 1 else ''}" if others else ""
        else:
            what = f"{len(instrument.items)} items"
        click.echo(f"ok    {instrument.id} {instrument.version}  ({what})")
    if problems:
        broken = len({p.file for p in problems})
        click.echo(f"{len(problems)} problem(s) in {broken} file(s); {len(loaded)} file(s) ok.", err=True)
        sys.exit(1)


@instruments.command("list")
@with_appcontext
def instruments_list() -> None:
    """List the instruments in the instruments directory, with items per audience."""
    try:
        found = load_directory(current_app.config["INSTRUMENTS_DIR"])
    except InstrumentError as exc:
        raise click.ClickException(f"some instrument files are broken:\n{exc}") from exc
    for instrument in sorted(found.values(), key=lambda i: i.id):
        per_audience = ", ".join(f"{a} {len(instrument.items_for(a))}" for a in instrument.audiences)
        status = "validated" if instrument.validated else "not yet validated"
        click.echo(
            f"{instrument.id:<20} {instrument.version:<8} {len(instrument.subscales):>2} subscales  "
            f"items: {per_audience}  [{status}; {', '.join(instrument.languages)}]"
        )


@instruments.command("load")
@with_appcontext
def instruments_load() -> None:
    """Store a snapshot of every instrument file in the database (all or nothing)."""
    from .services.instrument_registry import InstrumentChangedError, register_instruments

    try:
        found = load_directory(current_app.config["INSTRUMENTS_DIR"])
        results = register_instruments(sorted(found.values(), key=lambda i: i.id), datetime.now(UTC))
    except (InstrumentError, InstrumentChangedError) as exc:
        raise click.ClickException(str(exc)) from exc
    for result in results:
        click.echo(f"{'stored' if result.added else 'unchanged':<10}{result.key} {result.version}")


def _now() -> datetime:
    return datetime.now(UTC)


@click.group()
def survey() -> None:
    """Create, list, open and close surveys."""


@survey.command("create")
@click.argument("spec", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def survey_create(spec: Path) -> None:
    """Create a draft survey from a SPEC file (see docs/surveys.md)."""
    from .services.instrument_registry import InstrumentChangedError
    from .services.surveys import SurveyError, create_survey

    try:
        created = create_survey(spec.read_text(encoding="utf-8"), str(spec), current_app.config["INSTRUMENTS_DIR"], _now(), None)
    except (InstrumentError, InstrumentChangedError, SurveyError) as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"created {created.slug} (draft); open it with: surveyapp survey open {created.slug}")


@survey.command("list")
@with_appcontext
def survey_list() -> None:
    """One survey a line: slug, status, audiences with submitted/in-progress counts."""
    from .services.surveys import list_surveys

    for s in list_surveys():
        counts = ", ".join(f"{a} {s.counts[a][1]} submitted/{s.counts[a][0]} in progress" for a in s.audiences)
        delphi_round = f"\tround {s.round}" if s.round is not None else ""
        click.echo(f"{s.slug}\t{s.status}{delphi_round}\t{counts}\t{s.title}")


def _status_command(name: str, status: str) -> click.Command:
    @click.argument("slug")
    @with_appcontext
    def command(slug: str) -> None:
        from .services.surveys import SurveyError, set_status

        try:
            set_status(slug, status, _now(), None)
        except SurveyError as exc:
            raise click.ClickException(str(exc)) from exc
        click.echo(f"{slug} is now {status}")

    command.__doc__ = f"Set a survey's status to {status}."
    return survey.command(name)(command)


_status_command("open", "open")
_status_command("close", "closed")


@click.group()
def users() -> None:
    """Staff accounts."""


@users.command("create")
@click.argument("email")
@click.option("--role", type=click.Choice(["admin", "manager", "researcher"]), required=True)
@click.password_option(help="At least 12 characters, not a commonly used one; asked for when not given.")
@with_appcontext
def users_create(email: str, role: str, password: str) -> None:
    """Create an account with a ROLE."""
    from .services.accounts import create_user
    from .services.surveys import SurveyError

    try:
        create_user(email, password, role, _now(), None)
    except SurveyError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"created {role} {email}")


@users.command("grant")
@click.argument("email")
@click.argument("slug")
@with_appcontext
def users_grant(email: str, slug: str) -> None:
    """Let a manager or researcher see survey SLUG's results."""
    from .services.access import grant
    from .services.surveys import SurveyError

    try:
        grant(email, slug, _now(), None)
    except SurveyError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"{email} may now see {slug}")


@users.command("set-password")
@click.argument("email")
@click.password_option(help="At least 12 characters, not a commonly used one; asked for (twice) when not given.")
@with_appcontext
def users_set_password(email: str, password: str) -> None:
    """Set the password of the account EMAIL; every session of the account ends."""
    from .services.accounts import set_password
    from .services.surveys import SurveyError

    try:
        user = set_password(email, password, _now(), None)
    except SurveyError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"password set for {user.email}; every session of the account has been signed out")


@users.command("reset")
@click.argument("email")
@with_appcontext
def users_reset(email: str) -> None:
    """Give the account EMAIL a temporary password (printed) that must be replaced at the next sign-in."""
    from .services.accounts import find_user, reset_password

    user = find_user(email)
    if user is None:
        raise click.ClickException(f"there is no account for {email.strip().lower()}")
    _, temporary = reset_password(user.id, _now(), None)
    click.echo(f"temporary password for {user.email}: {temporary}")
    click.echo("Pass it on in person or by phone. With it they can only choose a new password of their own.")


@click.command("demo")
@click.option(
    "--responses",
    type=int,
    default=None,
    help="Synthetic submitted responses to create (default 800: enough for the validation report).",
)
@with_appcontext
def demo(responses: int | None) -> None:
    """Load instruments, create the demo survey with synthetic responses and an admin; print how to sign in."""
    from .instruments.audiences import audience_name, in_sentence
    from .services.demo import ensure_demo

    result = ensure_demo(
        current_app.config["INSTRUMENTS_DIR"],
        Path(current_app.instance_path),
        responses,
        _now(),
        current_app.config["SECRET_KEY"],
    )
    base = current_app.config["BASE_URL"].rstrip("/")
    click.echo(f"Admin e-mail: {result.admin_email}")
    click.echo(f"Password: {result.admin_password}")
    click.echo(f"Sign in: {base}/login")
    who = in_sentence(audience_name(result.respondent_audience))
    click.echo(f"Respondent link for {who} (survey '{result.slug}'): {base}/r/{result.respondent_token}")
    if result.delphi is not None:
        slug, number = result.delphi.slug, result.delphi.round
        click.echo(f"Delphi '{slug}', round {number}: role definition at {base}/delphi/{slug}")
        carried = " (answered round 1, so it shows its earlier answers)" if result.delphi.carried else ""
        for audience, token in result.delphi.links.items():
            click.echo(f"Delphi round {number} respondent link ({audience}){carried}: {base}/r/{token}")


@click.command("stats")
@click.argument("slug")
@click.option(
    "--by", default="audience", show_default=True, help="audience, wave, or a single-choice item key such as context.unit."
)
@click.option("--among", default=None, help="With --by a question or wave: one audience only (e.g. staff).")
@click.option("--format", "fmt", type=click.Choice(["json", "csv"]), default="json", show_default=True)
@click.option(
    "--table",
    default="scores",
    show_default=True,
    type=click.Choice(["scores", "overview", "comparisons", "pairs", "reliability", "gaps"]),
    help="With --format csv: which table.",
)
@click.option(
    "--as",
    "as_user",
    default=None,
    metavar="EMAIL",
    help="Show only what this account may see on the dashboard (its granted surveys and waves). "
    "Default: every wave, as the operator who can read the database anyway.",
)
@with_appcontext
def stats(slug: str, by: str, among: str | None, fmt: str, table: str, as_user: str | None) -> None:
    """Print the figures the dashboard shows for SLUG (same computation, suppression and publication steps applied)."""
    import datetime as dt
    import json

    from sqlalchemy import select

    from .db import User, db
    from .reporting.csvsafe import write_csv
    from .reporting.tables import build_table
    from .services.access import can_see
    from .services.dashboard import subscale_rows, survey_dashboard
    from .services.surveys import SurveyError, get_survey

    try:
        chosen = get_survey(slug)
        viewer = None
        if as_user is not None:
            viewer = db.session.scalar(select(User).where(User.email == as_user.strip().lower()))
            if viewer is None:
                raise SurveyError(f"no account for {as_user}")
            if not can_see(viewer, chosen):
                raise SurveyError(f"{viewer.email} has no access to {slug}")
        result = survey_dashboard(chosen, by, among=among, viewer=viewer, now=dt.datetime.now(dt.UTC), audit="dashboard.stats")
    except SurveyError as exc:
        raise click.ClickException(str(exc)) from exc
    if fmt == "json":
        click.echo(json.dumps(result, indent=2, ensure_ascii=False))
        return
    if table == "scores":
        rows = subscale_rows(result)
        columns = list(rows[0]) if rows else ["instrument", "subscale", "group", "n"]
        click.echo(write_csv(columns, [[r[c] for c in columns] for r in rows]), nl=False)
        return
    built = build_table(result, table)
    click.echo(write_csv(built.columns, built.exact_rows), nl=False)  # full precision, as the downloads


@click.command("report")
@click.argument("slug")
@click.option(
    "--by", default="audience", show_default=True, help="audience, wave, or a single-choice item key such as context.unit."
)
@click.option("--among", default=None, help="With --by a question or wave: one audience only (e.g. staff).")
@click.option("--language", default=None, help="One of the survey's languages (default: its first), e.g. he or ar.")
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), required=True, help="PDF file to write.")
@with_appcontext
def report(slug: str, by: str, among: str | None, language: str | None, out: Path) -> None:
    """Write SLUG's results report (findings, action plan, a page per instrument, method notes) as a PDF."""
    from flask import render_template
    from flask_babel import force_locale, gettext

    from .reporting.report import meeting_items, report_context, report_languages, write_pdf
    from .services.audit import log
    from .services.dashboard import survey_dashboard
    from .services.surveys import SurveyError, get_survey

    try:
        chosen = get_survey(slug)
        languages = report_languages(chosen)
        language = language or languages[0]
        if language not in languages:
            raise click.BadParameter(f"'{language}': the survey's languages are {', '.join(languages)}", param_hint="--language")
        result = survey_dashboard(chosen, by, among=among, viewer=None, now=_now(), audit=None, language=language)
    except SurveyError as exc:
        raise click.ClickException(str(exc)) from exc
    with force_locale(language):
        findings, actions = meeting_items(chosen, result, None, _now(), gettext)
        pdf = write_pdf(render_template, report_context(chosen, result, language, _now(), findings, actions))
    out.write_bytes(pdf)
    log("download.report", None, slug, {"by": by, "among": among, "language": language, "via": "cli"}, _now())
    click.echo(f"Wrote {out} ({language}, compared by {result['by_label']}): {len(result['instruments'])} instruments.")


@click.command("training")
@click.argument("slug")
@click.option("--format", "fmt", type=click.Choice(["json", "csv"]), default="json", show_default=True)
@with_appcontext
def training(slug: str, fmt: str) -> None:
    """Print SLUG's training-needs list from the PEER-PRACTICE 360 gaps (as on its page; suppression applied)."""
    import json

    from .reporting.csvsafe import write_csv
    from .reporting.training import TRAINING_COLUMNS, training_rows
    from .services.surveys import SurveyError, get_survey
    from .services.training import survey_training_needs

    try:
        result = survey_training_needs(get_survey(slug))
    except SurveyError as exc:
        raise click.ClickException(str(exc)) from exc
    if fmt == "json":
        click.echo(json.dumps(result, indent=2, ensure_ascii=False))
        return
    click.echo(write_csv(TRAINING_COLUMNS, training_rows(result)), nl=False)
    for note in result["notes"]:
        click.echo(f"note: {note}", err=True)


@click.command("export")
@click.argument("slug")
@click.option("--format", "fmt", default="wide", show_default=True, help="wide, long, scores, codebook, datapackage or spss.")
@click.option("--labels", is_flag=True, help="Answer labels instead of numeric codes (wide).")
@click.option("--raw", is_flag=True, help="Do not neutralise text cells that spreadsheets would read as formulas.")
@click.option("--bom", is_flag=True, help="Start CSV files with a UTF-8 byte order mark (for Excel).")
@click.option("--language", default=None, help="Language of labels (default: the survey's first).")
@click.option(
    "--out",
    "out",
    type=click.Path(path_type=Path),
    default=None,
    help="File to write (a directory for datapackage); default: standard output.",
)
@with_appcontext
def export(slug: str, fmt: str, labels: bool, raw: bool, bom: bool, language: str | None, out: Path | None) -> None:
    """Export SLUG's submitted responses for analysis (see docs/exports.md)."""
    from .reporting.exports import FORMATS, ExportOptions
    from .services.export import export_plan, record_export
    from .services.surveys import SurveyError, get_survey

    if fmt not in FORMATS:
        raise click.ClickException(f"unknown format '{fmt}'; choose one of: {', '.join(FORMATS)}")
    try:
        chosen = get_survey(slug)
    except SurveyError as exc:
        raise click.ClickException(str(exc)) from exc
    if language is not None and language not in chosen.languages:
        raise click.ClickException(f"the survey has no '{language}'; its languages: {', '.join(chosen.languages)}")
    options = ExportOptions(labels=labels, raw=raw, bom=bom, language=language)
    chunks = FORMATS[fmt].write(export_plan(chosen), options)
    if out is None:
        stream = click.get_binary_stream("stdout")
        for chunk in chunks:
            stream.write(chunk)
        stream.flush()
    else:
        with out.open("wb") as target:
            for chunk in chunks:
                target.write(chunk)
        click.echo(f"wrote {out}", err=True)
    record_export(chosen, fmt, None, _now(), {"labels": labels, "raw": raw, "via": "cli"})


@click.group()
def responses() -> None:
    """Responses collected elsewhere (paper, another tool): import them."""


@responses.command("import")
@click.argument("slug")
@click.argument("path", metavar="FILE.csv", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def responses_import(slug: str, path: Path) -> None:
    """Import FILE.csv (the wide export format, with an audience column) into survey SLUG.

    Every row is checked first: if any has a problem nothing is imported, each
    problem is printed (row, column, value, reason) and the exit status is 1.
    """
    from .services.importing import import_responses
    from .services.surveys import SurveyError, get_survey

    try:
        chosen = get_survey(slug)
    except SurveyError as exc:
        raise click.ClickException(str(exc)) from exc
    with path.open("rb") as source:
        report = import_responses(chosen, source, _now(), None)
    if not report.ok:
        for line in report.lines():
            click.echo(line, err=True)
        sys.exit(1)
    click.echo(report.summary())


@click.group()
def delphi() -> None:
    """Delphi rounds on the peer role: consensus per task and audience."""


@delphi.command("results")
@click.argument("slug")
@click.option("--format", "fmt", type=click.Choice(["json", "csv"]), default="json", show_default=True)
@with_appcontext
def delphi_results(slug: str, fmt: str) -> None:
    """Per role task of survey SLUG: each audience's ratings, the verdict and the do-now gap (small cells hidden).

    JSON also gives the round and, from round 2 on, the stability since the round before."""
    import json
    from dataclasses import asdict

    from .reporting.csvsafe import write_csv
    from .services.delphi import ROW_COLUMNS, result_rows, round_results
    from .services.delphi_rounds import round_stability
    from .services.surveys import SurveyError, get_survey

    try:
        survey = get_survey(slug)
        results = round_results(survey)
    except SurveyError as exc:
        raise click.ClickException(str(exc)) from exc
    if fmt == "json":
        out = {**results.as_dict(), "round": survey.round, "stability": [asdict(f) for f in round_stability(survey)]}
        click.echo(json.dumps(out, indent=2, ensure_ascii=False))
        return
    click.echo(write_csv(list(ROW_COLUMNS), result_rows(results)), nl=False)
    if results.note:
        click.echo(results.note, err=True)


@delphi.command("next-round")
@click.argument("slug")
@with_appcontext
def delphi_next_round(slug: str) -> None:
    """Create the next round of the Delphi survey SLUG (and close SLUG): same links, round SLUG's results as feedback."""
    from .services.delphi_rounds import next_round
    from .services.surveys import SurveyError, get_survey

    try:
        created = next_round(get_survey(slug), None, _now(), current_app.config["SECRET_KEY"])
    except SurveyError as exc:
        raise click.ClickException(str(exc)) from exc
    feedback = created.round_feedback or {}
    click.echo(
        f"created {created.slug} (round {created.round}, open) from {slug} (now closed): "
        f"{len(feedback.get('tasks', {}))} tasks asked, {len(feedback.get('dropped', []))} settled and dropped, "
        f"{len(feedback.get('confirm', []))} settled and shown for confirmation; the same links open it"
    )


@delphi.command("definition")
@click.argument("slug")
@click.option("--format", "fmt", type=click.Choice(["docx", "md", "csv"]), required=True)
@click.option("--lang", default=None, help="en, he or ar (default: the survey's first language).")
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), required=True, help="File to write.")
@with_appcontext
def delphi_definition(slug: str, fmt: str, lang: str | None, out: Path) -> None:
    """Write the draft job definition of Delphi SLUG (its consensus across rounds) as Word, Markdown or CSV."""
    from .reporting.job_definition import WRITERS
    from .services.audit import log
    from .services.delphi_definition import definition_languages, draft_job_definition
    from .services.surveys import SurveyError, get_survey

    try:
        survey = get_survey(slug)
        if lang is not None and lang not in definition_languages(survey):
            raise click.BadParameter(
                f"'{lang}': the survey's languages are {', '.join(definition_languages(survey))}", param_hint="--lang"
            )
        draft = draft_job_definition(survey, None, lang)
    except SurveyError as exc:
        raise click.ClickException(str(exc)) from exc
    out.write_bytes(WRITERS[fmt].write(draft.definition))
    detail = {"format": fmt, "language": draft.definition.language, "training_survey": draft.training_survey, "via": "cli"}
    log("download.job_definition", None, slug, detail, _now())
    tasks = draft.definition
    click.echo(
        f"Wrote {out} ({draft.definition.language}): {sum(len(d.tasks) for d in tasks.domains)} tasks in the role, "
        f"{len(tasks.boundaries)} boundaries, {len(tasks.contested)} contested, "
        f"{len(tasks.development_plan)} development-plan entries"
        + (f" from '{draft.training_survey}'." if draft.training_survey else ".")
    )
    if draft.training_note:
        click.echo(draft.training_note, err=True)


class _DatabaseGroup(click.Group):
    """Flask-Migrate's `db` commands (upgrade, downgrade, current, ...) joined on first use of `surveyapp db`.

    Importing them imports Alembic (about 0.3 s), which no other command and no web worker needs.
    """

    _joined = False

    def _join(self) -> None:
        if not self._joined:
            from flask_migrate.cli import db as migrations_group

            for name, command in migrations_group.commands.items():
                self.commands.setdefault(name, command)
            self.params = [*migrations_group.params, *self.params]  # --directory, --x-arg: read by the migration commands
            self.callback = migrations_group.callback
            self._joined = True

    def make_context(self, *args: Any, **kwargs: Any) -> click.Context:
        self._join()
        return super().make_context(*args, **kwargs)

    def list_commands(self, ctx: click.Context) -> list[str]:
        self._join()
        return super().list_commands(ctx)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        self._join()
        return super().get_command(ctx, cmd_name)


#: Flask-Migrate's `db` commands and Peerscope's backup and restore, in one group
database = _DatabaseGroup("db", help="Database migrations (Flask-Migrate), backups and restores.")


@database.command("backup")
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path), help="File to write (must not exist yet).")
@with_appcontext
def db_backup(out: Path) -> None:
    """Copy the whole database to a file while the app keeps running (see docs/deploy.md)."""
    from .services.backup import BackupError, backup_database

    started = time.perf_counter()
    try:
        info = backup_database(current_app.config["SQLALCHEMY_DATABASE_URI"], out)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    seconds = time.perf_counter() - started
    click.echo(f"backed up schema revision {info.revision} to {info.path} ({info.size / 1e6:.1f} MB in {seconds:.2f} s)")


@database.command("restore")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace a database that already holds data.")
@with_appcontext
def db_restore(file: Path, force: bool) -> None:
    """Replace the database with the backup FILE. Stop the app first; a database holding data needs --force."""
    from .db import db
    from .services.backup import BackupError, restore_database
    from .services.schema_revisions import head_revisions, known_revisions

    migrations = current_app.extensions["migrate"].directory
    db.engine.dispose()
    started = time.perf_counter()
    try:
        info = restore_database(current_app.config["SQLALCHEMY_DATABASE_URI"], file, known_revisions(migrations), force=force)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    seconds = time.perf_counter() - started
    click.echo(f"restored {file} (schema revision {info.revision}) in {seconds:.2f} s")
    if info.revision not in head_revisions(migrations):
        click.echo("the backup is from an earlier release: now run `surveyapp db upgrade`")


@click.command("validate")
@click.argument("slug")
@click.option(
    "--instrument", "instrument_id", default=None, help="One instrument's id (default: every instrument of the survey)."
)
@click.option(
    "--by",
    default="audience",
    show_default=True,
    help="Groups to compare: audience, or a single-choice question's key (instrument.item, as `stats` lists them).",
)
@click.option("--among", default=None, help="With --by QUESTION: only this audience's responses.")
@click.option("--format", "fmt", default="json", show_default=True, type=click.Choice(["json", "csv"]))
@with_appcontext
def validate(slug: str, instrument_id: str | None, by: str, among: str | None, fmt: str) -> None:
    """Print SLUG's instrument validation report: factor analyses and measurement invariance (docs/validation.md)."""
    import json

    from .reporting.csvsafe import write_csv
    from .services.surveys import SurveyError, get_survey
    from .services.validation import survey_validation, validation_rows

    try:
        result = survey_validation(get_survey(slug), instrument_id, by, among)
    except SurveyError as exc:
        raise click.ClickException(str(exc)) from exc
    if fmt == "json":
        click.echo(json.dumps(result, indent=2, ensure_ascii=False))
        return
    rows = validation_rows(result)
    columns = list(rows[0]) if rows else ["instrument", "analysis"]
    click.echo(write_csv(columns, [[r[c] for c in columns] for r in rows]), nl=False)


COMMANDS = (
    instruments,
    survey,
    invite,
    remind,
    mail,
    users,
    demo,
    stats,
    report,
    training,
    validate,
    export,
    responses,
    delphi,
    database,
)


def register_commands(app) -> None:
    """Attach Peerscope's commands to ``app.cli`` (so the test runner sees them too)."""
    for command in COMMANDS:
        app.cli.add_command(command)
