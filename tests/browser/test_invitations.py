"""An admin e-mails invitations to a local SMTP server, watches the batches go out, and sends a reminder."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, expect

from surveyapp.services.accounts import create_user
from tests.mail_helpers import respond, token_in
from tests.smtp_server import SmtpServer, running_smtp_server

from .conftest import open_context
from .helpers import ARTIFACTS, screenshot

NOW = dt.datetime(2026, 11, 24, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def smtp_server(app: Flask, live_server: str) -> Iterator[SmtpServer]:
    for server in running_smtp_server():
        app.config.update(server.config(), BASE_URL=live_server, MAIL_BATCH_SIZE=2)
        yield server


@pytest.fixture
def admin_page(chromium: Browser, live_server: str, make_survey) -> Iterator[Page]:
    make_survey()
    create_user("admin@example.org", "correct horse battery", "admin", NOW, None)
    context = open_context(chromium, live_server, "en-US", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto("/login")
    page.get_by_label("E-mail").fill("admin@example.org")
    page.get_by_label("Password").fill("correct horse battery")
    page.get_by_role("button", name="Sign in").click()
    yield page
    context.close()


@pytest.mark.browser
def test_admin_sends_invitations_and_a_reminder(admin_page: Page, smtp_server: SmtpServer, live_server: str) -> None:
    page = admin_page
    page.goto("/admin/")
    page.get_by_role("link", name="Invitations: e-mail, reminders, QR slips").click()
    expect(page.get_by_role("heading", name="Invitations for mini-survey")).to_be_visible()
    email = page.locator("#email")
    email.get_by_label("Audience").select_option("staff")
    email.get_by_label("or paste addresses").fill(
        "email,unit,language\nrivka@example.org,Ward 1,he\nomar@example.org,Ward 1,en\n"
        "lee@example.org,Ward 2,en\nbounce@example.org,Ward 2,en\nsam@example.org,Ward 2,en\n"
    )
    email.get_by_role("button", name="Send invitations").click()
    # batches of two: the page asks for the next batch by itself until none is waiting
    expect(page.get_by_text("All messages sent")).to_be_visible()
    expect(page.locator("#failures")).to_contain_text("bounce@example.org")
    expect(page.locator("#failures")).to_contain_text("no such mailbox")
    screenshot(page, "invitations-sent")
    assert sorted(r.message["To"] for r in smtp_server.received) == sorted(
        ["rivka@example.org", "omar@example.org", "lee@example.org", "sam@example.org"]
    )
    tokens = {r.message["To"]: token_in(r.message.get_content()) for r in smtp_server.received}
    assert all(
        f"{live_server}/r/{t}" in r.message.get_content() for r, t in zip(smtp_server.received, tokens.values(), strict=True)
    )
    for address in ("omar@example.org", "lee@example.org"):
        respond(tokens[address])

    smtp_server.received.clear()
    page.locator("#remind").get_by_role("button", name="Send reminder").click()
    expect(page.get_by_text("Reminder queued for 2 people who have not submitted.")).to_be_visible()
    expect(page.get_by_text("All messages sent")).to_be_visible()
    assert sorted(r.message["To"] for r in smtp_server.received) == ["rivka@example.org", "sam@example.org"]
    assert smtp_server.received[0].message["Subject"].startswith(("Reminder", "תזכורת"))
    screenshot(page, "invitations-reminded")

    page.goto("/dashboard/mini-survey")
    rates = page.locator("#response-rates")
    expect(rates).to_contain_text("Response rates")
    expect(rates.get_by_role("row", name="Staff")).to_contain_text("4")  # the refused address invited nobody
    expect(rates).to_contain_text("Ward 2")
    expect(rates).to_contain_text("Reminders sent")
    ARTIFACTS.mkdir(exist_ok=True)
    rates.screenshot(path=ARTIFACTS / "response-rates.png")
