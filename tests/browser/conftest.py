"""Fixtures for the browser tests: the real app served on a free local port, driven by Debian's Chromium.

Each test gets the ``app`` of tests/conftest.py (a fresh, migrated SQLite file), served by werkzeug in a
background thread (``live_server`` and ``chromium`` are in chromium.py, registered once by tests/conftest.py
so that tests/security shares the one browser); requests there get their own app contexts, hence their own
database sessions. Chromium is launched once per session and every test opens its own browser contexts
(own cookies and local storage).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page

from .chromium import CHROMIUM, CHROMIUM_ARGS, TIMEOUT_MS, open_context

__all__ = ["CHROMIUM", "CHROMIUM_ARGS", "PHONE", "TIMEOUT_MS", "open_context"]

PHONE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}


@pytest.fixture
def open_phone(chromium: Browser, live_server: str) -> Iterator[Callable[[], Page]]:
    """Opens a page on a phone-size screen in a NEW browser context: fresh cookies and storage, like another device."""
    contexts: list[BrowserContext] = []

    def open_page() -> Page:
        context = open_context(chromium, live_server, "en-US", **PHONE)
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
