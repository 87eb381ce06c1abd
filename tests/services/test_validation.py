"""The validation report service: figures from the analysis modules, words first, small groups left out."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from surveyapp.analysis.invariance import Invariance
from surveyapp.services.demo import DEFAULT_RESPONSES, DEMO_SPEC, ITEM_SHIFTS, add_synthetic_responses
from surveyapp.services.surveys import SurveyError, create_survey
from surveyapp.services.validation import subscale_verdicts, survey_validation, validation_rows
from surveyapp.services.validation_words import subscale_sentence
from tests.conftest import ROOT
from tests.services.test_dashboard import move_to_staff

NOW = dt.datetime(2026, 11, 24, 9, 0, tzinfo=dt.UTC)


def test_report_for_two_audiences(make_survey) -> None:
    survey = make_survey()
    add_synthetic_responses(survey, 600, NOW)
    result = survey_validation(survey)
    assert json.loads(json.dumps(result)) == result
    assert [g["key"] for g in result["groups"]] == ["peer", "staff"]
    [instrument] = result["instruments"]
    [clarity] = instrument["subscales"]
    assert clarity["invariance"]["status"] == "ok"
    assert [s["level"] for s in clarity["invariance"]["steps"]][:3] == ["configural", "metric", "scalar"]
    assert instrument["sentences"] == [clarity["sentence"]]
    assert clarity["sentence"].startswith("The clarity items")
    for group in instrument["cfa"]["groups"]:
        assert group["status"] == "ok"
        assert group["fit"]["df"] == 0  # three items, one factor: just identified
        assert set(group["std_loadings"]) == {"clear", "unclear", "valued"}
    assert {i["id"] for i in instrument["items"]} == {"clear", "unclear", "valued"}
    staff_valued = next(i for i in instrument["items"] if i["id"] == "valued")["groups"][1]
    assert set(staff_valued["non_substantive"]) >= {"not_observed", "prefer_not", "unanswered"}
    assert {e["key"] for e in instrument["efa"]} == {"peer", "staff"}
    rows = validation_rows(result)
    assert {r["analysis"] for r in rows} == {"cfa", "invariance"}


def test_groups_below_the_minimum_cell_never_appear(make_survey) -> None:
    survey = make_survey()
    add_synthetic_responses(survey, 300, NOW)
    move_to_staff(survey, 3)
    result = survey_validation(survey, use_cache=False)
    assert [g["key"] for g in result["groups"]] == ["peer"]
    text = json.dumps(result)
    assert '"staff"' not in text
    assert "Staff" not in text.replace("Left out to protect anonymity: Staff", "")
    assert result["notes"] == ["Left out to protect anonymity: Staff (fewer than 5 responses each)."]
    [clarity] = result["instruments"][0]["subscales"]
    assert clarity["invariance"]["verdict"] == "not_testable"


def test_too_few_to_tell_below_a_hundred_per_group(make_survey) -> None:
    survey = make_survey()
    add_synthetic_responses(survey, 200, NOW)
    move_to_staff(survey, 40)
    result = survey_validation(survey, use_cache=False)
    [clarity] = result["instruments"][0]["subscales"]
    assert clarity["invariance"]["verdict"] == "too_few"
    assert clarity["sentence"].startswith("Too few to tell whether the clarity items measure the same thing")
    assert clarity["sentence"] == (
        "Too few to tell whether the clarity items measure the same thing for peer specialists and staff: "
        "Staff had fewer than 100 complete responses (a factor analysis needs at least 100 per group)."
    )
    staff_cfa = next(g for g in result["instruments"][0]["cfa"]["groups"] if g["key"] == "staff")
    assert staff_cfa["status"] == "too_few"


def test_cached_until_the_data_change(make_survey) -> None:
    survey = make_survey()
    add_synthetic_responses(survey, 250, NOW)
    first = survey_validation(survey)
    assert survey_validation(survey) == first
    add_synthetic_responses(survey, 10, NOW, seed=9)
    assert survey_validation(survey)["groups"] != first["groups"]


def test_unknown_grouping_or_instrument_is_refused(make_survey) -> None:
    survey = make_survey()
    with pytest.raises(SurveyError, match="cannot compare by 'wave'"):
        survey_validation(survey, by="wave")
    with pytest.raises(SurveyError, match="no instrument 'nope'; its instruments: mini"):
        survey_validation(survey, instrument_id="nope")


def test_by_a_single_choice_question(make_survey) -> None:
    survey = make_survey()
    add_synthetic_responses(survey, 300, NOW)
    result = survey_validation(survey, by="mini.role", among="staff")
    assert result["by"] == "mini.role"
    assert all(g["key"] in {"1", "2"} for g in result["groups"])


def test_sentence_names_the_item_the_groups_use_differently() -> None:
    outcome = Invariance("ok", None, ("Peer specialists", "Staff"), {}, (), "partial_scalar", ("rc4",))
    assert subscale_sentence("Role clarity", outcome, {"rc4": "I know what is expected of me."}) == (
        "The role clarity items measure the same thing for peer specialists and staff (metric invariance holds); "
        "peer specialists and staff use the scale differently on the item 'I know what is expected of me.' (rc4), "
        "so mean differences on role clarity should be read with care."
    )
    holds = Invariance("ok", None, ("Peer specialists", "Staff", "ICU nurses"), {}, (), "scalar", ())
    assert subscale_sentence("Role clarity", holds, {}).startswith(
        "The role clarity items measure the same thing for peer specialists, staff and ICU nurses"
    )


def test_three_groups_name_the_group_that_differs() -> None:
    outcome = Invariance(
        "ok", None, ("Peer specialists", "Staff", "Service users"), {}, (), "partial_scalar", ("rc4",), {"rc4": ("Staff", -0.7)}
    )
    assert subscale_sentence("Role clarity", outcome, {"rc4": "Clear."}) == (
        "The role clarity items measure the same thing for peer specialists, staff and service users "
        "(metric invariance holds); staff answer 'Clear.' (rc4) lower than the other groups at the same level of "
        "role clarity, so mean differences on role clarity should be read with care."
    )


def test_the_demos_planted_item_is_found(app) -> None:
    [(instrument_id, item_id)] = ITEM_SHIFTS
    survey = create_survey(DEMO_SPEC.read_text(encoding="utf-8"), DEMO_SPEC.name, ROOT / "instruments", NOW, None)
    add_synthetic_responses(survey, DEFAULT_RESPONSES, NOW)
    result = survey_validation(survey, instrument_id, use_cache=False)
    [flagged] = [s for s in result["instruments"][0]["subscales"] if s["non_invariant_items"]]
    assert [i["id"] for i in flagged["non_invariant_items"]] == [item_id]
    assert flagged["invariance"]["deviant_groups"][item_id][0] == "Staff"
    assert f"staff answer '{flagged['non_invariant_items'][0]['text']}' ({item_id}) lower" in flagged["sentence"]
    verdict = subscale_verdicts(result)[f"{instrument_id}.{flagged['id']}"]
    assert verdict["verdict"] == "partial_scalar"
    assert verdict["non_invariant_items"] == [item_id]
    assert not verdict["means_comparable"]
