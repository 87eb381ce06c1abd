"""Shared by the invitation tests: a respondent answering through a mailed link, links found in messages."""

from __future__ import annotations

import datetime as dt
import re

from surveyapp.services.responding import resolve_link, start_response, submit_response

SECRET = "test-secret"
NOW = dt.datetime(2026, 11, 24, 9, 0, tzinfo=dt.UTC)
LINK = re.compile(r"https?://\S*/r/([A-Za-z0-9_-]{32})")


def respond(token: str, submit: bool = True, now: dt.datetime = NOW) -> None:
    """Start (and submit) the response behind ``token`` as the respondent's browser would."""
    link = resolve_link(token, now, SECRET)
    assert link.state in ("new", "in_progress"), link.state
    response = link.response or start_response(token, link, "en", now, SECRET)
    if submit:
        assert submit_response(response, token, now, SECRET)


def token_in(body: str) -> str:
    found = LINK.search(body)
    assert found, body
    return found.group(1)
