"""The draft job definition's printable page prints to PDF in Chromium with the tasks and without navigation."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest
from playwright.sync_api import Browser

from surveyapp.reporting.job_definition import WRITERS
from tests.reporting.test_job_definition import EN_TASKS, HE_TASKS, _english, _hebrew

PDFTOTEXT = shutil.which("pdftotext")
BIDI_MARKS = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _pdf_text(chromium: Browser, html: bytes) -> str:
    context = chromium.new_context()
    try:
        page = context.new_page()
        page.set_content(html.decode("utf-8"), wait_until="load")
        pdf = page.pdf(format="A4", print_background=False, prefer_css_page_size=True)
    finally:
        context.close()
    assert pdf.startswith(b"%PDF")
    done = subprocess.run([PDFTOTEXT, "-", "-"], input=pdf, capture_output=True, check=True)
    # pdftotext wraps right-to-left runs in directional embedding marks; the words are what matter
    return BIDI_MARKS.sub("", done.stdout.decode("utf-8"))


@pytest.mark.skipif(PDFTOTEXT is None, reason="pdftotext (poppler-utils) is not installed")
def test_print_page_becomes_a_pdf_holding_every_task(chromium: Browser) -> None:
    text = " ".join(_pdf_text(chromium, WRITERS["html"].write(_english())).split())
    for task in EN_TASKS:
        assert task["text"] in text
    for part in ("Boundaries: not part of the role", "Contested tasks for discussion", "Development plan"):
        assert part in text
    for navigation in ("Sign out", "Dashboard", "Surveys", "On this page"):
        assert navigation not in text


@pytest.mark.skipif(PDFTOTEXT is None, reason="pdftotext (poppler-utils) is not installed")
def test_hebrew_print_page_becomes_a_pdf(chromium: Browser) -> None:
    text = " ".join(_pdf_text(chromium, WRITERS["html"].write(_hebrew())).split())
    for task in HE_TASKS:
        assert task["text"] in text
