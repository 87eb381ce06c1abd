"""Export formats beyond plain CSV: a Frictionless data package, an SPSS .sav file and an HTML codebook.

All three describe the columns from the same ``Variable`` list as the wide CSV
and the CSV codebook, so a column's name, type, codes and labels agree across
formats. Importing this module registers the formats in ``exports.FORMATS``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import io
import json
import re
import tempfile
import zipfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import jinja2

from ..instruments import NOT_SHOWN, PREFER_NOT_TO_ANSWER
from ..services.export import ExportPlan, iter_wide_rows
from .exports import ExportFormat, ExportOptions, register, wide
from .variables import Variable

__all__ = [
    "codebook_html",
    "codebook_html_context",
    "datapackage",
    "datapackage_descriptor",
    "render_codebook_html",
    "spss",
    "spss_names",
    "table_schema",
]

CHUNK_BYTES = 64 * 1024
TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
RTL_LANGUAGES = frozenset({"ar", "fa", "he", "ur", "yi"})
MISSING_LEGEND = (
    (str(PREFER_NOT_TO_ANSWER), "Prefer not to answer: the respondent chose not to answer"),
    (str(NOT_SHOWN), "Not shown: the item was not asked of this respondent (audience or skip logic)"),
    ("empty", "Not answered: shown, but left empty"),
)


# -- shared helpers ---------------------------------------------------------------------------------------------


def _text(labels: Mapping[str, str], language: str) -> str:
    return labels.get(language) or labels.get("en") or next(iter(labels.values()), "")


#: what each stored question of a role task holds, for codebooks and file notes
TASK_PART_WORDS: Mapping[str, str] = {
    "role": "should this be part of the peer specialist's role (1 should not be done by peers .. 4 essential)",
    "frequency": "how often the respondent does this now (1 never .. 5 daily)",
    "comment": "free-text comment on the task",
}


def _substantive(variable: Variable) -> list[int]:
    """The codes of a coded column that are real answers (empty for free numbers and text)."""
    return [code for code, _ in variable.values if code not in variable.missing]


def _column_type(variable: Variable, anonymous: bool) -> str:
    """Submission dates carry a time unless the survey is anonymous."""
    return "datetime" if variable.type == "date" and not anonymous else variable.type


def _number(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


def _describe(variable: Variable, languages: Sequence[str]) -> list[str]:
    """Plain-text lines describing a column: wording, instrument, codes, missing codes, scoring."""
    labelled = [lang for lang in languages if variable.label.get(lang)]
    if len(labelled) > 1:
        lines = [" | ".join(f"[{lang}] {variable.label[lang]}" for lang in labelled)]
    else:
        lines = [variable.label_in(languages[0])]
    wordings = variable.texts_by_audience
    if len({tuple(sorted(t.items())) for t in wordings.values()}) > 1:
        for audience, text in wordings.items():
            lines.append(f"Asked of {audience}: " + " | ".join(f"[{lang}] {text[lang]}" for lang in languages if lang in text))
    if variable.instrument:
        lines.append(f"Instrument {variable.instrument} {variable.instrument_version} (content hash {variable.content_hash}).")
    if variable.task:
        lines.append(
            f"Role task {variable.task}, domain {variable.domain} ({_text(variable.domain_title, languages[0])}): "
            f"{TASK_PART_WORDS.get(variable.task_part or '', variable.task_part)}; not scored."
        )
    if variable.values:
        lines.append("Codes: " + "; ".join(f"{code} = {_text(labels, languages[0])}" for code, labels in variable.values) + ".")
    if variable.missing:
        lines.append("Missing codes (not answers): " + ", ".join(str(code) for code in variable.missing) + ".")
    if variable.kind == "item" and _substantive(variable):
        lines.append("Reverse-keyed." if variable.reverse else "Not reverse-keyed.")
    if variable.subscales:
        lines.append("Scored in subscale(s): " + ", ".join(variable.subscales) + ".")
    if variable.scoring:
        lines.append(f"Scoring: {variable.scoring}.")
    if variable.minimum is not None and variable.maximum is not None:
        lines.append(f"Valid range {_number(variable.minimum)} to {_number(variable.maximum)}.")
    return lines


# -- Frictionless data package ----------------------------------------------------------------------------------


def _package_name(slug: str) -> str:
    return re.sub(r"[^-a-z0-9._]", "-", slug.lower()) or "survey"


def _schema_field(variable: Variable, languages: Sequence[str], language: str, anonymous: bool) -> dict[str, Any]:
    field: dict[str, Any] = {
        "name": variable.name,
        "title": variable.label_in(language),
        "description": "\n".join(_describe(variable, languages)),
        "type": _column_type(variable, anonymous),
    }
    if variable.type == "integer" and _substantive(variable):
        # Every code the column can hold, -9/-8 and "don't know"-style codes included: they are valid integers.
        field["constraints"] = {"enum": [code for code, _ in variable.values]}
    field["peerscope:kind"] = variable.kind
    field["peerscope:labels"] = dict(variable.label)
    if variable.instrument:
        field["peerscope:instrument"] = variable.instrument
        field["peerscope:instrumentVersion"] = variable.instrument_version
        field["peerscope:contentHash"] = variable.content_hash
    if variable.item:
        field["peerscope:item"] = variable.item
        field["peerscope:itemType"] = variable.item_type
    if variable.task:
        field["peerscope:task"] = {
            "id": variable.task,
            "part": variable.task_part,
            "domain": variable.domain,
            "domainTitle": dict(variable.domain_title),
        }
    if variable.audiences:
        field["peerscope:audiences"] = list(variable.audiences)
    if variable.values:
        field["peerscope:values"] = [{"value": code, "labels": dict(labels)} for code, labels in variable.values]
    if variable.missing:
        field["peerscope:missing"] = list(variable.missing)
    if variable.kind == "item" and _substantive(variable):
        field["peerscope:reverseKeyed"] = variable.reverse
    if variable.subscales:
        field["peerscope:subscales"] = list(variable.subscales)
    if variable.scoring:
        field["peerscope:scoring"] = variable.scoring
    if variable.minimum is not None and variable.maximum is not None:
        # Described, not constrained: -9/-8 lie outside the substantive range.
        field["peerscope:range"] = {"minimum": variable.minimum, "maximum": variable.maximum}
    return field


def table_schema(plan: ExportPlan, language: str | None = None) -> dict[str, Any]:
    """A Table Schema with one field per column of the wide file, in order."""
    survey = plan.survey
    languages = list(survey.languages)
    anonymous = survey.anonymity == "anonymous"
    return {
        "fields": [_schema_field(v, languages, language or languages[0], anonymous) for v in plan.variables],
        "missingValues": [""],
        "primaryKey": ["response_id"],
    }


def _package_description(plan: ExportPlan) -> str:
    survey = plan.survey
    if survey.anonymity == "anonymous":
        mode = "anonymous: response ids are random and not linked to any invitation; submission dates have no time"
    else:
        mode = f"{survey.anonymity}: submission times are given to the second (UTC)"
    legend = "; ".join(f"{code} = {meaning}" for code, meaning in MISSING_LEGEND)
    return (
        f"Submitted responses to the survey '{_text(survey.title, survey.languages[0])}', one row per response "
        f"(wide format), exported from Peerscope. Anonymity mode: {mode}. Missing codes in item columns: {legend}. "
        "This is the data of the organisation that ran the survey: no licence is granted by this file; share it "
        "only as that organisation's data-protection rules allow. The instruments' own licences are listed under "
        "peerscope:instruments."
    )


def datapackage_descriptor(
    plan: ExportPlan,
    resource_path: str,
    created: dt.datetime,
    csv_bytes: int | None = None,
    csv_sha256: str | None = None,
    language: str | None = None,
) -> dict[str, Any]:
    """datapackage.json for the wide CSV at ``resource_path`` (relative to the descriptor)."""
    survey = plan.survey
    name = _package_name(survey.slug)
    resource: dict[str, Any] = {
        "name": f"{name}-wide",
        "profile": "tabular-data-resource",
        "path": resource_path,
        "format": "csv",
        "mediatype": "text/csv",
        "encoding": "utf-8",
    }
    if csv_bytes is not None:
        resource["bytes"] = csv_bytes
    if csv_sha256 is not None:
        resource["hash"] = f"sha256:{csv_sha256}"
    resource["schema"] = table_schema(plan, language)
    return {
        "profile": "tabular-data-package",
        "name": name,
        "title": _text(survey.title, language or survey.languages[0]),
        "description": _package_description(plan),
        "created": created.astimezone(dt.UTC).replace(microsecond=0, tzinfo=None).isoformat() + "Z",
        "peerscope:anonymity": survey.anonymity,
        "peerscope:languages": list(survey.languages),
        "peerscope:wave": survey.wave or 1,
        "peerscope:instruments": [
            {
                "id": i.id,
                "version": i.version,
                "contentHash": i.content_hash,
                "title": dict(i.title),
                "citation": i.citation,
                "licence": dict(i.licence),
            }
            for i in plan.instruments
        ],
        "resources": [resource],
    }


class _Pipe(io.RawIOBase):
    """An unseekable sink: ZipFile writes into it (with data descriptors), the generator drains it."""

    def __init__(self) -> None:
        super().__init__()
        self._buffer = bytearray()

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        self._buffer += data
        return len(data)

    def drain(self) -> bytes:
        out = bytes(self._buffer)
        self._buffer.clear()
        return out


def _member(name: str, created: dt.datetime) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=created.timetuple()[:6])
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    return info


def datapackage(plan: ExportPlan, options: ExportOptions) -> Iterator[bytes]:
    """A ZIP of datapackage.json and the wide CSV (codes, UTF-8 without BOM), streamed as it is built."""
    slug = plan.survey.slug
    created = dt.datetime.now(dt.UTC).replace(microsecond=0)
    csv_path = f"data/{slug}-wide.csv"
    pipe = _Pipe()
    digest, size = hashlib.sha256(), 0
    with zipfile.ZipFile(pipe, "w") as archive:
        with archive.open(_member(csv_path, created), "w") as member:
            for chunk in wide(plan, dataclasses.replace(options, labels=False, bom=False)):
                member.write(chunk)
                digest.update(chunk)
                size += len(chunk)
                if pipe_bytes := pipe.drain():
                    yield pipe_bytes
        descriptor = datapackage_descriptor(plan, csv_path, created, size, digest.hexdigest(), options.language)
        archive.writestr(_member("datapackage.json", created), json.dumps(descriptor, ensure_ascii=False, indent=2) + "\n")
    yield pipe.drain()


# -- SPSS .sav --------------------------------------------------------------------------------------------------

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
    answers = [float(c) for c in _substantive(variable)]
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


def _spss_arguments(plan: ExportPlan, names: Mapping[str, str], language: str) -> dict[str, Any]:
    labels: dict[str, str] = {}
    value_labels: dict[str, dict[float, str]] = {}
    missing: dict[str, list[Any]] = {}
    measure: dict[str, str] = {}
    formats: dict[str, str] = {}
    for variable in plan.variables:
        name = names[variable.name]
        text = variable.label_in(language)
        labels[name] = _clip(text if name == variable.name else f"{variable.name}: {text}", SPSS_LABEL_BYTES)
        measure[name] = _spss_measure(variable)
        if variable.values:
            value_labels[name] = {
                float(code): _clip(_text(lab, language), SPSS_VALUE_LABEL_BYTES) for code, lab in variable.values
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
            frame, path, file_label=_clip(_text(survey.title, language), 64), note=notes, **_spss_arguments(plan, names, language)
        )
        del frame
        with path.open("rb") as source:
            while chunk := source.read(CHUNK_BYTES):
                yield chunk


# -- HTML codebook ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LangText:
    lang: str
    text: str

    @property
    def dir(self) -> str:
        return "rtl" if self.lang.split("-")[0] in RTL_LANGUAGES else "ltr"


@dataclass(frozen=True)
class CodebookValue:
    code: int
    labels: tuple[LangText, ...]


@dataclass(frozen=True)
class CodebookRow:
    name: str
    kind: str
    instrument: str
    type: str
    item_type: str
    labels: tuple[LangText | None, ...]  # one per survey language, None where the variable has no label in it
    wordings: tuple[tuple[str, tuple[LangText, ...]], ...]  # (audience, texts) when wording differs by audience
    values: tuple[CodebookValue, ...]
    missing: str
    reverse: str
    subscales: str
    audiences: str
    scoring: str
    range: str
    task: str = ""  # "role task <id> (<domain>): <question>" for role-task columns


@dataclass(frozen=True)
class CodebookInstrument:
    id: str
    title: str
    version: str
    content_hash: str
    licence: str
    citation: str
    rows: tuple[CodebookRow, ...]


def _lang_texts(labels: Mapping[str, str], languages: Sequence[str]) -> tuple[LangText, ...]:
    found = tuple(LangText(lang, labels[lang]) for lang in languages if labels.get(lang))
    return found or tuple(LangText(lang, text) for lang, text in list(labels.items())[:1])


def _row_labels(variable: Variable, languages: Sequence[str]) -> tuple[LangText | None, ...]:
    """One cell per survey language; a label in none of them (metadata: English) goes in the first."""
    labels = tuple(LangText(lang, variable.label[lang]) if variable.label.get(lang) else None for lang in languages)
    if any(labels):
        return labels
    fallback = next(iter(variable.label.items()), ("en", ""))
    return (LangText(*fallback), *[None] * (len(languages) - 1))


def _codebook_row(variable: Variable, languages: Sequence[str]) -> CodebookRow:
    wordings = variable.texts_by_audience
    differs = len({tuple(sorted(t.items())) for t in wordings.values()}) > 1
    coded = variable.kind == "item" and bool(_substantive(variable))
    return CodebookRow(
        name=variable.name,
        kind=variable.kind,
        instrument=variable.instrument or "",
        type=variable.type,
        item_type=variable.item_type or "",
        labels=_row_labels(variable, languages),
        wordings=tuple((a, _lang_texts(t, languages)) for a, t in wordings.items()) if differs else (),
        values=tuple(CodebookValue(code, _lang_texts(labels, languages)) for code, labels in variable.values),
        missing=", ".join(str(code) for code in variable.missing),
        reverse=("yes" if variable.reverse else "no") if coded else "",
        subscales=", ".join(variable.subscales),
        audiences=", ".join(variable.audiences),
        scoring=variable.scoring or "",
        range=f"{_number(variable.minimum)} to {_number(variable.maximum)}"
        if variable.minimum is not None and variable.maximum is not None
        else "",
        task=f"role task {variable.task} ({_text(variable.domain_title, languages[0])}): {variable.task_part}"
        if variable.task
        else "",
    )


def codebook_html_context(plan: ExportPlan) -> dict[str, Any]:
    """Everything the HTML codebook template shows (pure: no request, no clock)."""
    survey = plan.survey
    languages = list(survey.languages)
    rows: dict[str | None, list[CodebookRow]] = {i.id: [] for i in plan.instruments}
    meta: list[CodebookRow] = []
    scores: list[CodebookRow] = []
    for variable in plan.variables:
        row = _codebook_row(variable, languages)
        if variable.kind == "meta":
            meta.append(row)
        elif variable.kind == "score":
            scores.append(row)
        else:
            rows.setdefault(variable.instrument, []).append(row)
    instruments = [
        CodebookInstrument(
            i.id,
            _text(i.title, languages[0]),
            i.version,
            i.content_hash,
            str(i.licence.get("name", "")),
            i.citation,
            tuple(rows.get(i.id, ())),
        )
        for i in plan.instruments
    ]
    return {
        "title": _text(survey.title, languages[0]),
        "titles": _lang_texts(survey.title, languages),
        "slug": survey.slug,
        "wave": survey.wave or 1,
        "anonymity": survey.anonymity,
        "languages": [LangText(lang, lang) for lang in languages],
        "missing_legend": MISSING_LEGEND,
        "meta": meta,
        "instruments": instruments,
        "scores": scores,
    }


@cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render_codebook_html(plan: ExportPlan) -> str:
    """The codebook as a standalone HTML page (no Flask, no url_for: it is a downloaded file)."""
    return _environment().get_template("exports/codebook.html").render(**codebook_html_context(plan))


def codebook_html(plan: ExportPlan, options: ExportOptions) -> Iterator[bytes]:
    yield render_codebook_html(plan).encode("utf-8")


register(
    ExportFormat(
        "datapackage",
        "{slug}-datapackage.zip",
        "application/zip",
        datapackage,
        "Frictionless data package (ZIP): the wide CSV with a Table Schema describing every column",
    )
)
register(
    ExportFormat(
        "spss",
        "{slug}.sav",
        "application/x-spss-sav",
        spss,
        "SPSS .sav: codes with variable labels, value labels and user-missing codes",
    )
)
register(
    ExportFormat(
        "codebook-html",
        "{slug}-codebook.html",
        "text/html",
        codebook_html,
        "the codebook as a readable web page (one table per instrument, then the scores)",
    )
)
