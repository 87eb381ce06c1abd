"""Loading instrument files and directories; every problem names its file."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path as FsPath
from typing import Any

from .model import Instrument
from .parse import parse_definition
from .problems import InstrumentError, Problem
from .yamlread import InstrumentYAMLError, read_yaml

__all__ = ["check_files", "instrument_from_snapshot", "load_directory", "load_file", "load_text"]


def load_text(text: str, source: str, expected_id: str | None = None) -> Instrument:
    try:
        data, lines = read_yaml(text, source)
    except InstrumentYAMLError as exc:
        raise InstrumentError([exc.problem]) from exc
    return parse_definition(data, source, lines, expected_id)


def load_file(path: FsPath | str, display_name: str | None = None) -> Instrument:
    path = FsPath(path)
    source = display_name or str(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InstrumentError([Problem(source, None, (), f"cannot read the file: {exc.strerror}", "check the path")]) from exc
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise InstrumentError(
            [Problem(source, line, (), "the file is not UTF-8 text", "save it as UTF-8 (the encoding for Hebrew and Arabic too)")]
        ) from exc
    # Templates (*.example.yaml) are meant to be copied and renamed, so their id need not match.
    expected_id = None if path.name.endswith(".example.yaml") else path.stem
    return load_text(text, source, expected_id=expected_id)


def check_files(paths: Iterable[FsPath | str]) -> tuple[list[Instrument], list[Problem]]:
    """Load every file; return what loaded and every problem, including clashes between files."""
    loaded: list[Instrument] = []
    problems: list[Problem] = []
    owners: dict[str, str] = {}
    for path in paths:
        try:
            instrument = load_file(path)
        except InstrumentError as exc:
            problems.extend(exc.problems)
            continue
        if instrument.id in owners:
            problems.append(
                Problem(
                    str(path),
                    None,
                    ("id",),
                    f"the id '{instrument.id}' is also used by {owners[instrument.id]}",
                    "give each instrument its own id",
                )
            )
            continue
        owners[instrument.id] = str(path)
        loaded.append(instrument)
    return loaded, problems


def instrument_files(directory: FsPath | str) -> list[FsPath]:
    return sorted(p for p in FsPath(directory).glob("*.yaml") if p.is_file())


def load_directory(directory: FsPath | str) -> dict[str, Instrument]:
    """Every instrument in ``directory``; raises with all problems if any file is broken."""
    files = instrument_files(directory)
    loaded, problems = check_files(files)
    if problems:
        raise InstrumentError(problems)
    return {i.id: i for i in loaded}


def instrument_from_snapshot(definition: Mapping[str, Any] | str, source: str) -> Instrument:
    """Rebuild an instrument from the JSON snapshot stored when it was published."""
    data = json.loads(definition) if isinstance(definition, str) else definition
    return parse_definition(dict(data), source)
