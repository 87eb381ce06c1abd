"""The role-definition view, its downloads and the proposals page: who may see them and what they hold."""

from __future__ import annotations

import base64
import csv
import datetime as dt
import hashlib
import io
import re

import pytest
from docx import Document
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from surveyapp.db import AuditEvent, db
from surveyapp.instruments import load_directory
from surveyapp.services.access import grant
from surveyapp.services.delphi_view import VIEW_COLUMNS
from surveyapp.services.demo_delphi import DELPHI_SLUG, ensure_demo_delphi
from surveyapp.services.instrument_registry import register_instruments

from ..conftest import ROOT
from .test_dashboard import sign_in

NOW = dt.datetime(2026, 12, 7, 9, 0, tzinfo=dt.UTC)
BASE = f"/delphi/{DELPHI_SLUG}"
PAGES = (
    BASE,
    f"{BASE}/table.csv",
    f"{BASE}/definition.docx",
    f"{BASE}/definition.md",
    f"{BASE}/definition.csv",
    f"{BASE}/definition",
)


@pytest.fixture
def role_delphi(app: Flask) -> None:
    register_instruments(sorted(load_directory(ROOT / "instruments").values(), key=lambda i: i.id), NOW)
    ensure_demo_delphi(ROOT / "instruments", NOW, "test-secret")


def test_a_manager_needs_a_grant_then_reads_the_view(client: FlaskClient, role_delphi) -> None:
    email = sign_in(client, "manager")
    for path in PAGES:
        assert client.get(path).status_code == 404, path  # without a grant the survey looks unknown
    grant(email, DELPHI_SLUG, NOW, None)
    page = client.get(BASE)
    assert page.status_code == 200
    assert "default-src 'self'" in page.headers["Content-Security-Policy"]  # the app's strict policy: no inline style
    assert 'style="' not in page.text
    assert "Role definition: " in page.text
    assert "14 tasks agreed as part of the role, 2 agreed as not part of it, 14 still open." in page.text  # round 1 only
    assert "This Delphi has 1 more round that your account has no access to" in page.text
    assert "Peer specialists meet service users one to one" in page.text
    assert "The groups disagree: peer specialists want it in the role; staff do not" in page.text
    assert "Done but disputed" in page.text
    assert "Notes need clinical training first." in page.text  # 12 staff commented: shown
    assert '<meter min="0" max="100"' in page.text
    assert "medical_record" not in re.sub(r'id="[^"]*"|href="[^"]*"', "", page.text)  # titles, never codes
    assert f'href="{BASE}"' in client.get("/dashboard/").text  # linked from the surveys list
    assert client.get(f"{BASE}?round=1").status_code == 200
    grant(email, f"{DELPHI_SLUG}-r2", NOW, None)
    both = client.get(BASE).text
    assert "20 tasks agreed as part of the role, 3 agreed as not part of it, 7 still open." in both
    assert "R1: open, R2: included" in both
    assert "of ratings moved" in both


def test_the_table_and_definition_downloads_are_audited(client: FlaskClient, role_delphi) -> None:
    sign_in(client, "admin")
    table = client.get(f"{BASE}/table.csv")
    assert table.headers["Content-Disposition"] == f'attachment; filename="{DELPHI_SLUG}-role-definition-all-rounds.csv"'
    rows = list(csv.reader(io.StringIO(table.text.lstrip("\ufeff"))))
    assert rows[0] == list(VIEW_COLUMNS)
    assert len(rows) == 1 + 30 * 3
    word = client.get(f"{BASE}/definition.docx?lang=he")
    assert word.headers["Content-Disposition"] == f'attachment; filename="{DELPHI_SLUG}-job-definition-he.docx"'
    assert any("ליווי אישי" in p.text for p in Document(io.BytesIO(word.data)).paragraphs)
    assert client.get(f"{BASE}/definition.md").data.decode().startswith("# Peer specialist: draft job definition")
    assert client.get(f"{BASE}/definition.pdf").status_code == 404
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action.like("download.%"))).all()
    assert [(e.action, (e.detail or {}).get("format")) for e in events] == [
        ("download.delphi_table", None),
        ("download.job_definition", "docx"),
        ("download.job_definition", "md"),
    ]


