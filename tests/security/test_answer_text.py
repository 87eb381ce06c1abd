"""Finding 5 of issue 9: free text is stored and shown exactly as typed, whatever it looks like.

Multi-choice answers are a JSON list in ``answer.value_text``; free text that looked like one ("[not sure]
..." gave a 500, "[1, 2]" came back as "1") was read as a list. Only the item's type says which a stored
text is. And a NUL character is refused with a clear message on every way in (form, CSV import, survey
spec, instrument file): PostgreSQL cannot store it (a 500) and SQLite put it in the exports.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from flask import Flask, current_app
from flask.testing import FlaskClient
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from markupsafe import escape
from sqlalchemy import func, select

from surveyapp.db import Answer, ItemKey, Response, db
from surveyapp.instruments.problems import InstrumentError
from surveyapp.services.anonymity import resume_digest
from surveyapp.services.export import export_plan, iter_long_rows, iter_wide_rows
from surveyapp.services.importing import import_responses
from surveyapp.services.invitations import issue_invitations
from surveyapp.services.surveys import SurveyError, create_survey, get_survey
from tests.conftest import FIXTURES, MINI_SPEC
from tests.stored import stored_answers

NOW = dt.datetime(2026, 11, 25, 9, 0, tzinfo=dt.UTC)
PAGE1 = {"mini.clear": "4", "mini.unclear": "2", "mini.valued": "5", "action": "next"}

#: what a respondent can type or paste: any character but NUL (refused, tested below) and lone surrogates
#: (which UTF-8, and so no browser, can send)
typed_text = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), min_size=1, max_size=80)


def answer_page_two(
    client: FlaskClient, comment: str, tasks: list[str] | None = None, language: str = "en"
) -> tuple[str, object]:
    token = issue_invitations("mini-survey", "peer", 1, NOW, None)[0]
    client.set_cookie("ps_lang", language)
    client.post(f"/r/{token}/consent", data={"consent": "yes"})
    client.post(f"/r/{token}/p/1", data=PAGE1)
    saved = client.post(f"/r/{token}/p/2", data={"mini.comments": comment, "mini.tasks": tasks or ["1"], "action": "next"})
    return token, saved


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(typed=typed_text)
@example(typed="[not sure] whether the peer worker is part of the team")
@example(typed="[1, 2]")
@example(typed="[]")
@example(typed="-9")
@example(typed="=1+2 <b>&amp;</b> \u202eשלום\r\nمرحبا \x01\x1f\x7f")
def test_typed_text_round_trips_through_every_view(app: Flask, client: FlaskClient, make_survey, typed: str) -> None:
    if not _has_survey():  # hypothesis runs every example on the test's one database
        make_survey()
    expected = typed.strip()  # white space at either end is not kept; white space alone is no answer
    token, saved = answer_page_two(client, typed)
    assert saved.status_code == 302, saved.text
    response = db.session.scalar(
        select(Response).where(Response.resume_hash == resume_digest(token, current_app.config["SECRET_KEY"]))
    )
    stored = db.session.scalars(
        select(Answer.value_text)
        .join(ItemKey, ItemKey.id == Answer.item_key_id)
        .where(Answer.response_pk == response.pk, ItemKey.key == "mini.comments")
    ).all()
    assert stored == ([expected] if expected else [])
    if not expected:
        return
    page = client.get(f"/r/{token}/p/2")
    assert page.status_code == 200
    assert f">{escape(expected)}</textarea>" in page.text
    review = client.get(f"/r/{token}/review")
    assert review.status_code == 200
    assert f'<span class="typed" dir="auto">{escape(expected)}</span>' in review.text
    response_id = response.id
    assert client.post(f"/r/{token}/submit").status_code == 302
    plan = export_plan(get_survey("mini-survey"))
    column = [v.name for v in plan.variables].index("mini.comments")
    wide = {row[0]: row[column] for row in iter_wide_rows(plan)}
    assert wide[response_id] == expected
    long = [row[3] for row in iter_long_rows(plan) if row[0] == response_id and row[2] == "mini.comments"]
    assert long == [expected]


def _has_survey() -> bool:
    try:
        get_survey("mini-survey")
    except SurveyError:
        return False
    return True


def test_multi_choice_answers_still_read_as_codes(client: FlaskClient, make_survey) -> None:
    make_survey()
    token, saved = answer_page_two(client, "[3]", tasks=["1", "3"])
    assert saved.status_code == 302
    page = client.get(f"/r/{token}/p/2")
    assert re.search(r'name="mini.tasks" value="3"\s+checked', page.text)
    assert "Groups; Advocacy" in client.get(f"/r/{token}/review").text


def test_nul_in_a_form_answer_is_refused_with_a_message(client: FlaskClient, make_survey) -> None:
    make_survey()
    _token, saved = answer_page_two(client, "pasted\x00text")
    assert saved.status_code == 400
    assert "hidden character" in saved.text
    assert "pasted" in saved.text  # the typed answer is kept on the page, to be fixed
    assert stored_answers("mini.comments") == []


def test_nul_message_in_the_respondents_language(client: FlaskClient, make_survey) -> None:
    make_survey()
    _token, in_hebrew = answer_page_two(client, "\x00", language="he")
    assert in_hebrew.status_code == 400
    assert "תו נסתר" in in_hebrew.text


def test_nul_in_an_imported_cell_is_reported_not_stored(app: Flask, make_survey) -> None:
    survey = make_survey()
    csv = "audience,mini.clear,mini.unclear,mini.valued,mini.comments\r\npeer,4,2,5,bad\x00cell\r\n"
    report = import_responses(survey, csv, NOW, None)
    assert not report.ok
    assert report.imported == 0
    assert any("NUL character" in line and "\\x00" in line and "\x00" not in line for line in report.lines())
    assert all("\x00" not in p.value + (p.column or "") for p in report.problems)
    assert db.session.scalar(select(func.count()).select_from(Response)) == 0


@pytest.mark.parametrize("where", ['title: {en: "Mini\\0survey"}', 'consent: {en: "Please\\0agree."}'])
def test_nul_in_a_survey_spec_is_refused(app: Flask, where: str) -> None:
    key = where.split(":")[0]
    spec = "\n".join(line for line in MINI_SPEC.splitlines() if not line.startswith(f"{key}:")) + "\n" + where + "\n"
    with pytest.raises(InstrumentError, match="NUL character"):
        create_survey(spec, "spec.yaml", FIXTURES, NOW, None)


def test_nul_in_an_instrument_file_is_refused(tmp_path) -> None:
    from surveyapp.instruments import load_file

    source = (FIXTURES / "mini.yaml").read_text(encoding="utf-8")
    source = source.replace("title: {en: Mini instrument", 'title: {en: "Mini\\0instrument"', 1)
    assert "\\0" in source
    (tmp_path / "mini.yaml").write_text(source, encoding="utf-8")
    with pytest.raises(ValueError, match="NUL character"):
        load_file(tmp_path / "mini.yaml")
