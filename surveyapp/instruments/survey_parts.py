"""Short forms and routing: which parts of its instruments a survey asks, and of whom.

A survey spec may keep only some sections or subscales of an instrument
(``short_forms``) and may skip whole instruments or sections for a
respondent depending on an earlier answer (``routing``)::

    short_forms:
      p-role: [role_clarity, org_role_support]      # section or subscale ids
    routing:
      - when: {item: context.peer_contact, equals: 2}   # an earlier question (instrument.item)
        skip: [peer-practice-360, disclose.climate]     # instruments, or instrument.section
        audiences: [service_user]                       # optional: everyone by default

A short form is the instrument with the other items left out: the survey's
snapshot is still the whole published version, and every part of the
application (pages, scoring, exports, dashboards) sees the trimmed
instrument, so a left-out item is never a column. A routed-out page is part
of the survey but not asked of that respondent: its items are "not shown"
(export code -8), never "missing".
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from .conditions import LEAF_OPERATORS, All, AnyOf, Compare, Condition, Not, evaluate, parse, referenced_items
from .model import Instrument, Item
from .problems import Path

__all__ = [
    "RoutingRule",
    "check_routing",
    "check_short_forms",
    "describe",
    "part_choices",
    "part_items",
    "routing_rules",
    "short_form",
    "skip_condition",
]

Report = Callable[..., None]  # problem(path, message, fix)


def part_items(instrument: Instrument, part: str) -> tuple[str, ...] | None:
    """Item ids of a section or subscale called ``part`` (both, when one id names both), None if neither."""
    in_section = [i.id for i in instrument.items if i.section == part and any(s.id == part for s in instrument.sections)]
    in_subscale = next((s.items for s in instrument.subscales if s.id == part), ())
    if not in_section and not in_subscale:
        return None
    return tuple(dict.fromkeys([*in_section, *in_subscale]))


def part_choices(instrument: Instrument) -> list[tuple[str, str, Mapping[str, str]]]:
    """(kind, id, title) of every part a short form can keep: sections first, then subscales."""
    out: list[tuple[str, str, Mapping[str, str]]] = [("section", s.id, s.title) for s in instrument.sections]
    out += [("subscale", s.id, s.label) for s in instrument.subscales]
    return out


def short_form(instrument: Instrument, parts: Sequence[str]) -> Instrument:
    """The instrument with only the items of ``parts`` (plus items in no section and no subscale).

    Subscales keep only when every item stays (a subscale with items left out
    would be scored on fewer items than it was validated with); sections keep
    when one of their items stays.
    """
    if not parts:
        return instrument
    kept: set[str] = set()
    for part in parts:
        kept |= set(part_items(instrument, part) or ())
    scored = {x for s in instrument.subscales for x in s.items}
    items = tuple(i for i in instrument.items if i.id in kept or (i.section is None and i.id not in scored))
    ids = {i.id for i in items}
    return replace(
        instrument,
        items=items,
        subscales=tuple(s for s in instrument.subscales if set(s.items) <= ids),
        sections=tuple(s for s in instrument.sections if any(i.section == s.id for i in items)),
    )


def check_short_forms(data: Mapping[str, Any], instruments: Mapping[str, Instrument], problem: Report) -> dict[str, Instrument]:
    """Check ``short_forms``; return the survey's instruments as asked (trimmed where a short form says so)."""
    chosen = list(data["instruments"])
    forms = data.get("short_forms", {})
    for key, parts in forms.items():
        path: Path = ("short_forms", key)
        if key not in chosen:
            problem(path, f"'{key}' is not one of the survey's instruments", "add it to 'instruments', or remove its short form")
            continue
        instrument = instruments.get(key)
        if instrument is None:
            continue  # reported under 'instruments'
        if instrument.has_tasks:
            problem(path, f"'{key}' is a list of role tasks, which is always asked whole", "remove its short form")
            continue
        known = [p for _kind, p, _title in part_choices(instrument)]
        for index, part in enumerate(parts):
            if part_items(instrument, part) is None:
                problem(
                    (*path, index),
                    f"'{key}' has no section or subscale '{part}'",
                    f"use some of: {', '.join(dict.fromkeys(known))}"
                    if known
                    else "this instrument has no parts; remove its short form",
                )
    asked = {k: instruments[k] for k in chosen if k in instruments}
    for key, parts in forms.items():
        if key in asked and not asked[key].has_tasks and all(part_items(asked[key], p) is not None for p in parts):
            trimmed = short_form(asked[key], parts)
            _check_conditions_kept(key, asked[key], trimmed, problem)
            asked[key] = trimmed
    return asked