def test_the_printable_page_carries_only_its_own_style(client: FlaskClient, role_delphi) -> None:
    sign_in(client, "admin")
    page = client.get(f"{BASE}/definition?lang=ar")
    assert page.status_code == 200
    assert 'dir="rtl"' in page.text
    assert "<nav" not in page.text
    assert "<script" not in page.text
    policy = page.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in policy
    assert "default-src 'none'" in policy
    style = re.search(r"<style>(.*?)</style>", page.text, re.DOTALL).group(1).encode()
    assert f"'sha256-{base64.b64encode(hashlib.sha256(style).digest()).decode()}'" in policy
    assert "@page { size: A4" in page.text


def test_proposals_are_for_admins_only(client: FlaskClient, role_delphi) -> None:
    email = sign_in(client, "manager")
    grant(email, DELPHI_SLUG, NOW, None)
    assert client.get(f"{BASE}/proposals").status_code == 403
    assert client.post(f"{BASE}/proposals", data={"domain": "groups"}).status_code == 403
    assert "Proposed tasks (admins)" not in client.get(BASE).text


def test_an_admin_accepts_a_proposal_as_a_task(client: FlaskClient, role_delphi) -> None:
    sign_in(client, "admin", "boss@example.org")
    page = client.get(f"{BASE}/proposals")
    assert page.status_code == 200
    assert f'href="{BASE}/proposals"' in client.get("/admin/").text  # linked from the surveys list
    assert "Run a peer-support line in the evenings." in page.text
    assert "Staff fewer than 10" in page.text
    refused = client.post(f"{BASE}/proposals", data={"domain": "groups", "text-peer-en": "Run an evening line"})
    assert refused.status_code == 400
    assert "Write the task for every audience in every language" in refused.text
    assert "Run an evening line" in refused.text  # what the admin typed is kept
    form = {"domain": "groups"}
    for audience in ("peer", "staff", "service_user"):
        for lang in ("en", "he", "ar"):
            form[f"text-{audience}-{lang}"] = f"Evening peer-support line ({audience}, {lang})"
    accepted = client.post(f"{BASE}/proposals", data=form)
    assert accepted.status_code == 302
    listed = client.get(f"{BASE}/proposals").text
    assert "Evening peer-support line (peer, en)" in listed
    assert "waiting for round 3" in listed  # round 2 already runs


def test_strangers_reach_nothing(client: FlaskClient, role_delphi) -> None:
    for path in (*PAGES, f"{BASE}/proposals"):
        response = client.get(path)
        assert response.status_code in (302, 401, 403), path
        assert b"one to one" not in response.data


def test_a_proposal_is_shown_as_text_never_as_markup(client: FlaskClient, app: Flask, monkeypatch) -> None:
    from surveyapp.services import demo_delphi
    from surveyapp.services.surveys import create_survey

    attack = '<script>alert("proposal")</script><img src=x onerror=alert(1)>'
    monkeypatch.setitem(demo_delphi.PROPOSALS, "peer", [attack])
    register_instruments(sorted(load_directory(ROOT / "instruments").values(), key=lambda i: i.id), NOW)
    spec = demo_delphi.DELPHI_SPEC.read_text(encoding="utf-8").replace(DELPHI_SLUG, "xss-delphi")
    survey = create_survey(spec, "xss.yaml", ROOT / "instruments", NOW, None)
    demo_delphi.add_delphi_responses(
        survey, demo_delphi.ROUND_1, {"peer": 12, "staff": 5, "service_user": 5}, NOW, proposals=True
    )
    sign_in(client, "admin")
    page = client.get("/delphi/xss-delphi/proposals").text
    assert attack not in page
    assert "&lt;script&gt;alert(&#34;proposal&#34;)&lt;/script&gt;" in page


def test_the_tasks_read_in_the_survey_languages(client: FlaskClient, role_delphi) -> None:
    sign_in(client, "admin")
    page = client.get(f"{BASE}?lang=he").text
    assert '<span class="task-title" lang="he" dir="auto">' in page
    assert "ליווי אישי" in page  # the domain's Hebrew title
    assert f'href="{BASE}?lang=ar"' in page
