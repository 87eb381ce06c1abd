"""The results report (PDF): what it holds, in which language, for whom, and that it hides what the page hides."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import select

from surveyapp.db import AuditEvent, db
from surveyapp.services.access import grant
from surveyapp.services.dashboard import survey_dashboard
from surveyapp.services.demo import add_synthetic_responses
from tests.web.test_dashboard import NOW, sign_in

PDFTOTEXT, PDFINFO, PDFFONTS = shutil.which("pdftotext"), shutil.which("pdfinfo"), shutil.which("pdffonts")
BIDI_MARKS = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069]")
pytestmark = pytest.mark.skipif(PDFTOTEXT is None, reason="poppler-utils is not installed: `make test` installs it")


def pdf_text(pdf: bytes) -> str:
    assert pdf.startswith(b"%PDF")
    done = subprocess.run([PDFTOTEXT, "-", "-"], input=pdf, capture_output=True, check=True)
    # pdftotext wraps right-to-left runs in directional marks and breaks lines: the words are what matter
    return " ".join(BIDI_MARKS.sub("", done.stdout.decode("utf-8")).split())


def pdf_pages(pdf: bytes, tmp_path: Path) -> int:
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    info = subprocess.run([PDFINFO, str(path)], capture_output=True, check=True, text=True).stdout
    return int(re.search(r"^Pages:\s+(\d+)$", info, re.MULTILINE).group(1))


def embedded_fonts(pdf: bytes, tmp_path: Path) -> list[str]:
    path = tmp_path / "fonts.pdf"
    path.write_bytes(pdf)
    table = subprocess.run([PDFFONTS, str(path)], capture_output=True, check=True, text=True).stdout.splitlines()[2:]
    assert table, "the report uses no font"
    return [line.split()[-5] for line in table]  # the "emb" column


@pytest.fixture
def survey(make_survey):
    created = make_survey()
    add_synthetic_responses(created, 60, NOW)
    return created


def test_report_holds_findings_actions_instruments_and_method(client: FlaskClient, survey, tmp_path: Path) -> None:
    sign_in(client, "admin")
    response = client.get("/dashboard/mini-survey/report.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert 'filename="mini-survey-report-by-audience-en.pdf"' in response.headers["Content-Disposition"]
    text = pdf_text(response.data)
    for words in (
        "Mini survey",
        "Findings",
        "Action plan",
        "Mini instrument",
        "Clarity",
        "Method notes",
        "Responses by audience",
        "Groups smaller than 5 people are never shown",
        "not yet validated",
        "mini 1.0.0",
    ):
        assert words in text, words
    for heading in ("Findings", "Action plan"):  # once each: the shared partials bring their own headings
        assert text.count(heading) == 1, heading
    # the sentence the page writes for each subscale is the report's finding, word for word
    result = survey_dashboard(survey, viewer=None, audit=None)
    for block in result["instruments"]:
        for subscale in block["subscales"]:
            assert " ".join(subscale["sentence"].split()) in text
    # a cover with the findings, a page per instrument, the method notes
    assert 3 <= pdf_pages(response.data, tmp_path) <= 8
    assert set(embedded_fonts(response.data, tmp_path)) == {"yes"}


def test_hebrew_report_is_right_to_left_with_hebrew_titles_and_embedded_fonts(
    client: FlaskClient, survey, tmp_path: Path
) -> None:
    sign_in(client, "admin")
    response = client.get("/dashboard/mini-survey/report.pdf?language=he")
    assert response.status_code == 200
    text = pdf_text(response.data)
    assert "סקר קטן" in text  # the survey's title
    assert "כלי קטן" in text  # the instrument's title
    # a question as the peers read it, and an answer label of the chart's key ("/" splits a right-to-left
    # run in pdftotext's output, so words without one are looked for)
    assert "המשימות שלי" in text
    assert "ניטרלי" in text
    assert set(embedded_fonts(response.data, tmp_path)) == {"yes"}
    assert pdf_pages(response.data, tmp_path) >= 3


def test_report_language_must_be_one_of_the_surveys(client: FlaskClient, survey) -> None:
    sign_in(client, "admin")
    refused = client.get("/dashboard/mini-survey/report.pdf?language=ar")
    assert refused.status_code == 400
    assert "available in en, he" in refused.text


def test_report_follows_grants_and_is_audited(client: FlaskClient, survey) -> None:
    email = sign_in(client, "manager")
    assert client.get("/dashboard/mini-survey/report.pdf").status_code == 404  # not granted: no such survey
    grant(email, "mini-survey", NOW, None)
    assert client.get("/dashboard/mini-survey/report.pdf?language=he").status_code == 200
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "download.report")).all()
    assert len(events) == 1
    assert events[0].target == "mini-survey"
    assert events[0].detail["language"] == "he"


def test_report_hides_the_groups_the_page_hides(client: FlaskClient, make_survey, tmp_path: Path) -> None:
    created = make_survey(min_cell_size=20)
    add_synthetic_responses(created, 60, NOW)  # about 17 peers and 43 staff: peers are too few to show
    result = survey_dashboard(created, viewer=None, audit=None)
    hidden = {g["label"] for b in result["instruments"] for s in b["subscales"] for g in s["groups"] if g["hidden"]}
    shown = {(g["label"], g["n"]) for b in result["instruments"] for s in b["subscales"] for g in s["groups"] if not g["hidden"]}
    assert "Peer specialists" in hidden  # (and staff with them: their count would give the peers' away)
    sign_in(client, "admin")
    text = pdf_text(client.get("/dashboard/mini-survey/report.pdf").data)
    page = client.get("/dashboard/mini-survey").text
    for label in hidden:
        assert not re.search(rf"{label} \(n = \d+\)", text), f"{label} is hidden on the page but counted in the report"
    for label, n in shown:
        assert f"{label} (n = {n})" in text
    for block in result["instruments"]:
        for subscale in block["subscales"]:
            if subscale["note"]:
                assert " ".join(subscale["note"].split()) in text
                assert subscale["note"].split()[0] in page


def test_report_command_writes_the_pdf(runner: FlaskCliRunner, survey, tmp_path: Path) -> None:
    out = tmp_path / "report.pdf"
    done = runner.invoke(args=["report", "mini-survey", "--language", "he", "--out", str(out)])
    assert done.exit_code == 0, done.output
    assert f"Wrote {out} (he" in done.output
    assert "סקר קטן" in pdf_text(out.read_bytes())
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "download.report")).one()
    assert event.detail["via"] == "cli"
    wrong = runner.invoke(args=["report", "mini-survey", "--language", "fr", "--out", str(out)])
    assert wrong.exit_code == 2
    assert "the survey's languages are en, he" in wrong.output


def test_download_button_on_the_results_page(client: FlaskClient, survey) -> None:
    sign_in(client, "admin")
    page = client.get("/dashboard/mini-survey?by=audience").text
    assert "Download report (PDF)" in page
    assert 'action="/dashboard/mini-survey/report.pdf"' in page
    assert '<option value="he">' in page


def test_group_names_with_a_percent_sign_do_not_break_the_report(client: FlaskClient, survey, monkeypatch) -> None:
    """Group names come from survey texts (a unit called "Ward 100%"): shown as written, never %-formatted."""
    from surveyapp.services import dashboard

    real = dashboard.survey_dashboard

    def renamed(*args, **kwargs):
        result = real(*args, **kwargs)
        for block in result["instruments"]:
            for subscale in block["subscales"]:
                for group in subscale["groups"]:
                    group["label"] = f"{group['label']} 100%"
        return result

    monkeypatch.setattr(dashboard, "survey_dashboard", renamed)
    sign_in(client, "admin")
    response = client.get("/dashboard/mini-survey/report.pdf")
    assert response.status_code == 200
    assert "Staff 100% (n =" in pdf_text(response.data)


def test_report_prints_the_pages_findings_and_action_plan(client: FlaskClient, survey) -> None:
    """The report carries what the results page opens with: its findings in words and the action plan."""
    from flask_babel import gettext

    from surveyapp.db import User, db
    from surveyapp.services.actions import ActionInput, save_action
    from surveyapp.services.findings import survey_findings

    email = sign_in(client, "admin")
    admin = db.session.scalar(db.select(User).where(User.email == email))
    save_action(survey, ActionInput("Write the peer role down with the ward team", "Ward manager", None), actor=admin, now=NOW)
    text = " ".join(pdf_text(client.get("/dashboard/mini-survey/report.pdf").data).split())
    assert "Write the peer role down with the ward team" in text
    assert "Ward manager" in text
    findings = survey_findings(survey_dashboard(survey, viewer=None, audit=None), gettext)
    assert findings["stated"] or findings["not_clear"]
    for finding in findings["stated"]:
        assert " ".join(finding["sentence"].split()) in text, finding["sentence"]
    if findings["not_clear"]:
        assert "No clear difference on:" in text
        assert all(n["subscale"] in text for n in findings["not_clear"])
