"""The SPSS .sav export: codes with variable labels, value labels and user-missing codes (pyreadstat)."""

from __future__ import annotations

import datetime as dt
import re
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from ..instruments.wide_columns import Variable
from ..services.export import ExportPlan, iter_wide_rows
from .column_words import substantive, text_in
from .export_format import ExportFormat, ExportOptions

__all__ = ["SPSS", "spss", "spss_names"]

CHUNK_BYTES = 64 * 1024
SPSS_NAME_BYTES = 64
SPSS_LABEL_BYTES = 256
SPSS_VALUE_LABEL_BYTES = 120
SPSS_RESERVED = frozenset({"ALL", "AND", "BY", "EQ", "GE", "GT", "LE", "LT", "NE", "NOT", "OR", "TO", "WITH"})


def spss_names(names: Sequence[str]) -> dict[str, str]:
    """Deterministic SPSS-legal names: ASCII letters, digits and _, starting with a letter, at most
    64 bytes, not a reserved word, unique ignoring case ("_2", "_3", ... on collisions)."""
    out: dict[str, str] = {}
    taken: set[str] = set()
    for name in names:
        base = re.sub(r"[^A-Za-z0-9_]", "_", name)
        if not re.match(r"[A-Za-z]", base):
            base = "v_" + base
        if base.upper() in SPSS_RESERVED:
            base += "_"
        base = base[:SPSS_NAME_BYTES]
        candidate, n = base, 1
        while candidate.lower() in taken:
            n += 1
            suffix = f"_{n}"
            candidate = base[: SPSS_NAME_BYTES - len(suffix)] + suffix
        taken.add(candidate.lower())
        out[name] = candidate
    return out


def _clip(text: str, limit: int) -> str:
    """At most ``limit`` UTF-8 bytes, cut on a character boundary."""
    encoded = text.encode("utf-8")
    if len(encoded) <= limit:
        return text
    return encoded[: limit - 3].decode("utf-8", "ignore") + "…"


def _spss_missing(variable: Variable) -> list[Any]:
    """User-missing values: at most three discrete codes, or one range plus one code (no answer code inside)."""
    codes = sorted({float(c) for c in variable.missing})
    if len(codes) <= 3:
        return list(codes)
    answers = [float(c) for c in substantive(variable)]
    for single in [*codes[::-1], None]:
        rest = [c for c in codes if c != single]
        low, high = min(rest), max(rest)
        if not any(low <= a <= high for a in answers):
            return [{"lo": low, "hi": high}, *([single] if single is not None else [])]
    return [{"lo": codes[0], "hi": codes[1]}, codes[2]]  # cannot express them all: keep -9/-8 and one more


def _spss_measure(variable: Variable) -> str:
    if variable.type == "string":
        return "nominal"
    if variable.kind == "option" or variable.item_type == "single":
        return "nominal"
    if variable.item_type == "likert":
        return "ordinal"
    return "scale"


def _spss_column(variable: Variable, values: list[Any], anonymous: bool) -> Any:
    import numpy as np
    import pandas as pd

    if variable.type in ("integer", "number"):
        return np.array([v if isinstance(v, int | float) else np.nan for v in values], dtype=np.float64)
    if variable.type == "date":
        present = [v if isinstance(v, str) and v else None for v in values]
        if anonymous:  # dates only: SPSS DATE
            return pd.Series([None if v is None else dt.date.fromisoformat(v) for v in present], dtype=object)
        return pd.to_datetime(pd.Series([None if v is None else _naive_utc(v) for v in present], dtype=object))
    return pd.Series(["" if v is None else str(v) for v in values], dtype=object)


def _naive_utc(text: str) -> dt.datetime:
    moment = dt.datetime.fromisoformat(text)
    return moment.astimezone(dt.UTC).replace(tzinfo=None) if moment.tzinfo else moment


