"""The Frictionless data package export: a ZIP of the wide CSV and datapackage.json with a Table Schema describing
every column (the same ``Variable`` list as the CSV codebook, so names, codes and labels agree)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import io
import json
import re
import zipfile
from collections.abc import Iterator, Sequence
from typing import Any

from ..instruments.wide_columns import Variable
from ..services.export import ExportPlan
from .column_words import MISSING_LEGEND, column_type, describe, substantive, text_in
from .csv_formats import wide
from .export_format import ExportFormat, ExportOptions

__all__ = ["DATAPACKAGE", "datapackage", "datapackage_descriptor", "table_schema"]


def _package_name(slug: str) -> str:
    return re.sub(r"[^-a-z0-9._]", "-", slug.lower()) or "survey"


def _schema_field(variable: Variable, languages: Sequence[str], language: str, anonymous: bool) -> dict[str, Any]:
    field: dict[str, Any] = {
        "name": variable.name,
        "title": variable.label_in(language),
        "description": "\n".join(describe(variable, languages)),
        "type": column_type(variable, anonymous),
    }
    if variable.type == "integer" and substantive(variable):
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
    if variable.kind == "item" and substantive(variable):
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
        f"Submitted responses to the survey '{text_in(survey.title, survey.languages[0])}', one row per response "
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
        "title": text_in(survey.title, language or survey.languages[0]),
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


DATAPACKAGE = ExportFormat(
    "datapackage",
    "{slug}-datapackage.zip",
    "application/zip",
    datapackage,
    "Frictionless data package (ZIP): the wide CSV with a Table Schema describing every column",
)
