"""A role task on a 360 px phone, in Hebrew (right to left): both questions fit, the comment unfolds, answers are kept."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from .helpers import assert_fits_width, screenshot, start


@pytest.mark.browser
def test_hebrew_peer_answers_a_task_on_a_phone(phone: Page, make_survey, invite) -> None:
    make_survey(slug="role-tasks", instruments=["tasks-mini"], audiences=["peer", "staff", "service_user"])
    start(phone, f"/r/{invite('role-tasks', 'peer')}", "he")
    expect(phone.locator("html")).to_have_attribute("dir", "rtl")
    task = phone.locator("fieldset.q-task").first
    expect(task.locator("legend").first).to_have_text("אני נפגש/ת עם מקבלי שירות באופן אישי.")
    role = task.get_by_role("group", name="האם זה צריך להיות חלק מתפקיד העמית כאן?")
    now = task.get_by_role("group", name="באיזו תדירות את/ה עושה זאת כיום?")
    expect(role.get_by_role("radio")).to_have_count(5)  # four points and "don't know"
    expect(now.get_by_role("radio")).to_have_count(5)
    # compact: the four role options take two rows of two on a 360 px screen, "don't know" a row of its own
    boxes = [label.bounding_box() for label in role.locator("label").all()]
    assert boxes[0]["y"] == boxes[1]["y"]
    assert boxes[2]["y"] == boxes[3]["y"] > boxes[0]["y"]
    assert boxes[4]["width"] > boxes[0]["width"] * 1.5
    assert boxes[0]["x"] > boxes[1]["x"]  # right to left: the first option is on the right
    assert_fits_width(phone)
    for control in phone.locator("form.survey-page").locator("input:not([type=hidden]), textarea").all():
        if control.is_visible():  # a folded comment box is hidden until opened (checked below)
            expect(control).to_have_accessible_name(re.compile(r"\S"))
    role.get_by_role("radio", name="חיוני").check()
    now.get_by_role("radio", name="כל שבוע").check()
    task.locator("summary").click()
    expect(task.get_by_role("textbox")).to_have_accessible_name("הערה (לא חובה)")
    task.get_by_role("textbox").fill("כל יום כמעט")
    screenshot(phone, "he-task-page")
    phone.get_by_role("button", name=re.compile("הבא")).click()
    expect(phone).to_have_url(re.compile(r"/p/2$"))
    phone.go_back()
    phone.reload()
    expect(phone.get_by_role("radio", name="חיוני").first).to_be_checked()
    expect(phone.locator("textarea").first).to_have_value("כל יום כמעט")
