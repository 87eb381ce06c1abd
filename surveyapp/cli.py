"""The ``surveyapp`` command: Flask's CLI plus Peerscope's commands, thin over services."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

import click
from flask import current_app
from flask.cli import FlaskGroup, with_appcontext

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
        click.echo(f"ok    {instrument.id} {instrument.version}  ({len(instrument.items)} items)")
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


COMMANDS = (instruments,)


def register_commands(app) -> None:
    """Attach Peerscope's commands to ``app.cli`` (so the test runner sees them too)."""
    for command in COMMANDS:
        app.cli.add_command(command)
