"""Structural checks against the published JSON Schema, in an author's words.

jsonschema's own messages ("Additional properties are not allowed") name
neither the fix nor the likely typo; each validator kind that an author can
trigger gets a message here.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Callable, Iterator
from functools import cache
from importlib import resources
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from .problems import Path

__all__ = ["load_schema", "schema_problems", "suggested_id"]

Found = tuple[Path, str, str | None]  # (path, message, fix)


@cache
def load_schema(name: str = "schema.json") -> dict[str, Any]:
    return json.loads(resources.files(__package__).joinpath(name).read_text(encoding="utf-8"))


@cache
def _validator(name: str) -> Draft202012Validator:
    return Draft202012Validator(load_schema(name))


def schema_problems(data: Any, schema: str = "schema.json") -> list[Found]:
    """Every structural problem in ``data`` against the named schema, sorted by position in the file."""
    found: list[Found] = []
    for error in _validator(schema).iter_errors(data):
        found.extend(_explain(error))
    unique = list(dict.fromkeys(found))  # jsonschema reports a missing key once per required-check
    unique.sort(key=lambda f: [str(p) for p in f[0]])
    return _one_per_wrong_id(unique)


def _one_per_wrong_id(found: list[Found]) -> list[Found]:
    """An id of the wrong form ('A1') is reported once, where it first appears, naming the other places: an item
    used in five subscales and ten show_if conditions is one mistake with one fix, not fifteen messages."""
    first: dict[str, int] = {}
    others: dict[str, list[Path]] = {}
    out: list[Found] = []
    for path, message, fix in found:
        wrong = re.fullmatch(r"'(.+)' has the wrong form", message)
        if wrong is None or fix != _ID_FIX or path == ("id",):  # an instrument's own id may also use '-'
            out.append((path, message, fix))
            continue
        value = wrong.group(1)
        if value in first:
            others[value].append(path)
            continue
        first[value], others[value] = len(out), []
        out.append((path, message, fix))
    for value, index in first.items():
        path, _, _ = out[index]
        places = others[value]
        message = f"the id '{value}' has the wrong form: ids use lower-case letters, digits and '_', starting with a letter"
        if places:
            named = ", ".join(_place(p) for p in places[:3]) + (f" and {len(places) - 3} more" if len(places) > 3 else "")
            message += f" (it is also used at {named})"
        out[index] = (path, message, f"rename it to '{suggested_id(value)}' everywhere it appears")
    return out


def _place(path: Path) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else (f".{p}" if i else str(p)) for i, p in enumerate(path))


def suggested_id(value: str) -> str:
    """A legal id close to ``value``: 'A1' -> 'a1', 'Role Clarity' -> 'role_clarity', '2nd' -> 'q2nd'."""
    text = re.sub(r"[^a-z0-9_]+", "_", value.strip().lower()).strip("_") or "item"
    return text if text[0].isalpha() else f"q{text}"


def _explain(error: ValidationError) -> Iterator[Found]:
    path: Path = tuple(error.absolute_path)
    yield from _EXPLAINERS.get(str(error.validator), _fallback)(error, path)


def _type_name(value: Any) -> str:
    return {
        dict: "a mapping",
        list: "a list",
        str: "a string",
        bool: "true/false",
        int: "a whole number",
        float: "a number",
        type(None): "empty",
    }.get(type(value), type(value).__name__)


def _additional(error: ValidationError, path: Path) -> Iterator[Found]:
    allowed = sorted(error.schema.get("properties", {}))
    for key in sorted(set(error.instance) - set(allowed)):
        guess = difflib.get_close_matches(key, allowed, n=1)
        hint = f"did you mean '{guess[0]}'? " if guess else ""
        yield (*path, key), f"unknown key '{key}'", f"{hint}allowed keys here: {', '.join(allowed)}"


def _required(error: ValidationError, path: Path) -> Iterator[Found]:
    # jsonschema raises one error per missing key, each carrying the whole list: name only this one
    named = re.match(r"^'(.+)' is a required property$", error.message)
    missing = [named.group(1)] if named else [k for k in error.validator_value if k not in error.instance]
    for key in missing:
        yield path, f"the required key '{key}' is missing", f"add '{key}:'; see docs/instruments.md"


def _type(error: ValidationError, path: Path) -> Iterator[Found]:
    expected = error.validator_value
    names = {
        "object": "a mapping",
        "array": "a list",
        "string": "a string",
        "integer": "a whole number",
        "number": "a number",
        "boolean": "true or false",
    }
    wanted = " or ".join(names.get(t, t) for t in (expected if isinstance(expected, list) else [expected]))
    yield (
        path,
        f"must be {wanted}, found {_type_name(error.instance)} ({error.instance!r})",
        f"write it as {wanted}"
        + ('; quote text that YAML reads as a number or true/false, e.g. "1.0.0" or "yes"' if "string" in str(expected) else ""),
    )


def _enum(error: ValidationError, path: Path) -> Iterator[Found]:
    choices = ", ".join(str(v) for v in error.validator_value)
    guess = difflib.get_close_matches(str(error.instance), [str(v) for v in error.validator_value], n=1)
    hint = f"did you mean '{guess[0]}'? " if guess else ""
    yield path, f"'{error.instance}' is not allowed here", f"{hint}use one of: {choices}"


def _pattern(error: ValidationError, path: Path) -> Iterator[Found]:
    field = path[-1] if path else ""
    if field == "version":
        fix = 'write a quoted semantic version such as "1.0.0"'
    elif field in ("languages",) or (len(path) >= 2 and path[-2] == "languages"):
        fix = "use a 2- or 3-letter lower-case language code such as en, he, ar"
    elif field in ("slug", "series") and len(path) == 1:  # a survey spec's address and series
        fix = "use lower-case letters, digits and '-' (3 to 80 characters for a slug), e.g. peer-role-2026"
    else:
        fix = _ID_FIX
    yield path, f"'{error.instance}' has the wrong form", fix


_ID_FIX = "use lower-case letters, digits and '_' (ids of instruments may also use '-'), starting with a letter"


def _min_items(error: ValidationError, path: Path) -> Iterator[Found]:
    yield path, f"needs at least {error.validator_value} entries, found {len(error.instance)}", "add the missing entries"


def _min_properties(error: ValidationError, path: Path) -> Iterator[Found]:
    yield path, "must not be empty", "give a text for every language of the instrument"


def _any_of(error: ValidationError, path: Path) -> Iterator[Found]:
    yield (
        path,
        f"must be a text, or a text for each language, found {_type_name(error.instance)}",
        "write either 'en: ...' lines, or one block per audience ('peer:' then 'en: ...')",
    )


def _unique(error: ValidationError, path: Path) -> Iterator[Found]:
    yield path, "lists the same entry twice", "remove the duplicate"


def _bounds(error: ValidationError, path: Path) -> Iterator[Found]:
    limit = error.validator_value
    relation = {"minimum": "at least", "maximum": "at most", "exclusiveMinimum": "greater than"}[str(error.validator)]
    yield path, f"{error.instance!r} is out of range", f"use a value {relation} {limit}"


def _fallback(error: ValidationError, path: Path) -> Iterator[Found]:
    yield path, error.message, "see docs/instruments.md for this field"


_EXPLAINERS: dict[str, Callable[[ValidationError, Path], Iterator[Found]]] = {
    "additionalProperties": _additional,
    "required": _required,
    "type": _type,
    "enum": _enum,
    "pattern": _pattern,
    "minItems": _min_items,
    "minProperties": _min_properties,
    "anyOf": _any_of,
    "uniqueItems": _unique,
    "minimum": _bounds,
    "maximum": _bounds,
    "exclusiveMinimum": _bounds,
}
