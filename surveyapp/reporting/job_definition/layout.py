"""The document's layout as a list of blocks (headings, paragraphs, tables) in its language.

Word, Markdown and the printable page all render these same blocks, so the
three documents hold the same sections, rows and wording.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from .labels import label
from .model import Agreement, DevelopmentItem, JobDefinition, Task

__all__ = ["Block", "Heading", "Paragraph", "Table", "blocks", "evidence", "number"]


@dataclass(frozen=True)
class Heading:
    block_type: ClassVar[str] = "heading"
    level: int  # 1 the title, 2 a section, 3 a domain
    text: str
    anchor: str = ""


@dataclass(frozen=True)
class Paragraph:
    block_type: ClassVar[str] = "paragraph"
    text: str
    note: bool = False  # an introduction or a remark, shown smaller


@dataclass(frozen=True)
class Table:
    block_type: ClassVar[str] = "table"
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    kind: str = ""  # "tasks", "boundaries", "contested", "development", "method"


Block = Heading | Paragraph | Table


def number(value: float | None, digits: int = 1) -> str:
    """A number for a reader: one decimal, a real minus sign, an empty string for None."""
    if value is None:
        return ""
    return f"{value:.{digits}f}".replace("-", "\u2212")


def _agreement(a: Agreement, language: str) -> str:
    if a.percent is None:
        return f"{a.label}: {label(language, 'hidden')}"
    return f"{a.label} {round(a.percent)}% (n={a.n if a.n is not None else '?'})"


def evidence(task: Task, language: str) -> str:
    """The agreement per audience in one line: "Peer specialists 86% (n=58); Staff 74% (n=140)"."""
    return "; ".join(_agreement(a, language) for a in task.agreement)


def _settled(task: Task, language: str) -> str:
    return str(task.round_settled) if task.round_settled is not None else label(language, "not_settled")


def _stance(task: Task, stance: str, language: str) -> str:
    return "; ".join(_agreement(a, language) for a in task.stances(stance)) or "\u2014"


def _gap(item: DevelopmentItem) -> str:
    interval = f" ({number(item.ci_low)} \u2013 {number(item.ci_high)})" if item.ci_low is not None else ""
    return number(item.diff) + interval


def _development_row(item: DevelopmentItem, language: str) -> tuple[str, ...]:
    scale = f"{number(item.scale_min, 0)}\u2013{number(item.scale_max, 0)}"
    return (
        label(language, item.status),
        item.competency,
        item.domain,
        item.audience,
        f"{number(item.mean_self)} ({scale}), n={item.n_self}",
        f"{number(item.mean_other)} ({scale}), n={item.n_other}",
        _gap(item),
        "" if item.not_observed is None else f"{round(item.not_observed * 100)}%",
    )


def blocks(definition: JobDefinition) -> list[Block]:
    """The whole document, top to bottom."""
    lang = definition.language
    out: list[Block] = [
        Heading(1, definition.title),
        Paragraph(f"{label(lang, 'draft')} \u00b7 {label(lang, 'organisation')}: {definition.organisation}", note=True),
        Heading(2, label(lang, "purpose"), "purpose"),
        Paragraph(definition.purpose),
        Heading(2, label(lang, "tasks"), "tasks"),
        Paragraph(label(lang, "tasks_intro"), note=True),
    ]
    task_header = (label(lang, "task"), label(lang, "evidence"), label(lang, "settled"))
    for domain in definition.domains:
        out.append(Heading(3, domain.title))
        rows = tuple((t.text, evidence(t, lang), _settled(t, lang)) for t in domain.tasks)
        out.append(Table(task_header, rows, "tasks"))
    if not definition.domains:
        out.append(Paragraph(label(lang, "none")))
    out += [Heading(2, label(lang, "boundaries"), "boundaries"), Paragraph(label(lang, "boundaries_intro"), note=True)]
    if definition.boundaries:
        header = (label(lang, "domain"), *task_header)
        rows = tuple((t.domain_title, t.text, evidence(t, lang), _settled(t, lang)) for t in definition.boundaries)
        out.append(Table(header, rows, "boundaries"))
    else:
        out.append(Paragraph(label(lang, "none")))
    out += [Heading(2, label(lang, "contested"), "contested"), Paragraph(label(lang, "contested_intro"), note=True)]
    if definition.contested:
        header = (label(lang, "domain"), label(lang, "task"), label(lang, "for"), label(lang, "against"), label(lang, "divided"))
        rows = tuple(
            (t.domain_title, t.text, _stance(t, "for", lang), _stance(t, "against", lang), _stance(t, "divided", lang))
            for t in definition.contested
        )
        out.append(Table(header, rows, "contested"))
    else:
        out.append(Paragraph(label(lang, "none")))
    out += [Heading(2, label(lang, "development"), "development"), Paragraph(label(lang, "development_intro"), note=True)]
    if definition.development_plan:
        header = tuple(
            label(lang, k)
            for k in ("status", "competency", "domain", "rated_by", "peers_own", "others_rating", "gap", "not_observed")
        )
        rows = tuple(_development_row(item, lang) for item in definition.development_plan)
        out.append(Table(header, rows, "development"))
    else:
        out.append(Paragraph(label(lang, "none")))
    method = definition.method
    responses = " \u00b7 ".join(f"{name}: {label(lang, 'hidden') if n is None else n}" for name, n in method.responses)
    rows_m = [
        (label(lang, "rounds"), str(method.rounds)),
        (label(lang, "responses"), responses),
        (label(lang, "consensus_rule"), method.consensus_rule),
    ]
    if method.suppression_note:
        rows_m.append((label(lang, "suppression"), method.suppression_note))
    out += [Heading(2, label(lang, "method"), "method"), Table(("", ""), tuple(rows_m), "method")]
    return out
