"""Build an :class:`Instrument` from parsed YAML, checking what the schema cannot.

The schema has already vouched for shapes and types; this module checks
meaning: references between fields, languages, audiences, ``show_if`` order,
reverse flags, scoring rules. Every problem is collected so an author sees
them all at once.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Mapping
from typing import Any

from . import conditions
from .model import (
    CHOICE_TYPES,
    DEFAULT_MAX_LENGTH,
    PREFER_NOT_TO_ANSWER,
    TEXT_TYPES,
    Band,
    Instrument,
    Item,
    Option,
    Reference,
    ResponseScale,
    Section,
    Subscale,
    Task,
)
from .problems import InstrumentError, Path, Problem
from .schema_check import schema_problems
from .tasks import TaskContext, check_proposal_item, check_task_scales, expand_task, read_domains, read_task_questions

__all__ = ["content_hash", "parse_definition"]


def content_hash(data: Mapping[str, Any]) -> str:
    """SHA-256 of the definition's canonical JSON: comments and layout do not count."""
    canonical = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def parse_definition(
    data: Any, source: str, lines: Mapping[Path, int] | None = None, expected_id: str | None = None
) -> Instrument:
    """Validate ``data`` and build the instrument, or raise :class:`InstrumentError`."""
    builder = _Builder(source, lines or {})
    if not isinstance(data, dict):
        builder.problem(
            (),
            "the file must be a mapping of keys such as id, version, items",
            "start from an instrument in instruments/ or docs/templates/",
        )
        raise InstrumentError(builder.problems)
    for path, message, fix in schema_problems(data):
        builder.problem(path, message, fix)
    if builder.problems:  # meaning can only be checked on the right shapes
        raise InstrumentError(sorted(builder.problems, key=lambda p: p.line or 0))
    instrument = builder.build(data, expected_id)
    if builder.problems:
        raise InstrumentError(builder.problems)
    return instrument