def _spss_label(variable: Variable, name: str, language: str) -> str:
    """The variable label: the column name used in the CSV files (when SPSS's differs), then the wording, or each
    audience's own wording where they differ ("[peer] I know my tasks. | [staff] Peers know their tasks."), each
    shortened to an equal share of SPSS's 256 bytes when together they are longer."""
    prefix = "" if name == variable.name else f"{variable.name}: "
    wordings = {a: text_in(t, language) for a, t in variable.texts_by_audience.items()}
    if len(set(wordings.values())) < 2:
        return _clip(prefix + variable.label_in(language), SPSS_LABEL_BYTES)
    suffix = variable.label_in(language)[len(next(iter(wordings.values()))) :]  # " — option" of a multi's column
    parts = [f"[{a}] {w}{suffix}" for a, w in wordings.items()]
    separator = " | "
    whole = prefix + separator.join(parts)
    if len(whole.encode("utf-8")) <= SPSS_LABEL_BYTES:
        return whole
    budget = (SPSS_LABEL_BYTES - len(prefix.encode("utf-8")) - len(separator) * (len(parts) - 1)) // len(parts)
    return prefix + separator.join(_clip(part, budget) for part in parts)


def _spss_arguments(plan: ExportPlan, names: Mapping[str, str], language: str) -> dict[str, Any]:
    labels: dict[str, str] = {}
    value_labels: dict[str, dict[float, str]] = {}
    missing: dict[str, list[Any]] = {}
    measure: dict[str, str] = {}
    formats: dict[str, str] = {}
    for variable in plan.variables:
        name = names[variable.name]
        labels[name] = _spss_label(variable, name, language)
        measure[name] = _spss_measure(variable)
        if variable.values:
            value_labels[name] = {
                float(code): _clip(text_in(lab, language), SPSS_VALUE_LABEL_BYTES) for code, lab in variable.values
            }
        if variable.missing:
            missing[name] = _spss_missing(variable)
        if variable.type == "integer":
            formats[name] = "F8.0"
        elif variable.type == "number":
            formats[name] = "F8.2"
    return {
        "column_labels": labels,
        "variable_value_labels": value_labels,
        "missing_ranges": missing,
        "variable_measure": measure,
        "variable_format": formats,
    }


def spss(plan: ExportPlan, options: ExportOptions) -> Iterator[bytes]:
    """An SPSS .sav file with variable labels, value labels and user-missing codes.

    pyreadstat writes a whole data frame, so the responses are held in memory
    once (as columns) while the file is written to a temporary directory.
    """
    import pandas as pd
    import pyreadstat

    survey = plan.survey
    language = options.language or survey.languages[0]
    anonymous = survey.anonymity == "anonymous"
    names = spss_names([v.name for v in plan.variables])
    columns: list[list[Any]] = [[] for _ in plan.variables]
    for row in iter_wide_rows(plan):
        for column, value in zip(columns, row, strict=True):
            column.append(value)
    frame = pd.DataFrame(
        {names[v.name]: _spss_column(v, values, anonymous) for v, values in zip(plan.variables, columns, strict=True)}
    )
    del columns
    notes = [
        _clip(f"Peerscope export of survey {survey.slug}; anonymity: {survey.anonymity}.", 80),
        "Variable labels start with the column name used in the CSV files.",
        "Codes: -9 prefer not to answer; -8 not shown; system-missing = not answered.",
    ]
    if any(v.task for v in plan.variables):
        notes.append("Role tasks: <task> role rating 1-4 (9 don't know), _now how often 1-5, _note.")
    with tempfile.TemporaryDirectory(prefix="peerscope-sav-") as directory:
        path = Path(directory) / "export.sav"
        pyreadstat.write_sav(
            frame,
            path,
            file_label=_clip(text_in(survey.title, language), 64),
            note=notes,
            **_spss_arguments(plan, names, language),
        )
        del frame
        with path.open("rb") as source:
            while chunk := source.read(CHUNK_BYTES):
                yield chunk


SPSS = ExportFormat(
    "spss",
    "{slug}.sav",
    "application/x-spss-sav",
    spss,
    "SPSS .sav: codes with variable labels, value labels and user-missing codes",
)
