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

from .model import Instrument, Item, ResponseScale, Section
from .parse_items import ItemReader
from .parse_subscales import SubscaleReader
from .problems import InstrumentError, Path
from .schema_check import schema_problems
from .tasks import TaskContext, check_proposal_item, check_task_scales, read_domains, read_task_questions

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


class _Builder(ItemReader, SubscaleReader):
    """Reads one definition; every problem found is collected, so an author sees them all at once."""

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
