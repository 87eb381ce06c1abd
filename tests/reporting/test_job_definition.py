"""The draft job definition: built by hand in English and Hebrew, written in every format and read back."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import replace

import pytest
from docx import Document
from docx.oxml.ns import qn

from surveyapp.reporting.job_definition import (
    WRITERS,
    DevelopmentItem,
    JobDefinition,
    development_plan_from_training,
    job_definition_from_tasks,
)
from surveyapp.reporting.job_definition.labels import LABELS, label

EN_TASKS = [
    {
        "task_id": "one_listen",
        "domain_id": "one_to_one",
        "domain_title": "One-to-one support",
        "text": "Meet service users one to one to listen and plan next steps",
        "verdict": "included",
        "round_settled": 1,
        "audiences": {"peer": {"percent": 95.0, "n": 58}, "staff": {"percent": 88.0, "n": 140}},
    },
    {
        "task_id": "team_rounds",
        "domain_id": "team",
        "domain_title": "Work within the clinical team",
        "text": "Attend team meetings and ward rounds",
        "verdict": "included",
        "round_settled": 2,
        "audiences": {"peer": {"percent": 90.0, "n": 58}, "staff": {"percent": 72.5, "n": 140}},
    },
    {
        "task_id": "restraint",
        "domain_id": "team",
        "domain_title": "Work within the clinical team",
        "text": "Take part in restraint or seclusion",
        "verdict": "excluded",
        "round_settled": 2,
        "audiences": {"peer": {"percent": 8.0, "n": 58}, "staff": {"percent": 15.0, "n": 140}},
    },
    {
        "task_id": "records",
        "domain_id": "admin",
        "domain_title": "Administration and records",
        "text": "Write in the medical record",
        "verdict": "open",
        "round_settled": None,
        "audiences": {
            "peer": {"percent": 81.0, "n": 58},
            "staff": {"percent": 22.0, "n": 140},
            "service_user": {"percent": 55.0, "n": 90},
        },
    },
]

HE_TASKS = [
    {
        "task_id": "one_listen",
        "domain_id": "one_to_one",
        "domain_title": "ליווי אישי",
        "text": "פגישות אישיות עם מקבלי שירות כדי להקשיב ולתכנן צעדים",
        "verdict": "included",
        "round_settled": 1,
        "audiences": {"peer": {"percent": 95.0, "n": 58}, "staff": {"percent": 88.0, "n": 140}},
    },
    {
        "task_id": "restraint",
        "domain_id": "team",
        "domain_title": "עבודה בצוות הקליני",
        "text": "השתתפות בריסון או בבידוד",
        "verdict": "excluded",
        "round_settled": 2,
        "audiences": {"peer": {"percent": 8.0, "n": 58}, "staff": {"percent": None, "n": None}},
    },
    {
        "task_id": "records",
        "domain_id": "admin",
        "domain_title": "מנהלה ותיעוד",
        "text": "כתיבה ברשומה הרפואית",
        "verdict": "open",
        "round_settled": None,
        "audiences": {"peer": {"percent": 81.0, "n": 58}, "staff": {"percent": 22.0, "n": 140}},
    },
]

NEED = DevelopmentItem(
    status="need",
    level="domain",
    competency="Voice and advocacy",
    domain="Voice and advocacy",
    audience="Staff",
    mean_self=4.0,
    mean_other=3.1,
    n_self=58,
    n_other=140,
    diff=-0.9,
    ci_low=-1.2,
    ci_high=-0.6,
    scale_min=1,
    scale_max=5,
    not_observed=0.12,
)
STRENGTH = replace(
    NEED,
    status="strength",
    level="item",
    competency="I take time to listen to what matters to each person.",
    domain="Connection and mutuality",
    audience="Service users",
    mean_self=3.6,
    mean_other=4.3,
    n_other=90,
    diff=0.7,
    ci_low=0.4,
    ci_high=1.0,
    not_observed=None,
)


def _english() -> JobDefinition:
    return job_definition_from_tasks(
        EN_TASKS,
        title="Peer specialist: draft job definition",
        organisation="Riverside Mental Health Service",
        language="en",
        purpose="Peer specialists use their own lived experience of recovery to support service users.",
        rounds=2,
        responses={"peer": 58, "staff": 140, "service_user": 90},
        suppression_note="Groups with fewer than 5 responses are not shown.",
        development_plan=[NEED, STRENGTH],
    )


def _hebrew() -> JobDefinition:
    return job_definition_from_tasks(
        HE_TASKS,
        title="עובד/ת עמית/ה: טיוטת הגדרת תפקיד",
        organisation="מרכז לבריאות הנפש",
        language="he",
        purpose="עובדים עמיתים נעזרים בניסיון ההחלמה שלהם כדי לתמוך במקבלי שירות.",
        rounds=2,
        responses={"peer": 58, "staff": None},
        development_plan=[NEED],
    )


def test_tasks_fall_into_the_roles_parts() -> None:
    definition = _english()
    assert [d.id for d in definition.domains] == ["one_to_one", "team"]
    assert [t.id for t in definition.domains[1].tasks] == ["team_rounds"]
    assert [t.id for t in definition.boundaries] == ["restraint"]
    [records] = definition.contested
    assert [a.audience for a in records.stances("for")] == ["peer"]
    assert [a.audience for a in records.stances("against")] == ["staff"]
    assert [a.audience for a in records.stances("divided")] == ["service_user"]
    assert definition.method.consensus_rule == LABELS["en"]["default_rule"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"verdict": "maybe"}, "verdict must be one of"),
        ({"audiences": {"peer": {"percent": 140, "n": 3}}}, "percent must lie in 0-100"),
    ],
)
def test_bad_task_rows_are_refused_with_the_reason(change: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        job_definition_from_tasks(
            [{**EN_TASKS[0], **change}], title="t", organisation="o", language="en", purpose="p", rounds=1, responses={}
        )


def test_a_task_listed_twice_is_refused() -> None:
    with pytest.raises(ValueError, match="appears twice"):
        job_definition_from_tasks(
            [EN_TASKS[0], EN_TASKS[0]], title="t", organisation="o", language="en", purpose="p", rounds=1, responses={}
        )


def _docx_text(data: bytes) -> tuple[list[tuple[str, str]], list[str], Document]:
    document = Document(io.BytesIO(data))
    paragraphs = [(p.style.name, p.text) for p in document.paragraphs]
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return paragraphs, cells, document


def test_word_document_holds_every_part() -> None:
    paragraphs, cells, _ = _docx_text(WRITERS["docx"].write(_english()))
    headings = [text for style, text in paragraphs if style.startswith("Heading") or style == "Title"]
    assert headings == [
        "Peer specialist: draft job definition",
        "Purpose of the role",
        "Tasks of the role",
        "One-to-one support",
        "Work within the clinical team",
        "Boundaries: not part of the role",
        "Contested tasks for discussion",
        "Development plan",
        "How this draft was made",
    ]
    for task in EN_TASKS:
        assert task["text"] in cells
    assert "Peer specialists 90% (n=58); Staff 72% (n=140)" in cells  # the evidence of a settled task
    assert "Training need" in cells
    assert "Voice and advocacy" in cells
    assert "Strength peers underrate" in cells
    assert "\u22120.9 (\u22121.2 \u2013 \u22120.6)" in cells  # the gap with its interval
    assert "Staff 22% (n=140)" in cells  # a contested task: who is against
    assert any("Riverside" in text for _, text in paragraphs)


def test_hebrew_word_document_is_right_to_left() -> None:
    _paragraphs, cells, document = _docx_text(WRITERS["docx"].write(_hebrew()))
    assert "כתיבה ברשומה הרפואית" in cells
    assert label("he", "hidden") in " ".join(cells)  # a hidden audience says so, in Hebrew
    body = [p for p in document.paragraphs if p.text]
    assert body, "the document has paragraphs"
    for paragraph in body:
        assert paragraph._p.pPr is not None, paragraph.text
        assert paragraph._p.pPr.find(qn("w:bidi")) is not None, paragraph.text
        for run in paragraph.runs:
            assert run._r.rPr.find(qn("w:rtl")) is not None
    for table in document.tables:
        assert table._tbl.tblPr.find(qn("w:bidiVisual")) is not None
        first = table.rows[0].cells[0].paragraphs[0]
        assert first._p.pPr.find(qn("w:bidi")) is not None


def test_english_word_document_is_not_marked_right_to_left() -> None:
    _, _, document = _docx_text(WRITERS["docx"].write(_english()))
    assert all(p._p.pPr is None or p._p.pPr.find(qn("w:bidi")) is None for p in document.paragraphs)


def _markdown_tasks(text: str) -> set[str]:
    return {cell.strip() for line in text.splitlines() if line.startswith("| ") for cell in line.strip("|").split(" | ")}


@pytest.mark.parametrize("build", [_english, _hebrew])
def test_markdown_and_csv_hold_the_same_tasks(build) -> None:
    definition = build()
    markdown = WRITERS["md"].write(definition).decode("utf-8")
    rows = list(csv.DictReader(io.StringIO(WRITERS["csv"].write(definition).decode("utf-8-sig"))))
    texts = [t.text for t in definition.all_tasks()]
    assert [r["task"] for r in rows] == texts
    assert {r["status"] for r in rows} == {"included", "excluded", "open"}
    cells = _markdown_tasks(markdown)
    assert set(texts) <= cells
    assert markdown.startswith("# " + definition.title)
    for heading in ("tasks", "boundaries", "contested", "development", "method"):
        assert f"\n## {label(definition.language, heading)}\n" in markdown


def test_csv_writes_evidence_per_audience_and_neutralises_formulas() -> None:
    row = {**EN_TASKS[0], "text": '=HYPERLINK("http://x")'}
    definition = job_definition_from_tasks(
        [row], title="t", organisation="o", language="en", purpose="p", rounds=1, responses={"peer": 58}
    )
    [written] = csv.DictReader(io.StringIO(WRITERS["csv"].write(definition).decode("utf-8-sig")))
    assert written["task"].startswith("'=")
    assert (written["peer_percent"], written["peer_n"], written["peer_stance"]) == ("95.0", "58", "for")
    assert written["round_settled"] == "1"


def test_markdown_escapes_table_separators() -> None:
    row = {**EN_TASKS[0], "text": "Plan | review"}
    definition = job_definition_from_tasks([row], title="t", organisation="o", language="en", purpose="p", rounds=1, responses={})
    assert "Plan \\| review" in WRITERS["md"].write(definition).decode("utf-8")


def test_print_page_is_escaped_has_no_navigation_and_declares_direction() -> None:
    row = {**EN_TASKS[0], "text": "<script>alert(1)</script> listen"}
    english = job_definition_from_tasks([row], title="t", organisation="o", language="en", purpose="p", rounds=1, responses={})
    page = WRITERS["html"].write(english).decode("utf-8")
    assert "<script>" not in page
    assert "&lt;script&gt;" in page
    assert "<nav" not in page
    assert "@page { size: A4" in page
    hebrew = WRITERS["html"].write(_hebrew()).decode("utf-8")
    assert re.search(r'<html lang="he" dir="rtl">', hebrew)


def test_development_plan_from_the_training_result() -> None:
    gap = {
        "audience": "staff",
        "audience_label": "Staff",
        "n_self": 58,
        "n_other": 140,
        "mean_self": 4.0,
        "mean_other": 3.1,
        "diff": -0.9,
        "ci_low": -1.2,
        "ci_high": -0.6,
        "hedges_g": -0.9,
        "cliffs_delta": -0.4,
        "reading": "self_higher",
        "not_observed": 0.1,
    }
    entry = {
        "level": "domain",
        "id": "voice_advocacy",
        "label": "Voice and advocacy",
        "self_label": "",
        "domain_id": "voice_advocacy",
        "domain_label": "Voice and advocacy",
        "scale_min": 1,
        "scale_max": 5,
        "status": "need",
        "lead": "staff",
        "gaps": [gap],
    }
    unclear = {**entry, "id": "x", "status": "unclear", "lead": None, "gaps": []}
    strength = {**entry, "id": "y", "status": "strength", "gaps": [{**gap, "diff": 1.2}]}
    result = {"instruments": [{"domains": [entry, strength, unclear], "items": []}]}
    plan = development_plan_from_training(result, "he")
    assert [p.status for p in plan] == ["need", "strength"]
    assert plan[0].audience == LABELS["he"]["staff"]
    assert plan[0].diff == -0.9


@pytest.mark.parametrize("language", ["he", "ar"])
def test_every_fixed_word_is_translated(language: str) -> None:
    assert set(LABELS[language]) == set(LABELS["en"])
    assert all(LABELS[language][k] and LABELS[language][k] != LABELS["en"][k] for k in LABELS["en"])


def test_arabic_document_uses_arabic_headings_right_to_left() -> None:
    definition = replace(_hebrew(), language="ar", method=replace(_hebrew().method, consensus_rule=LABELS["ar"]["default_rule"]))
    _, _, document = _docx_text(WRITERS["docx"].write(definition))
    headings = [p for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert LABELS["ar"]["boundaries"] in [p.text for p in headings]
    assert all(p._p.pPr.find(qn("w:bidi")) is not None for p in headings)
