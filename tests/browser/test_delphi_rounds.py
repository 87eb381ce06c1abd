"""Delphi round 2 on a 360 px phone in Hebrew: round 1's result per group and the respondent's own earlier answer."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from surveyapp.services.delphi_rounds import next_round
from tests.web.test_delphi_rounds import NAMES, PEERS, SPEC, STAFF, answer

from .helpers import assert_fits_width, start


@pytest.mark.browser
def test_round_two_on_a_hebrew_phone_shows_round_one_and_the_own_answer(
    app: Flask, phone: Page, make_survey, invite, tmp_path: Path
) -> None:
    survey = make_survey(**SPEC)
    tokens = dict(zip(PEERS, invite("role-delphi", "peer", 3), strict=True))
    tokens |= dict(zip(STAFF, invite("role-delphi", "staff", 3), strict=True))
    for name, codes in {**PEERS, **STAFF}.items():
        answer(app.test_client(), tokens[name], dict(zip(NAMES, codes, strict=True)))
    next_round(survey, None, dt.datetime.now(dt.UTC), app.config["SECRET_KEY"])

    start(phone, f"/r/{tokens['B']}", "he")  # B rated "one to one" Appropriate in round 1
    expect(phone.locator("html")).to_have_attribute("dir", "rtl")
    result = phone.locator(".round-result").first
    expect(result).to_contain_text("כך ענתה כל קבוצה בסבב 1:")
    bars = result.get_by_role("img")
    expect(bars).to_have_count(2)  # peers and staff; no service user answered
    expect(bars.first).to_have_accessible_name(re.compile(r"^.+: חיוני 33%, מתאים 33%, לא מתאים 33%, .+ 0%, לא יודע/ת 0%$"))
    expect(result).to_contain_text("67% חיוני או מתאים")
    expect(result.locator(".own-previous")).to_have_text(re.compile(r"התשובה שלך בסבב 1:\s*מתאים"))
    previous = phone.locator("label.opt-previous")
    expect(previous).to_have_count(1)
    expect(previous).to_contain_text("מתאים")
    expect(previous).to_contain_text("התשובה שלך בסבב 1")
    # right to left: the bar starts ("essential") on the right, like the text
    bar = bars.first.bounding_box()
    first_segment = bars.first.locator("rect").first.bounding_box()
    assert first_segment["x"] + first_segment["width"] == pytest.approx(bar["x"] + bar["width"], abs=2)
    assert_fits_width(phone)
    shot = tmp_path / "he-round-2.png"
    phone.screenshot(path=shot, full_page=True)
    print("screenshot:", shot)
    assert shot.stat().st_size > 10_000