class _Builder:
    def __init__(self, source: str, lines: Mapping[Path, int]) -> None:
        self.source = source
        self.lines = lines
        self.problems: list[Problem] = []
        self.languages: tuple[str, ...] = ()
        self.audiences: tuple[str, ...] = ()
        self.tasks: list[Task] = []

    # -- reporting -------------------------------------------------------
    def problem(self, path: Path, message: str, fix: str | None = None) -> None:
        self.problems.append(Problem(self.source, self._line(path), path, message, fix))

    def _line(self, path: Path) -> int | None:
        for end in range(len(path), -1, -1):
            line = self.lines.get(path[:end])
            if line is not None:
                return line
        return None

    # -- texts -------------------------------------------------------------
    def text(self, raw: Mapping[str, Any], path: Path) -> dict[str, str]:
        for lang in self.languages:
            value = raw.get(lang)
            if value is None:
                self.problem(
                    path,
                    f"the text in language '{lang}' is missing",
                    f"add '{lang}: ...' (every text needs {', '.join(self.languages)})",
                )
            elif not isinstance(value, str) or not value.strip():
                self.problem(
                    (*path, lang), f"the '{lang}' text is empty", "write the text, or remove the language from 'languages'"
                )
        for lang in raw:
            if lang not in self.languages:
                self.problem(
                    (*path, lang),
                    f"'{lang}' is not one of the instrument's languages ({', '.join(self.languages)})",
                    f"add '{lang}' to 'languages', or remove this text",
                )
        return {lang: str(raw.get(lang, "")) for lang in self.languages}

    def text_per_audience(self, raw: Mapping[str, Any], path: Path, audiences: tuple[str, ...]) -> dict[str, dict[str, str]]:
        """A text for everyone, or one per audience (told apart by the values' type)."""
        if all(isinstance(v, str) for v in raw.values()):
            same = self.text(raw, path)
            return dict.fromkeys(audiences, same)
        if not all(isinstance(v, dict) for v in raw.values()):
            self.problem(
                path,
                "mixes language texts and audience blocks",
                "write either 'en: ...' lines, or one block per audience ('peer:' then 'en: ...')",
            )
            return {}
        out: dict[str, dict[str, str]] = {}
        for aud, text in raw.items():
            if aud not in self.audiences:
                self.problem(
                    (*path, aud),
                    f"'{aud}' is not one of the instrument's audiences ({', '.join(self.audiences)})",
                    "use an audience listed under 'audiences', or add it there",
                )
                continue
            out[aud] = self.text(text, (*path, aud))
        return out

    # -- parts -------------------------------------------------------------
    def options(self, raw: list[dict[str, Any]], path: Path, ordered: bool) -> tuple[Option, ...]:
        out = []
        for i, opt in enumerate(raw):
            audiences = opt.get("audiences")
            for aud in audiences or ():
                if aud not in self.audiences:
                    self.problem(
                        (*path, i, "audiences"),
                        f"'{aud}' is not one of the instrument's audiences",
                        "use an audience listed under 'audiences'",
                    )
            if opt["code"] == PREFER_NOT_TO_ANSWER:
                self.problem(
                    (*path, i, "code"),
                    f"code {PREFER_NOT_TO_ANSWER} is reserved for 'prefer not to answer'",
                    "choose another code; offer 'prefer not to answer' with the item's allow_skip: true",
                )
            out.append(
                Option(
                    opt["code"],
                    self.text(opt["label"], (*path, i, "label")),
                    opt.get("key"),
                    tuple(audiences) if audiences else None,
                )
            )
        codes = [o.code for o in out]
        if ordered and codes != sorted(set(codes)):
            self.problem(
                path,
                f"option codes must be whole numbers in strictly increasing order, found {codes}",
                "number the options from the lowest to the highest point of the scale, e.g. 1, 2, 3, 4, 5",
            )
        elif len(set(codes)) != len(codes):
            self.problem(path, f"two options share a code: {codes}", "give every option its own code")
        return tuple(out)

    def scale(self, scale_id: str, raw: dict[str, Any]) -> ResponseScale:
        path: Path = ("scales", scale_id)
        options = self.options(raw["options"], (*path, "options"), ordered=True)
        missing = self.options(raw.get("missing_options", []), (*path, "missing_options"), ordered=False)
        clash = {o.code for o in options} & {o.code for o in missing}
        if clash:
            self.problem(
                (*path, "missing_options"),
                f"code(s) {sorted(clash)} are used by a substantive option too",
                "give missing options codes outside the scale, e.g. 9",
            )
        for i, opt in enumerate(missing):
            if opt.key is None:
                self.problem(
                    (*path, "missing_options", i),
                    "a missing option needs a 'key'",
                    "add key: not_observed, dont_know or not_applicable",
                )
        return ResponseScale(scale_id, options, missing)

    def build(self, data: dict[str, Any], expected_id: str | None) -> Instrument:
        if expected_id is not None and data["id"] != expected_id:
            self.problem(
                ("id",),
                f"the id '{data['id']}' does not match the file name '{expected_id}.yaml'",
                f"rename the file to '{data['id']}.yaml' or set id: {expected_id}",
            )
        self.languages = tuple(data["languages"])
        self.audiences = tuple(data["audiences"])
        title = self.text(data["title"], ("title",))
        short_title = self.text(data["short_title"], ("short_title",)) if "short_title" in data else title
        instructions = (
            self.text_per_audience(data["instructions"], ("instructions",), self.audiences) if "instructions" in data else {}
        )
        for lang in data.get("translations", {}):
            if lang not in self.languages[1:]:
                self.problem(
                    ("translations", lang),
                    f"'{lang}' is not a translated language of this instrument",
                    f"translations describe the languages after the first: {', '.join(self.languages[1:]) or 'none'}",
                )
        licence = data["licence"]
        if licence["category"] not in ("OPEN", "PD") and licence["redistributable"]:
            self.problem(
                ("licence", "redistributable"),
                f"licence category {licence['category']} does not allow shipping the item text",
                "set redistributable: false (and keep the file out of public repositories)",
            )
        scales = {sid: self.scale(sid, raw) for sid, raw in data.get("scales", {}).items()}
        sections = self.sections(data.get("sections", []))
        tasks = self.task_context(data, scales, {s.id for s in sections})
        items = self.items(data["items"], scales, {s.id for s in sections} | {d.id for d in tasks.domains}, tasks)
        self.check_task_use(data, tasks, items)
        check_proposal_item(self, tasks.questions, {i.id: i for i in items})
        used_sections = {i.section for i in items}
        for index, section in enumerate(sections):
            if section.id not in used_sections:
                self.problem(
                    ("sections", index),
                    f"no item belongs to section '{section.id}'",
                    "remove the section or set 'section: " + section.id + "' on its items",
                )
        subscales = self.subscales(data.get("subscales", []), {i.id: i for i in items})
        return Instrument(
            id=data["id"],
            version=data["version"],
            languages=self.languages,
            title=title,
            short_title=short_title,
            audiences=self.audiences,
            citation=data["citation"],
            licence=dict(licence),
            provenance=dict(data["provenance"]),
            items=items,
            subscales=subscales,
            scales=scales,
            sections=tuple(Section(d.id, d.title) for d in tasks.domains) + sections,
            instructions=instructions,
            translations=dict(data.get("translations", {})),
            content_hash=content_hash(data),
            domains=tasks.domains,
            tasks=tuple(self.tasks),
            task_questions=tasks.questions,
            definition=data,
        )

    def task_context(self, data: dict[str, Any], scales: Mapping[str, ResponseScale], sections: set[str]) -> TaskContext:
        domains = read_domains(self, data.get("domains", []), sections)
        if "task_rating" not in data:
            return TaskContext(domains, None, None, None)
        questions, role, frequency = read_task_questions(self, data["task_rating"], scales)
        check_task_scales(self, role, frequency)
        return TaskContext(domains, questions, role, frequency)

    def check_task_use(self, data: dict[str, Any], tasks: TaskContext, items: tuple[Item, ...]) -> None:
        has_tasks = any(raw["type"] == "task" for raw in data["items"])
        if has_tasks and "task_rating" not in data:
            self.problem(
                ("items",),
                "the file has role tasks but no 'task_rating' block saying how they are rated",
                "add task_rating: with role (question, scale) and frequency (question, scale); see docs/instruments.md",
            )
        if not has_tasks and ("task_rating" in data or "domains" in data):
            key = "task_rating" if "task_rating" in data else "domains"
            self.problem((key,), f"'{key}' is only used by role tasks, and no item has 'type: task'", f"remove '{key}'")
        for index, domain in enumerate(tasks.domains):
            if has_tasks and domain.id not in tasks.used_domains:
                self.problem(
                    ("domains", index),
                    f"no task belongs to domain '{domain.id}'",
                    f"remove the domain or set 'domain: {domain.id}' on its tasks",
                )
        counts = Counter(item.id for item in items)
        for item in items:
            if counts[item.id] > 1 and item.task is not None and item.task.part != "role":
                self.problem(
                    ("items",),
                    f"the task '{item.task.task}' stores its {item.task.part} question as '{item.id}', "
                    "which another item already uses",
                    "rename that item or the task",
                )

    def sections(self, raw: list[dict[str, Any]]) -> tuple[Section, ...]:
        out, seen = [], set()
        for i, sec in enumerate(raw):
            if sec["id"] in seen:
                self.problem(("sections", i, "id"), f"section id '{sec['id']}' is used twice", "give each section its own id")
            seen.add(sec["id"])
            out.append(Section(sec["id"], self.text(sec["title"], ("sections", i, "title"))))
        return tuple(out)

    def items(
        self,
        raw_items: list[dict[str, Any]],
        scales: Mapping[str, ResponseScale],
        sections: set[str],
        tasks: TaskContext,
    ) -> tuple[Item, ...]:
        items: list[Item] = []
        seen: dict[str, int] = {}
        for index, raw in enumerate(raw_items):
            path: Path = ("items", index)
            if raw["id"] in seen:
                self.problem(
                    (*path, "id"),
                    f"item id '{raw['id']}' is already used by items[{seen[raw['id']]}]",
                    "give every item its own id",
                )
            seen.setdefault(raw["id"], index)
            if raw["type"] == "task":
                items.extend(self.task(raw, path, tasks))
                continue
            item = self.item(raw, path, scales, sections, {i.id: i for i in items})
            if item is not None:
                items.append(item)
        return tuple(items)

    def item(
        self,
        raw: dict[str, Any],
        path: Path,
        scales: Mapping[str, ResponseScale],
        sections: set[str],
        earlier: Mapping[str, Item],
    ) -> Item | None:
        kind = raw["type"]
        audiences, text = self.wordings(raw, path)
        scale = self.item_scale(raw, path, kind, scales)
        self.check_type_specific(raw, path, kind)
        if raw.get("section") is not None and raw["section"] not in sections:
            self.problem(
                (*path, "section"),
                f"unknown section '{raw['section']}'",
                f"use one of: {', '.join(sorted(sections)) or '(define sections: first)'}",
            )
        show_if = self.show_if(raw, path, earlier)
        help_text = self.text(raw["help"], (*path, "help")) if "help" in raw else None
        return Item(
            id=raw["id"],
            type=kind,
            text=text,
            audiences=audiences,
            scale=scale,
            required=raw.get("required", False),
            allow_skip=raw.get("allow_skip", False),
            reverse=raw.get("reverse", False),
            show_if=show_if,
            section=raw.get("section"),
            help=help_text,
            min=raw.get("min"),
            max=raw.get("max"),
            integer=raw.get("integer", True),
            max_length=raw.get("max_length", DEFAULT_MAX_LENGTH.get(kind)),
        )

    def wordings(self, raw: dict[str, Any], path: Path) -> tuple[tuple[str, ...], dict[str, dict[str, str]]]:
        """The audiences an item or task is asked of, and its wording for each."""
        audiences = self.item_audiences(raw, path)
        text = self.text_per_audience(raw["text"], (*path, "text"), audiences)
        missing_forms = [a for a in audiences if a not in text]
        if text and missing_forms:
            self.problem(
                (*path, "text"),
                f"no wording for audience(s) {', '.join(missing_forms)}",
                "add a block for each audience the item is asked of, or limit it with 'audiences:'",
            )
        return audiences, text

    def task(self, raw: dict[str, Any], path: Path, context: TaskContext) -> list[Item]:
        audiences, text = self.wordings(raw, path)
        if any(a not in text for a in audiences):
            return []
        help_text = self.text(raw["help"], (*path, "help")) if "help" in raw else None
        items, task = expand_task(self, raw, path, audiences, text, context, help_text)
        if task is not None:
            self.tasks.append(task)
        return items

    def item_audiences(self, raw: dict[str, Any], path: Path) -> tuple[str, ...]:
        per_audience = [k for k, v in raw["text"].items() if isinstance(v, dict)]
        listed = raw.get("audiences")
        for aud in listed or ():
            if aud not in self.audiences:
                self.problem(
                    (*path, "audiences"),
                    f"'{aud}' is not one of the instrument's audiences ({', '.join(self.audiences)})",
                    "use an audience listed under the instrument's 'audiences'",
                )
        if listed and per_audience and set(listed) != set(per_audience):
            self.problem(
                (*path, "audiences"),
                f"lists {listed} but the text has wordings for {per_audience}",
                "make the two agree, or drop 'audiences:' (the wordings then decide)",
            )
        chosen = listed or per_audience or list(self.audiences)
        return tuple(a for a in self.audiences if a in chosen)

    def item_scale(self, raw: dict[str, Any], path: Path, kind: str, scales: Mapping[str, ResponseScale]) -> ResponseScale | None:
        has_scale, has_options = "scale" in raw, "options" in raw
        if kind not in CHOICE_TYPES:
            for key in ("scale", "options"):
                if key in raw:
                    self.problem(
                        (*path, key), f"a '{kind}' item takes no '{key}'", f"remove '{key}', or use type likert/single/multi"
                    )
            return None
        if kind == "likert" and has_options:
            self.problem(
                (*path, "options"),
                "a likert item uses a named scale, not inline options",
                "move the options under 'scales:' and write 'scale: <name>'",
            )
            return None
        if has_scale and has_options:
            self.problem(path, "has both 'scale' and 'options'", "keep one of them")
            return None
        if has_options:
            return ResponseScale(f"{raw['id']}_options", self.options(raw["options"], (*path, "options"), ordered=False))
        if not has_scale:
            self.problem(
                path,
                f"a '{kind}' item needs a 'scale'" + (" or 'options'" if kind != "likert" else ""),
                f"add 'scale: <name>' naming one of: {', '.join(scales) or '(define scales: first)'}",
            )
            return None
        if raw["scale"] not in scales:
            self.problem(
                (*path, "scale"),
                f"unknown scale '{raw['scale']}'",
                f"use one of: {', '.join(scales) or '(none defined: add a scales: section)'}",
            )
            return None
        return scales[raw["scale"]]

    def check_type_specific(self, raw: dict[str, Any], path: Path, kind: str) -> None:
        for key in ("domain", "comment"):
            if key in raw:
                self.problem((*path, key), f"'{key}' applies only to role tasks (type: task)", f"remove '{key}'")
        if raw.get("reverse") and kind != "likert":
            self.problem(
                (*path, "reverse"),
                f"only likert items can be reverse-keyed, this is a '{kind}' item",
                "remove 'reverse', or make the item a likert item",
            )
        if kind == "number":
            if "min" not in raw or "max" not in raw:
                self.problem(path, "a number item needs 'min' and 'max'", "add e.g. min: 0 and max: 60")
            elif raw["min"] >= raw["max"]:
                self.problem(
                    (*path, "max"), f"max ({raw['max']}) must be greater than min ({raw['min']})", "swap or correct them"
                )
        else:
            for key in ("min", "max", "integer"):
                if key in raw:
                    self.problem((*path, key), f"'{key}' applies only to number items", f"remove '{key}'")
        if kind not in TEXT_TYPES and "max_length" in raw:
            self.problem((*path, "max_length"), "'max_length' applies only to text and longtext items", "remove it")

    def show_if(self, raw: dict[str, Any], path: Path, earlier: Mapping[str, Item]) -> conditions.Condition | None:
        if "show_if" not in raw:
            return None
        cond_path: Path = (*path, "show_if")
        condition, found = conditions.parse(raw["show_if"])
        for rel, message, fix in found:
            self.problem((*cond_path, *rel), message, fix)
        for ref in conditions.referenced_items(condition):
            if ref == raw["id"]:
                self.problem(cond_path, "an item's show_if refers to the item itself", "refer to an earlier item")
            elif ref not in earlier:
                self.problem(
                    cond_path,
                    f"refers to '{ref}', which is not an earlier item of this instrument",
                    "show_if can only depend on items that come before it; move the item or change the condition",
                )
        if condition is not None:
            self.check_condition_values(condition, cond_path, earlier)
        return condition

    def check_condition_values(self, condition: conditions.Condition, path: Path, earlier: Mapping[str, Item]) -> None:
        if isinstance(condition, conditions.Not):
            self.check_condition_values(condition.part, path, earlier)
            return
        if not isinstance(condition, conditions.Compare):
            for part in condition.parts:
                self.check_condition_values(part, path, earlier)
            return
        target = earlier.get(condition.item)
        if target is None or condition.op == "answered":
            return
        values = condition.value if condition.op == "in" else [condition.value]
        if target.scale is not None and condition.op in ("equals", "in"):
            codes = {o.code for o in target.scale.options + target.scale.missing_options}
            bad = [v for v in values if v not in codes]
            if bad:
                self.problem(path, f"'{condition.item}' has no option with code {bad}", f"use codes from: {sorted(codes)}")
        elif target.type in TEXT_TYPES and condition.op != "equals":
            self.problem(
                path, f"'{condition.op}' compares numbers, but '{condition.item}' is a text item", "use equals or answered"
            )

    def subscales(self, raw_subscales: list[dict[str, Any]], items: Mapping[str, Item]) -> tuple[Subscale, ...]:
        out: list[Subscale] = []
        seen: set[str] = set()
        for index, raw in enumerate(raw_subscales):
            path: Path = ("subscales", index)
            if raw["id"] in seen:
                self.problem((*path, "id"), f"subscale id '{raw['id']}' is used twice", "give each subscale its own id")
            seen.add(raw["id"])
            bounds: set[tuple[int, int]] = set()
            for pos, item_id in enumerate(raw["items"]):
                item = items.get(item_id)
                if item is None:
                    self.problem(
                        (*path, "items", pos),
                        f"names item '{item_id}', which does not exist",
                        "use the id of an item defined under 'items'",
                    )
                elif item.task is not None:
                    self.problem(
                        (*path, "items", pos),
                        f"'{item_id}' is a role task; tasks are rated for consensus, not scored",
                        "remove it from the subscale",
                    )
                elif item.type != "likert" or item.scale is None:
                    self.problem(
                        (*path, "items", pos),
                        f"'{item_id}' is a '{item.type}' item; only likert items are scored",
                        "remove it from the subscale",
                    )
                else:
                    bounds.add((item.scale.min, item.scale.max))
            if len(bounds) > 1:
                self.problem(
                    (*path, "items"),
                    f"mixes items on scales with different ranges {sorted(bounds)}",
                    "score items on the same range together, or split the subscale",
                )
            scoring = raw.get("scoring", "mean")
            bands = self.bands(raw.get("bands", []), path, scoring, len(raw["items"]), next(iter(bounds), None))
            description = self.text(raw["description"], (*path, "description")) if "description" in raw else None
            reference = Reference(**raw["reference"]) if "reference" in raw else None
            out.append(
                Subscale(
                    raw["id"],
                    self.text(raw["label"], (*path, "label")),
                    tuple(raw["items"]),
                    scoring,
                    float(raw.get("min_answered", 0.8)),
                    description,
                    bands,
                    reference,
                )
            )
        return tuple(out)

    def bands(
        self, raw: list[dict[str, Any]], path: Path, scoring: str, n_items: int, bounds: tuple[int, int] | None
    ) -> tuple[Band, ...]:
        bands = tuple(Band(float(b["max"]), self.text(b["label"], (*path, "bands", i, "label"))) for i, b in enumerate(raw))
        if not bands or bounds is None:
            return bands
        factor = n_items if scoring == "sum" else 1
        low, high = bounds[0] * factor, bounds[1] * factor
        maxima = [b.max for b in bands]
        if maxima != sorted(set(maxima)):
            self.problem(
                (*path, "bands"), f"band maxima must increase, found {maxima}", "list bands from the lowest to the highest"
            )
        if maxima[-1] != high:
            self.problem(
                (*path, "bands", len(bands) - 1, "max"),
                f"the last band must end at the highest possible score {high:g}, found {maxima[-1]:g}",
                f"set its max to {high:g}",
            )
        if maxima[0] < low:
            self.problem(
                (*path, "bands", 0, "max"),
                f"band max {maxima[0]:g} is below the lowest possible score {low:g}",
                "remove the band or raise its max",
            )
        return bands
