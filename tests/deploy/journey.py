"""A respondent's steps through a real server, as a phone sends them."""

from __future__ import annotations

from tests.deploy.servers import Browser, Reply

PAGE1 = {"mini.clear": "4", "mini.unclear": "2", "mini.valued": "5"}
PAGE2 = {"mini.years": "3", "mini.tasks": ["1", "3"], "mini.comments": "Thanks"}


def consent(browser: Browser, token: str) -> None:
    page = browser.get(f"/r/{token}/consent")
    agreed = browser.post(f"/r/{token}/consent", {"csrf_token": page.csrf(), "consent": "yes"})
    assert agreed.status == 302, agreed.status
    assert agreed.location.endswith(f"/r/{token}/p/1")


def send_page(browser: Browser, token: str, number: int, answers: dict, action: str = "next") -> Reply:
    page = browser.get(f"/r/{token}/p/{number}")
    assert page.status == 200, page.status
    return browser.post(f"/r/{token}/p/{number}", {"csrf_token": page.csrf(), "action": action, **answers})


def submit(browser: Browser, token: str) -> Reply:
    review = browser.get(f"/r/{token}/review")
    assert review.status == 200, review.status
    return browser.post(f"/r/{token}/submit", {"csrf_token": review.csrf()})
