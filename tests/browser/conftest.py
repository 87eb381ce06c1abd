"""Fixtures for the browser tests: the real app served on a free local port, driven by Debian's Chromium.

Each test gets the ``app`` of tests/conftest.py (a fresh, migrated SQLite file), served by werkzeug in a
background thread; requests there get their own app contexts, hence their own database sessions. Chromium is
launched once per session and every test opens its own browser contexts (own cookies and local storage).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright
from werkzeug.serving import make_server

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PHONE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}
TIMEOUT_MS = 10_000  # a local server answers in milliseconds; fail fast rather than after Playwright's 30 s


@pytest.fixture(scope="session")
def chromium() -> Iterator[Browser]:
    """Debian's Chromium (never a Playwright download). Missing is a failure, not a skip."""
    if not CHROMIUM.exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: run `make test`, which installs Debian's chromium package", pytrace=False)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def live_server(app: Flask) -> Iterator[str]:
    """The app on 127.0.0.1 at a free port; yields its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join()
        server.server_close()


@pytest.fixture
def open_phone(chromium: Browser, live_server: str) -> Iterator[Callable[[], Page]]:
    """Opens a page on a phone-size screen in a NEW browser context: fresh cookies and storage, like another device."""
    contexts: list[BrowserContext] = []

    def open_page() -> Page:
        context = chromium.new_context(base_url=live_server, locale="en-US", **PHONE)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()  # a no-op for contexts a test closed itself


@pytest.fixture
def phone(open_phone: Callable[[], Page]) -> Page:
    return open_phone()


@pytest.fixture
def respondent_link(make_survey, invite) -> Callable[..., str]:
    """The open mini survey; returns a factory of personal links (`/r/<token>`) for an audience."""
    make_survey()

    def link(audience: str = "peer") -> str:
        return f"/r/{invite(audience=audience)}"

    return link