def _check_conditions_kept(key: str, whole: Instrument, trimmed: Instrument, problem: Report) -> None:
    """A kept question whose show_if reads a left-out answer would never be shown."""
    kept = {i.id for i in trimmed.items}
    for item in trimmed.items:
        for ref in referenced_items(item.show_if):
            if ref not in kept:
                section = whole.item(ref).section
                problem(
                    ("short_forms", key),
                    f"the question '{item.id}' is shown only after an answer to '{ref}', which this short form leaves out",
                    f"also keep the section '{section}'" if section else f"also keep the part holding '{ref}'",
                )


@dataclass(frozen=True)
class RoutingRule:
    condition: Condition
    #: instrument ids and "instrument.section" ids
    skip: tuple[str, ...]
    #: None: every audience
    audiences: tuple[str, ...] | None = None

    def applies_to(self, audience: str) -> bool:
        return self.audiences is None or audience in self.audiences

    def skips(self, instrument_id: str, section_id: str | None) -> bool:
        return instrument_id in self.skip or (section_id is not None and f"{instrument_id}.{section_id}" in self.skip)


def routing_rules(raw: Sequence[Mapping[str, Any]] | None) -> tuple[RoutingRule, ...]:
    """Rules from a checked spec's ``routing`` (conditions that fail to parse are dropped: the spec was checked)."""
    rules = []
    for rule in raw or ():
        condition, problems = parse(rule["when"])
        if condition is not None and not problems:
            audiences = rule.get("audiences")
            rules.append(RoutingRule(condition, tuple(rule["skip"]), tuple(audiences) if audiences else None))
    return tuple(rules)


def skip_condition(rules: Sequence[RoutingRule], audience: str, instrument_id: str, section_id: str | None) -> Condition | None:
    """When a page is skipped for this audience: any of the rules that skip it holds (None: never skipped)."""
    conditions = [r.condition for r in rules if r.applies_to(audience) and r.skips(instrument_id, section_id)]
    if not conditions:
        return None
    return conditions[0] if len(conditions) == 1 else AnyOf(tuple(conditions))


def check_routing(data: Mapping[str, Any], asked: Mapping[str, Instrument], audiences: Sequence[str], problem: Report) -> None:
    """Each rule: an earlier question of the survey, answers it can have, later parts to skip, known audiences."""
    order = [k for k in data["instruments"] if k in asked]
    for number, rule in enumerate(data.get("routing", ())):
        path: Path = ("routing", number)
        condition, problems = parse(rule["when"])
        for relative, message, fix in problems:
            problem((*path, "when", *relative), message, fix)
        rule_audiences = list(rule.get("audiences") or audiences)
        for index, audience in enumerate(rule.get("audiences") or ()):
            if audience not in audiences:
                problem(
                    (*path, "audiences", index),
                    f"'{audience}' is not one of the survey's audiences",
                    f"use some of: {', '.join(audiences)}",
                )
        targets = []
        for index, target in enumerate(rule["skip"]):
            found = _target(target, asked)
            if found is None:
                problem(
                    (*path, "skip", index),
                    f"'{target}' is not an instrument or section of this survey",
                    _target_fix(target, asked),
                )
            else:
                targets.append((index, found))
        if condition is None:
            continue
        for leaf in _leaves(condition):
            if leaf.op not in LEAF_OPERATORS:
                problem((*path, "when"), f"unknown test '{leaf.op}'", f"use one of {', '.join(LEAF_OPERATORS)}")
            elif leaf.op == "in" and not isinstance(leaf.value, list):
                problem((*path, "when"), f"'in' needs a list of answers, found {leaf.value!r}", "write e.g. in: [2, 3]")
        for ref in dict.fromkeys(referenced_items(condition)):
            question = _question(ref, asked)
            if question is None:
                problem(
                    (*path, "when"),
                    f"'{ref}' is not a question of this survey",
                    "name it as instrument.item, e.g. context.peer_contact",
                )
                continue
            instrument, item = question
            _check_values(condition, ref, item, (*path, "when"), problem)
            not_asked = [a for a in rule_audiences if a in audiences and not item.asked_of(a)]
            if not_asked:
                asked_of = ", ".join(a for a in rule_audiences if item.asked_of(a)) or "none"
                problem(
                    (*path, "when"),
                    f"'{ref}' is not asked of {', '.join(not_asked)}, so this rule would never skip anything for them",
                    f"set 'audiences' to those it is asked of: {asked_of}",
                )
            for index, (target_instrument, target_section) in targets:
                if not _comes_before(order, instrument, item, target_instrument, target_section):
                    problem(
                        (*path, "skip", index),
                        f"'{rule['skip'][index]}' is not asked after '{ref}', so the answer is not known when it comes",
                        "put the instrument with the question earlier in 'instruments', or skip a later part",
                    )


