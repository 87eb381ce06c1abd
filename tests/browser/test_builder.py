"""An admin on a desktop builds a survey without YAML: short forms of two instruments for two audiences in
Hebrew and English, watches the lengths update, previews it as each audience, and opens it."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from surveyapp.db import Survey, db
from surveyapp.services.accounts import create_user

from .chromium import open_context
from .helpers import screenshot

PASSWORD = "correct horse battery"
DESKTOP = {"viewport": {"width": 1280, "height": 900}}


@pytest.fixture
def admin_page(chromium: Browser, live_server: str) -> Page:
    create_user("quality.lead@example.org", PASSWORD, "admin", dt.datetime.now(dt.UTC), None)
    context = open_context(chromium, live_server, "en-US", **DESKTOP)
    page = context.new_page()
    page.goto("/login")
    page.get_by_label("E-mail").fill("quality.lead@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name=re.compile("Sign in", re.I)).click()
    expect(page).not_to_have_url(re.compile(r"/login"))
    yield page
    context.close()


def _length(page: Page, audience: str) -> str:
    return page.locator(f'tr[data-audience="{audience}"] td.len-questions').inner_text()


@pytest.mark.browser
def test_an_admin_builds_previews_and_opens_a_survey_without_yaml(admin_page: Page) -> None:
    page = admin_page
    page.goto("/admin/")
    page.get_by_role("link", name="New survey").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("New survey")
    page.locator('input[name="languages"][value="he"]').check()
    page.locator("#title-en").fill("Peer role, short form")
    page.locator("#title-he").fill("תפקיד העמית, גרסה קצרה")
    page.locator("#consent-en").fill("Taking part is voluntary. Your answers are anonymous.")
    page.locator("#consent-he").fill("ההשתתפות מרצון. התשובות אנונימיות.")
    expect(page.locator("#title-he")).to_have_attribute("dir", "rtl")
    page.locator('input[name="audiences"][value="peer"]').check()
    page.locator('input[name="audiences"][value="staff"]').check()
    page.locator('input[name="instruments"][value="p-role"]').check()
    page.locator('input[name="instruments"][value="work-sat"]').check()
    expect(page.locator('tr[data-audience="peer"]')).to_be_visible()
    expect(page.locator('tr[data-audience="peer"] td.len-questions')).to_have_text("36")  # both whole: 18 + 18
    for instrument, part in (("p-role", "clarity"), ("work-sat", "global_satisfaction")):
        block = page.locator(".builder-instrument").filter(has=page.locator(f'input[name="instruments"][value="{instrument}"]'))
        block.locator("summary").click()
        block.locator(f'input[name="parts.{instrument}"][value="{part}"]').check()
    # the script recounts as parts are ticked: clarity (5) and global satisfaction (3)
    expect(page.locator('tr[data-audience="peer"] td.len-questions')).to_have_text("8")
    expect(page.locator('tr[data-audience="staff"] td.len-questions')).to_have_text("8")
    expect(page.locator('tr[data-audience="service_user"]')).to_be_hidden()
    minutes = page.locator('tr[data-audience="peer"] td.len-minutes').inner_text()
    assert minutes == "2", minutes
    screenshot(page, "builder-form")

    page.get_by_role("button", name="Create draft survey").click()
    expect(page).to_have_url(re.compile(r"/admin/surveys/peer-role-short-form/preview$"))
    expect(page.locator("#duration")).to_have_text(re.compile(r"It takes about 2 minutes \(8 questions\)\."))
    screenshot(page, "builder-preview-consent-peer-en")
    page.locator('select[name="audience"]').select_option("staff")
    page.locator('select[name="lang"]').select_option("he")
    page.get_by_role("button", name="Show").click()
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.locator("h1")).to_have_text("תפקיד העמית, גרסה קצרה")
    page.locator(".preview-pages a").filter(has_text="p-role").first.click()
    expect(page.locator("fieldset.q-likert")).to_have_count(5)
    expect(page.locator("fieldset.q-likert").first.locator("legend")).to_contain_text("עמית")  # the staff wording, in Hebrew
    screenshot(page, "builder-preview-staff-he")
    page.goto("/admin/")  # the preview shows the staff header in the previewed language too

    card = page.locator(".survey-card").filter(has_text="peer-role-short-form")
    card.get_by_role("button", name="Open for answers").click()
    expect(page.locator(".flash")).to_contain_text("now open")
    screenshot(page, "builder-survey-list")
    survey = db.session.scalar(select(Survey).where(Survey.slug == "peer-role-short-form"))
    db.session.refresh(survey)
    assert survey.status == "open"
    assert survey.spec["short_forms"] == {"p-role": ["clarity"], "work-sat": ["global_satisfaction"]}
    assert survey.languages == ["en", "he"]
