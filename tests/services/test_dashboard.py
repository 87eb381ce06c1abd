"""The dashboard result: numbers, suppression, caching — one result for pages, downloads and the CLI."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from flask import Flask
from sqlalchemy import update

from surveyapp.db import Audience, Response, db
from surveyapp.instruments.scoring import score_matrix
from surveyapp.services.dashboard import grouping_options, survey_dashboard
from surveyapp.services.demo import add_synthetic_responses
from surveyapp.services.survey_data import load_survey_data
from surveyapp.services.surveys import SurveyError, survey_instruments

NOW = dt.datetime(2026, 11, 24, 9, 0, tzinfo=dt.UTC)


def subscale(result: dict, group: str) -> dict:
    block = result["instruments"][0]["subscales"][0]
    return next(g for g in block["groups"] if g["key"] == group)


def move_to_staff(survey, count: int) -> None:
    """Make exactly ``count`` responses staff and the rest peers."""
    peer, staff = (next(a.id for a in survey.audiences if a.key == k) for k in ("peer", "staff"))
    ids = sorted(r.id for r in db.session.query(Response.id))
    db.session.execute(update(Response).values(audience_id=peer))
    db.session.execute(update(Response).where(Response.id.in_(ids[:count])).values(audience_id=staff))
    db.session.commit()


def test_figures_match_an_independent_computation(make_survey) -> None:
    survey = make_survey()
    add_synthetic_responses(survey, 80, NOW)
    result = survey_dashboard(survey, viewer=None)
    [instrument] = survey_instruments(survey)
    clarity = instrument.subscales[0]
    data = load_survey_data([survey], [f"mini.{i}" for i in clarity.items])
    scores, _ = score_matrix(instrument, clarity, data.matrix([f"mini.{i}" for i in clarity.items]))
    for group in ("peer", "staff"):
        values = scores[(data.audience == group) & ~np.isnan(scores)]
        shown = subscale(result, group)
        assert shown["n"] == values.size
        assert shown["mean"] == pytest.approx(values.mean())
        assert shown["sd"] == pytest.approx(values.std(ddof=1))
        assert shown["median"] == pytest.approx(np.median(values))
    assert result["instruments"][0]["subscales"][0]["comparison"]["status"] == "ok"


def test_small_group_is_suppressed_everywhere_with_a_reason(make_survey) -> None:
    survey = make_survey()
    add_synthetic_responses(survey, 40, NOW)
    move_to_staff(survey, 3)
    result = survey_dashboard(survey, use_cache=False, viewer=None)
    staff = subscale(result, "staff")
    assert staff["hidden"]
    assert "mean" not in staff
    assert any("fewer than 5 responses" in n for n in result["notes"])
    staff_overview = next(a for a in result["overview"]["audiences"] if a["key"] == "staff")
    assert staff_overview["submitted"] is None
    for item in result["instruments"][0]["items"]:
        assert all(g["hidden"] for g in item["groups"] if g["key"] == "staff")
    assert result["instruments"][0]["subscales"][0]["comparison"]["status"] == "single_group"


def test_complementary_suppression_hides_a_second_group(make_survey) -> None:
    survey = make_survey(audiences=["peer", "staff"])
    add_synthetic_responses(survey, 40, NOW)
    move_to_staff(survey, 3)
    result = survey_dashboard(survey, use_cache=False, viewer=None)
    overview = {a["key"]: a for a in result["overview"]["audiences"]}
    # the overview shows an "All" row: hiding staff alone would reveal it as All - peers
    assert overview["staff"]["submitted"] is None
    assert overview["peer"]["submitted"] is None
    assert result["overview"]["submitted"] == 40
    # ... and so would any peer figure elsewhere (a subscale's n is All - staff): hidden in every view
    assert subscale(result, "peer")["hidden"]
    assert "other views" in result["instruments"][0]["subscales"][0]["note"]


def test_fewer_responses_than_the_minimum_show_nothing(make_survey) -> None:
    survey = make_survey()
    add_synthetic_responses(survey, 3, NOW)
    move_to_staff(survey, 3)
    result = survey_dashboard(survey, use_cache=False, viewer=None)
    assert result["overview"]["submitted"] == 0
    assert result["overview"]["by_day"] == []
    assert all(g["n"] is None or g["n"] == 0 for g in result["groups"])
    assert result["publication"]["waiting"] == 3
    assert "3 newer responses will be added together with the next 2" in result["publication"]["sentence"]


def test_among_one_audience(make_survey) -> None:
    survey = make_survey()
    add_synthetic_responses(survey, 400, NOW)
    result = survey_dashboard(survey, by="mini.role", among="staff", viewer=None)
    assert result["among_label"] == "Staff"
    clarity = result["instruments"][0]["subscales"][0]
    staff = next(a.id for a in survey.audiences if a.key == "staff")
    n_staff = db.session.query(Response).filter_by(audience_id=staff).count()
    assert 0 < sum(g.get("n") or 0 for g in clarity["groups"]) <= n_staff  # staff only, never the peers
    with pytest.raises(SurveyError, match="'among' must be one of"):
        survey_dashboard(survey, by="audience", among="staff", viewer=None)


def test_tests_need_ten_per_group(make_survey) -> None:
    survey = make_survey()
    add_synthetic_responses(survey, 40, NOW)
    move_to_staff(survey, 7)
    comparison = survey_dashboard(survey, use_cache=False, viewer=None)["instruments"][0]["subscales"][0]["comparison"]
    assert comparison["status"] == "too_few"
    assert comparison["p_value"] is None


def test_cache_is_invalidated_by_a_new_submission(make_survey) -> None:
    survey = make_survey()
    add_synthetic_responses(survey, 30, NOW)
    first = survey_dashboard(survey, viewer=None)
    assert survey_dashboard(survey, viewer=None) == first
    add_synthetic_responses(survey, 30, NOW, seed=7)  # enough alike to be published (services.publication)
    again = survey_dashboard(survey, viewer=None)
    assert again["overview"]["submitted"] == again["publication"]["published"] > first["overview"]["submitted"]


def test_compare_by_a_single_choice_item(make_survey) -> None:
    survey = make_survey()
    add_synthetic_responses(survey, 60, NOW)
    assert ("mini.role", "Mini instrument: Your role") in grouping_options(survey, None)
    result = survey_dashboard(survey, by="mini.role", viewer=None)
    assert [g["label"] for g in result["groups"]] == ["Nurse", "Other"]
    with pytest.raises(SurveyError, match=r"cannot compare by .mini\.nothing."):
        survey_dashboard(survey, by="mini.nothing", viewer=None)


def test_waves_of_a_series(make_survey) -> None:
    first = make_survey(series="mini", wave=1)
    second = make_survey(slug="mini-survey-2", series="mini", wave=2)
    add_synthetic_responses(first, 30, NOW)
    add_synthetic_responses(second, 30, NOW, seed=3)
    assert ("wave", "Wave") in grouping_options(second, None)
    result = survey_dashboard(second, by="wave", viewer=None)
    assert [(g["label"], g["n"]) for g in result["groups"]] == [("Wave 1", 30), ("Wave 2", 30)]
    overview = result["overview"]  # still this survey's own: 30 started, 30 submitted
    assert (overview["started"], overview["submitted"], overview["completion_rate"]) == (30, 30, 1.0)
    assert overview["median_minutes"] == survey_dashboard(second, viewer=None)["overview"]["median_minutes"]
    with pytest.raises(SurveyError, match=r"wave 2 of the series 'mini' already exists .*'mini-survey-2'.*wave: 3"):
        make_survey(slug="mini-survey-3", series="mini", wave=2)


def test_imported_responses_have_no_completion_time(make_survey) -> None:
    """An import knows when a response was submitted, not how long it took: no minutes, not zero minutes."""
    from surveyapp.services.importing import import_responses

    survey = make_survey()
    add_synthetic_responses(survey, 30, NOW)
    before = survey_dashboard(survey, viewer=None)["overview"]
    rows = "audience,mini.clear\n" + "peer,4\n" * 12
    assert import_responses(survey, rows, NOW, None).ok
    after = survey_dashboard(survey, viewer=None)["overview"]
    assert after["submitted"] == 42
    assert after["median_minutes"] == before["median_minutes"]
    imported_only = make_survey(slug="paper-only")
    assert import_responses(imported_only, rows, NOW, None).ok
    overview = survey_dashboard(imported_only, viewer=None)["overview"]
    assert overview["submitted"] == 12
    assert overview["median_minutes"] is None
    assert next(a for a in overview["audiences"] if a["key"] == "peer")["median_minutes"] is None


def test_audience_ids_are_the_surveys_own(make_survey) -> None:
    survey = make_survey()
    assert {a.key for a in db.session.query(Audience).filter_by(survey_id=survey.id)} == {"peer", "staff"}


def test_result_is_plain_json(app: Flask, make_survey) -> None:
    import json

    survey = make_survey()
    add_synthetic_responses(survey, 30, NOW)
    result = survey_dashboard(survey, use_cache=False, viewer=None)
    assert json.loads(json.dumps(result, allow_nan=False)) == result


def test_vector_and_answer_table_paths_agree(make_survey) -> None:
    survey = make_survey()
    add_synthetic_responses(survey, 300, NOW)
    keys = ["mini.clear", "mini.unclear", "mini.valued", "mini.role", "mini.years"]
    fast = load_survey_data([survey], keys)
    db.session.execute(update(Response).values(vector=None))
    db.session.commit()
    slow = load_survey_data([survey], keys)
    np.testing.assert_array_equal(fast.codes, slow.codes)
    np.testing.assert_array_equal(fast.audience, slow.audience)
    assert np.isnan(fast.codes).any()
    assert (fast.codes == -9).any()


def test_comments_only_where_ten_people_wrote_one(make_survey) -> None:
    """Free text has a higher floor than numbers (10), and is listed alphabetically, never in sending order."""
    import csv
    import io

    from surveyapp.services.importing import import_responses

    survey = make_survey()
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["audience", "mini.clear", "mini.comments"])
    peer_comments = [f"comment {k:02d}" for k in range(10, 0, -1)] + ["comment 03", "<b>bold</b> words", "  "]
    writer.writerows(["peer", "4", text] for text in peer_comments)
    writer.writerows(["staff", "4", f"staff note {k}"] for k in range(9))
    assert import_responses(survey, out.getvalue(), NOW, None).ok
    blocks = {q["key"]: q for q in survey_dashboard(survey, viewer=None)["comments"]}
    assert set(blocks) == {"mini.comments", "mini.role_other"}  # every free-text question
    question = blocks["mini.comments"]
    assert (question["key"], question["text"], question["floor"]) == ("mini.comments", "Anything else?", 10)
    peer, staff = question["groups"]
    assert peer["n"] == 12  # the blank one is no comment
    assert peer["comments"] == [{"text": "<b>bold</b> words", "count": 1}] + [
        {"text": f"comment {k:02d}", "count": 2 if k == 3 else 1} for k in range(1, 11)
    ]  # alphabetical, each wording once with its count
    assert (staff["hidden"], staff["n"], staff["comments"]) == (True, None, None)  # 9 < 10
    among_staff = {q["key"]: q for q in survey_dashboard(survey, by="mini.role", among="staff", viewer=None)["comments"]}
    assert among_staff["mini.comments"]["groups"] == [staff]
