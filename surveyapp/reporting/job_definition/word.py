"""The draft job definition as a Word document (.docx), for HR to edit.

Built with python-docx (MIT). Hebrew and Arabic documents mark every
paragraph right-to-left (``w:bidi`` in the paragraph properties), every run
``w:rtl`` and every table ``w:bidiVisual``, so Word lays them out from the
right and keeps numbers and Latin words in place.
"""

from __future__ import annotations

import io

from docx import Document
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt
from docx.table import Table as DocxTable
from docx.text.paragraph import Paragraph as DocxParagraph

from .labels import is_rtl
from .layout import Heading, Paragraph, Table, blocks
from .model import JobDefinition

__all__ = ["write_docx"]


def _set_on(parent: OxmlElement, tag: str) -> None:
    if parent.find(qn(tag)) is None:
        parent.append(OxmlElement(tag))


def _rtl_paragraph(paragraph: DocxParagraph) -> None:
    properties = paragraph._p.get_or_add_pPr()
    bidi = OxmlElement("w:bidi")
    # w:bidi must come early in pPr (after pStyle/keepNext...); inserting after the style keeps Word's order
    style = properties.find(qn("w:pStyle"))
    if style is not None:
        style.addnext(bidi)
    else:
        properties.insert(0, bidi)
    for run in paragraph.runs:
        _set_on(run._r.get_or_add_rPr(), "w:rtl")


def _paragraph(document: Document, text: str, rtl: bool, style: str | None = None, small: bool = False) -> None:
    paragraph = document.add_paragraph(style=style)
    run = paragraph.add_run(text)
    if small:
        run.italic = True
    if rtl:
        _rtl_paragraph(paragraph)


def _table(document: Document, block: Table, rtl: bool) -> DocxTable:
    with_header = any(block.header)
    table = document.add_table(rows=len(block.rows) + (1 if with_header else 0), cols=len(block.header))
    table.style = "Table Grid"
    if rtl:
        _set_on(table._tbl.tblPr, "w:bidiVisual")
    rows = ([block.header] if with_header else []) + list(block.rows)
    for r, values in enumerate(rows):
        cells = table.rows[r].cells
        for c, value in enumerate(values):
            paragraph = cells[c].paragraphs[0]
            run = paragraph.add_run(value)
            run.font.size = Pt(9)
            if with_header and r == 0:
                run.bold = True
            if rtl:
                _rtl_paragraph(paragraph)
    if with_header:  # the header row repeats on every page the table runs over
        _set_on(table.rows[0]._tr.get_or_add_trPr(), "w:tblHeader")
    return table


def write_docx(definition: JobDefinition) -> bytes:
    rtl = is_rtl(definition.language)
    document = Document()
    document.core_properties.title = definition.title
    document.core_properties.language = definition.language
    for block in blocks(definition):
        if isinstance(block, Heading):
            heading = document.add_heading(block.text, level=0 if block.level == 1 else block.level - 1)
            if rtl:
                _rtl_paragraph(heading)
        elif isinstance(block, Paragraph):
            _paragraph(document, block.text, rtl, small=block.note)
        elif isinstance(block, Table):
            _table(document, block, rtl)
            document.add_paragraph()  # Word joins adjacent tables into one without a paragraph between
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
