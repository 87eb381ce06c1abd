"""The survey builder's form, read into a survey spec (the same mapping a YAML file gives) and back.

No validation here: the spec goes to instruments.survey_spec.check_survey_spec
like an imported file, so the same mistake gets the same message.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from werkzeug.datastructures import MultiDict

from ..instruments import Instrument
from ..instruments.survey_parts import part_choices

TEXTS = ("title", "consent", "thank_you", "support")
OPTIONAL_TEXTS = ("thank_you", "support")
#: rows for skip rules shown beyond the ones a spec already has
BLANK_RULES = 1


def spec_from_form(form: MultiDict[str, str], catalogue: Mapping[str, Instrument], languages: Sequence[str]) -> dict[str, Any]:
    chosen_languages = [lang for lang in languages if lang in form.getlist("languages")]
    spec: dict[str, Any] = {}
    if form.get("slug", "").strip():
        spec["slug"] = form["slug"].strip()
    for key in TEXTS:
        texts = {lang: form.get(f"{key}.{lang}", "").strip() for lang in chosen_languages}
        if key in OPTIONAL_TEXTS and not any(texts.values()):
            continue
        spec[key] = texts
    if form.get("series", "").strip():
        spec["series"] = form["series"].strip()
    for key in ("wave", "min_cell_size"):
        raw = form.get(key, "").strip()
        if raw:
            spec[key] = int(raw) if raw.lstrip("-").isdigit() else raw
    chosen = [k for k in catalogue if k in form.getlist("instruments")]
    chosen.sort(key=lambda k: (_number(form.get(f"order.{k}")), list(catalogue).index(k)))
    spec["instruments"] = chosen
    spec["audiences"] = [a for a in form.getlist("audiences") if a]
    spec["languages"] = chosen_languages
    spec["anonymity"] = form.get("anonymity", "anonymous")
    for key in ("opens_at", "closes_at"):
        if form.get(key, "").strip():
            spec[key] = form[key].strip()
    forms = {}
    for key in chosen:
        parts = [p for p in form.getlist(f"parts.{key}") if p]
        every_section = {s.id for s in catalogue[key].sections}
        if parts and not (every_section and set(parts) >= every_section):
            forms[key] = parts
    if forms:
        spec["short_forms"] = forms
    rules = []
    for number in range(_number(form.get("rules"), 0) + BLANK_RULES + 10):
        rule = _rule(form, number)
        if rule is not None:
            rules.append(rule)
    if rules:
        spec["routing"] = rules
    return spec


def _number(raw: str | None, default: int = 999) -> int:
    try:
        return int(raw or "")
    except ValueError:
        return default


def _rule(form: MultiDict[str, str], number: int) -> dict[str, Any] | None:
    answers = [v for v in form.getlist(f"rule.{number}.when") if "=" in v]
    skip = [v for v in form.getlist(f"rule.{number}.skip") if v]
    if not answers and not skip:
        return None
    by_item: dict[str, list[int | str]] = {}
    for value in answers:
        item, _, code = value.partition("=")
        by_item.setdefault(item, []).append(int(code) if code.lstrip("-").isdigit() else code)
    tests = [{"item": i, "equals": c[0]} if len(c) == 1 else {"item": i, "in": c} for i, c in by_item.items()]
    rule: dict[str, Any] = {"when": tests[0] if len(tests) == 1 else ({"any": tests} if tests else {}), "skip": skip}
    audiences = [a for a in form.getlist(f"rule.{number}.audiences") if a]
    if audiences:
        rule["audiences"] = audiences
    return rule


@dataclass(frozen=True)
class RuleRow:
    """One skip rule as the form shows it: chosen answers ("instrument.item=code"), targets, audiences."""

    when: tuple[str, ...] = ()
    skip: tuple[str, ...] = ()
    audiences: tuple[str, ...] = ()


def rule_rows(spec: Mapping[str, Any]) -> list[RuleRow]:
    rows = []
    for rule in spec.get("routing", ()):
        when = rule.get("when", {})
        tests = when.get("any", [when]) if isinstance(when, dict) else []
        chosen = []
        for test in tests:
            if not isinstance(test, dict) or "item" not in test:
                continue
            values = test.get("in", [test.get("equals")]) if ("in" in test or "equals" in test) else []
            chosen += [f"{test['item']}={v}" for v in values]
        rows.append(RuleRow(tuple(chosen), tuple(rule.get("skip", ())), tuple(rule.get("audiences", ()))))
    return rows + [RuleRow()] * BLANK_RULES


@dataclass(frozen=True)
class Question:
    """A single-choice question that can steer a skip rule."""

    key: str
    text: str
    options: tuple[tuple[int, str], ...]


def routing_questions(catalogue: Mapping[str, Instrument], language: str = "en") -> list[Question]:
    out = []
    for instrument in catalogue.values():
        if instrument.has_tasks:
            continue
        for item in instrument.items:
            if item.type != "single" or item.scale is None:
                continue
            first = item.audiences[0]
            text = item.text[first].get(language) or next(iter(item.text[first].values()))
            options = tuple((o.code, o.label.get(language) or next(iter(o.label.values()))) for o in item.scale.options)
            out.append(Question(f"{instrument.id}.{item.id}", text, options))
    return out


def skip_targets(catalogue: Mapping[str, Instrument], language: str = "en") -> list[tuple[str, str]]:
    """(value, label) of every instrument and section a rule can skip."""
    out = []
    for instrument in catalogue.values():
        out.append((instrument.id, f"{instrument.id} (whole)"))
        for section in instrument.sections:
            out.append((f"{instrument.id}.{section.id}", f"{instrument.id}: {section.title.get(language) or section.id}"))
    return out


def parts_of(instrument: Instrument, language: str = "en") -> list[tuple[str, str, str, int]]:
    """(kind, id, title, number of questions) of the parts a short form can keep."""
    from ..instruments.survey_parts import part_items

    return [
        (kind, pid, title.get(language) or pid, len(part_items(instrument, pid) or ()))
        for kind, pid, title in part_choices(instrument)
    ]
