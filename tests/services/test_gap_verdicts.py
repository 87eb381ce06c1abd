"""Beside the dashboard's gaps and audience comparisons: the validation report's verdicts, read from its cache."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from surveyapp.analysis.invariance import Invariance
from surveyapp.db import Survey, db
from surveyapp.services.dashboard import survey_dashboard
from surveyapp.services.demo import DEFAULT_RESPONSES, DEMO_SLUG, ITEM_SHIFTS, ensure_demo
from surveyapp.services.demo import add_synthetic_responses as add
from surveyapp.services.validation import subscale_verdicts, survey_validation
from surveyapp.services.validation_words import NOT_YET_CHECKED, TOO_FEW_TO_CHECK, plain_verdict

NOW = dt.datetime(2026, 11, 24, 9, 0, tzinfo=dt.UTC)


def _clarity(result: dict) -> dict:
    return next(s for b in result["instruments"] for s in b["subscales"] if s["id"] == "clarity")


def test_not_yet_checked_then_the_reports_verdict_then_checked_on_earlier_responses(make_survey) -> None:
    survey = make_survey()
    add(survey, 600, NOW)
    before = survey_dashboard(survey, viewer=None, audit=None)
    assert before["invariance"]["state"] == "missing"
    assert _clarity(before)["invariance_note"] == NOT_YET_CHECKED
    assert {g["measured_alike"] for g in before["gaps"] if g["level"] == "item"} == {""}

    verdict = subscale_verdicts(survey_validation(survey))["mini.clarity"]  # a researcher opens the report
    after = survey_dashboard(survey, viewer=None, audit=None)
    assert (after["invariance"]["state"], after["invariance"]["note"]) == ("current", None)
    assert _clarity(after)["invariance_note"] == verdict["plain"]
    assert _clarity(after)["measured_alike"] == verdict["measured_alike"] != ""
    assert "invariance" not in _clarity(after)["invariance_note"]  # managers read no statistics words

    add(survey, survey.min_cell_size, NOW, seed=7)  # new responses, published with the next view
    later = survey_dashboard(survey, viewer=None, audit=None)
    assert later["invariance"]["state"] == "earlier"
    assert "before the latest responses were added" in later["invariance"]["note"]
    assert _clarity(later)["invariance_note"] == verdict["plain"]  # still shown, with the note saying when


def test_comparisons_by_a_question_carry_no_verdict(make_survey) -> None:
    survey = make_survey()
    add(survey, 300, NOW)
    survey_validation(survey)
    result = survey_dashboard(survey, "mini.role", among="staff", viewer=None, audit=None)
    assert "invariance" not in result
    assert all("invariance_note" not in s for b in result["instruments"] for s in b["subscales"])


def test_the_demo_shows_the_planted_item_beside_its_gaps(app, tmp_path) -> None:
    """`surveyapp demo` as a new user runs it: the gaps carry verdicts at once, and only the planted item is flagged."""
    [(_, item_id)] = ITEM_SHIFTS
    ensure_demo(app.config["INSTRUMENTS_DIR"], tmp_path, None, NOW)
    survey = db.session.scalar(select(Survey).where(Survey.slug == DEMO_SLUG))
    report = survey_validation(survey)  # from the cache the demo filled
    assert {g["key"]: g["n"] for g in report["groups"]} == {"peer": 160, "staff": 400, "service_user": 240}
    assert sum(g["n"] for g in report["groups"]) == DEFAULT_RESPONSES
    result = survey_dashboard(survey, viewer=None, audit=None)
    assert result["invariance"]["state"] == "current"
    subscale_gaps = [g for g in result["gaps"] if g["level"] == "subscale"]
    flagged = {g["id"] for g in subscale_gaps if g["measured_alike"] != "yes"}
    assert flagged == {"connection_mutuality"}
    mutuality = next(g for g in subscale_gaps if g["id"] == "connection_mutuality")
    assert mutuality["invariance_note"].startswith("Not measured alike on every question: staff answer 'I learn from")
    assert next(g for g in subscale_gaps if g["id"] == "role_clarity")["invariance_note"].startswith("Measured alike: ")
    first, *rest = result["invariance"]["summary"]  # what is not measured alike comes first, by name
    assert (first["own"], first["measured_alike"], first["subscales"]) == (
        True,
        "partly",
        ["Connection and mutuality (PEER-PRACTICE 360)"],
    )
    assert [(line["own"], line["measured_alike"]) for line in rest] == [(False, "yes")]
    assert "Role clarity" in rest[0]["subscales"]
    item_flags = {(g["id"], g["other"]) for g in result["gaps"] if g["level"] == "item" and g["measured_alike"]}
    assert item_flags == {(item_id, "staff")}  # peers against service users answer it alike


def test_plain_verdicts_for_managers() -> None:
    groups = ("Peer specialists", "Staff", "Service users")
    holds = Invariance("ok", None, groups, {}, (), "scalar", ())
    assert plain_verdict("Role clarity", holds, {}) == (
        "Measured alike: peer specialists, staff and service users read the role clarity questions the same way, "
        "so the comparison is shown as it is."
    )
    partly = Invariance("ok", None, groups, {}, (), "partial_scalar", ("rc4",), {"rc4": ("Staff", -0.7)})
    assert plain_verdict("Role clarity", partly, {"rc4": "Clear."}) == (
        "Not measured alike on every question: staff answer 'Clear.' lower than the others would predict. "
        "Read differences in role clarity with care, and look at that question's own figures."
    )
    fails = Invariance("ok", None, groups[:2], {}, (), "configural", ())
    assert plain_verdict("Role clarity", fails, {}).startswith(
        "Not measured alike: peer specialists and staff do not read the role clarity questions the same way"
    )
    too_few = Invariance("too_few", "too few to tell: Staff had fewer than 100", groups, {}, (), "too_few", ())
    assert plain_verdict("Role clarity", too_few, {}) == TOO_FEW_TO_CHECK
    assert TOO_FEW_TO_CHECK == "Too few responses to check whether the audiences read these questions alike."