def _target(target: str, asked: Mapping[str, Instrument]) -> tuple[str, str | None] | None:
    if target in asked:
        return target, None
    key, _, section = target.partition(".")
    if key in asked and any(s.id == section for s in asked[key].sections):
        return key, section
    return None


def _target_fix(target: str, asked: Mapping[str, Instrument]) -> str:
    key, _, _section = target.partition(".")
    if key in asked:
        sections = [s.id for s in asked[key].sections]
        return f"sections of '{key}' here: {', '.join(sections)}" if sections else f"'{key}' has no sections: skip it whole"
    return f"use one of: {', '.join(asked)} (or instrument.section)"


def _question(ref: str, asked: Mapping[str, Instrument]) -> tuple[Instrument, Item] | None:
    key, _, item_id = ref.partition(".")
    instrument = asked.get(key)
    if instrument is None:
        return None
    try:
        return instrument, instrument.item(item_id)
    except KeyError:
        return None


def _check_values(condition: Condition, ref: str, item: Item, path: Path, problem: Report) -> None:
    """Codes compared with a choice question must be among its options."""
    if item.scale is None:
        return
    codes = {o.code for o in item.scale.options + item.scale.missing_options}
    for leaf in _leaves(condition):
        if leaf.item != ref or leaf.op not in ("equals", "in"):
            continue
        values = leaf.value if isinstance(leaf.value, list) else [leaf.value]
        wrong = [v for v in values if v not in codes]
        if wrong:
            labels = ", ".join(
                f"{o.code} ({next(iter(o.label.values()))})" for o in item.scale.options + item.scale.missing_options
            )
            problem(path, f"'{ref}' has no answer {', '.join(map(str, wrong))}", f"its answers are {labels}")


def _leaves(condition: Condition) -> list[Compare]:
    if isinstance(condition, Compare):
        return [condition]
    parts = (condition.part,) if hasattr(condition, "part") else condition.parts  # type: ignore[union-attr]
    return [leaf for part in parts for leaf in _leaves(part)]


def _comes_before(order: Sequence[str], instrument: Instrument, item: Item, target: str, section: str | None) -> bool:
    if target != instrument.id:
        return order.index(target) > order.index(instrument.id)
    if section is None:
        return False  # the question's own instrument, skipped whole
    if item.section is None:
        return True  # questions in no section come on the instrument's first page
    sections = [s.id for s in instrument.sections]
    return sections.index(section) > sections.index(item.section)


def is_skipped(condition: Condition | None, answers: Mapping[str, Any]) -> bool:
    """Whether a page with this skip condition is skipped, given answers keyed instrument.item."""
    return condition is not None and evaluate(condition, answers)


def describe(condition: Condition, instruments: Mapping[str, Instrument], language: str) -> str:
    """A routing condition in words: "“Have you had contact …?” is “No”"."""
    if isinstance(condition, Compare):
        key, _, item_id = condition.item.partition(".")
        try:
            item = instruments[key].item(item_id)
        except KeyError:
            return f"{condition.item} {condition.op} {condition.value}"
        question = next(iter(item.text.values())).get(language) or condition.item
        values = condition.value if isinstance(condition.value, list) else [condition.value]
        if item.scale is not None and condition.op in ("equals", "in"):
            labels = " / ".join(f"“{item.scale.label(int(v), language) or v}”" for v in values)
            return f"“{question}” = {labels}"
        return f"“{question}” {condition.op} {condition.value}"
    if isinstance(condition, Not):
        return f"not ({describe(condition.part, instruments, language)})"
    joiner = " and " if isinstance(condition, All) else " or "
    return joiner.join(describe(p, instruments, language) for p in condition.parts)
