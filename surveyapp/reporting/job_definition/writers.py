"""Writers of the draft job definition: a registry, one entry per format.

Each writer takes a :class:`~.model.JobDefinition` and returns the file's
bytes; the web download and the command line pick a writer by name.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from ..csvsafe import write_csv
from .labels import is_rtl, label
from .layout import Heading, Paragraph, Table, blocks
from .model import JobDefinition
from .word import write_docx

__all__ = ["WRITERS", "DocumentWriter", "write_csv_document", "write_html", "write_markdown"]

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


def _md_cell(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def write_markdown(definition: JobDefinition) -> bytes:
    lines: list[str] = []
    for block in blocks(definition):
        if isinstance(block, Heading):
            lines += ["#" * block.level + " " + block.text, ""]
        elif isinstance(block, Paragraph):
            lines += [f"*{block.text}*" if block.note else block.text, ""]
        elif isinstance(block, Table):
            header = block.header if any(block.header) else ("", "")
            lines.append("| " + " | ".join(_md_cell(h) for h in header) + " |")
            lines.append("|" + "|".join("---" for _ in header) + "|")
            lines += ["| " + " | ".join(_md_cell(v) for v in row) + " |" for row in block.rows]
            lines.append("")
    return "\n".join(lines).encode("utf-8")


def write_csv_document(definition: JobDefinition) -> bytes:
    """One row per task: its status and the evidence per audience (formula-safe text cells)."""
    audiences = list(dict.fromkeys(a.audience for t in definition.all_tasks() for a in t.agreement))
    columns = ["task_id", "domain_id", "domain", "task", "status", "status_label", "round_settled"]
    for key in audiences:
        columns += [f"{key}_percent", f"{key}_n", f"{key}_stance"]
    rows = []
    for task in definition.all_tasks():
        by_key = {a.audience: a for a in task.agreement}
        row: list[object] = [
            task.id,
            task.domain_id,
            task.domain_title,
            task.text,
            task.verdict,
            label(definition.language, f"verdict_{task.verdict}"),
            task.round_settled,
        ]
        for key in audiences:
            a = by_key.get(key)
            row += [None, None, None] if a is None else [a.percent, a.n, a.stance]
        rows.append(row)
    return ("\ufeff" + write_csv(columns, rows)).encode("utf-8")  # the mark lets Excel read Hebrew and Arabic


@cache
def _environment() -> Environment:
    return Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]), auto_reload=False)


def write_html(definition: JobDefinition) -> bytes:
    """A standalone printable page (A4 print CSS inside, no navigation, no script)."""
    template = _environment().get_template("job_definition/print.html")
    page = template.render(
        definition=definition,
        blocks=blocks(definition),
        rtl=is_rtl(definition.language),
    )
    return page.encode("utf-8")


@dataclass(frozen=True)
class DocumentWriter:
    name: str
    extension: str
    mimetype: str
    write: Callable[[JobDefinition], bytes]
    description: str

    def filename(self, stem: str, language: str) -> str:
        return f"{stem}-{language}.{self.extension}"


WRITERS: dict[str, DocumentWriter] = {
    "docx": DocumentWriter(
        "docx",
        "docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        write_docx,
        "Word document, for HR to edit",
    ),
    "md": DocumentWriter("md", "md", "text/markdown; charset=utf-8", write_markdown, "Markdown"),
    "csv": DocumentWriter("csv", "csv", "text/csv; charset=utf-8", write_csv_document, "one row per task with its evidence"),
    "html": DocumentWriter("html", "html", "text/html; charset=utf-8", write_html, "printable page (A4), prints to PDF"),
}
