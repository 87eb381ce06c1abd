"""Chromium (Debian's, driven by Playwright) and the app served on a free local port: fixtures for every test
that needs a real browser (tests/browser, tests/security). Registered once, as a plugin of tests/conftest.py:
a session-scoped browser defined in two conftest files would start a second Playwright, which fails.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import Browser, BrowserContext, sync_playwright
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
TIMEOUT_MS = 10_000  # a local server answers in milliseconds; fail fast rather than after Playwright's 30 s


def open_context(browser: Browser, base_url: str, locale: str = "en-US", **options: Any) -> BrowserContext:
    """A browser context on the test server with the suite's timeouts. Navigation may take longer: a results page
    computed for the first time takes the survey's suppression decision (docs/architecture.md)."""
    context = browser.new_context(base_url=base_url, locale=locale, **options)
    context.set_default_timeout(TIMEOUT_MS)
    context.set_default_navigation_timeout(9 * TIMEOUT_MS)
    return context


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
