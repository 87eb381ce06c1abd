"""The training-needs list of a survey: the demo's numbers, checked independently, and small-cell suppression."""

from __future__ import annotations

import datetime as dt
import io
import json

import numpy as np
import pytest
from sqlalchemy import delete, select, update

from surveyapp.analysis.gaps import perception_gap
from surveyapp.db import Answer, ItemKey, Response, db
from surveyapp.instruments.scoring import score_matrix
from surveyapp.services.demo import add_synthetic_responses
from surveyapp.services.survey_data import load_survey_data
from surveyapp.services.surveys import survey_instruments
from surveyapp.services.training import survey_training_needs

NOW = dt.datetime(2026, 11, 24, 9, 0, tzinfo=dt.UTC)


def entries(result: dict) -> list[dict]:
    [block] = result["instruments"]
    return block["domains"] + block["items"]


def entry(result: dict, ident: str) -> dict:
    return next(e for e in entries(result) if e["id"] == ident)


def move_audience(survey, source: str, target: str, keep: int) -> None:
    """Leave ``keep`` responses in audience ``source``, the rest go to ``target``."""
    ids = {a.key: a.id for a in survey.audiences}
    rows = db.session.scalars(select(Response.id).where(Response.audience_id == ids[source]).order_by(Response.id)).all()
    db.session.execute(update(Response).where(Response.id.in_(rows[keep:])).values(audience_id=ids[target]))
    db.session.commit()


def test_demo_list_ranks_needs_first_with_figures_that_match_an_independent_computation(demo_survey) -> None:
    result = survey_training_needs(demo_survey)
    json.dumps(result, allow_nan=False)
    assert {a["key"]: a["n"] for a in result["audiences"]} == {"peer": 60, "staff": 150, "service_user": 90}
    assert result["notes"] == []
    statuses = [e["status"] for e in result["instruments"][0]["domains"]]
    assert statuses == sorted(statuses, key=["need", "strength", "aligned", "unclear"].index)
    # the demo's story: staff see less connection and mutuality than peers claim
    connection = entry(result, "connection_mutuality")
    assert connection["status"] == "need"
    assert connection["lead"] == "staff"
    assert connection["sentence"].startswith("Staff rate peers' connection and mutuality lower than peers rate themselves:")
    assert connection["sentence"].endswith("— a training need.")

    [instrument] = [i for i in survey_instruments(demo_survey) if i.id == "peer-practice-360"]
    subscale = next(s for s in instrument.subscales if s.id == "connection_mutuality")
    keys = [f"peer-practice-360.{i}" for i in subscale.items]
    data = load_survey_data([demo_survey], keys)
    scores, _ = score_matrix(instrument, subscale, data.matrix(keys))
    peers = scores[(data.audience == "peer") & ~np.isnan(scores)]
    staff = scores[(data.audience == "staff") & ~np.isnan(scores)]
    expected = perception_gap(peers, staff, "peer", "staff")
    shown = next(g for g in connection["gaps"] if g["audience"] == "staff")
    assert (shown["n_self"], shown["n_other"]) == (peers.size, staff.size)
    assert shown["diff"] == pytest.approx(expected.diff)
    assert shown["ci_low"] == pytest.approx(expected.ci_low)
    assert shown["hedges_g"] == pytest.approx(expected.hedges_g)
    codes = data.matrix(keys)[data.audience == "staff"]
    unseen, rated = int((codes == 9).sum()), int(np.isin(codes, [1, 2, 3, 4, 5]).sum())
    assert shown["not_observed"] == pytest.approx(unseen / (unseen + rated))
    assert unseen > 0
    pooled = next(g for g in connection["gaps"] if g["audience"] == "others")
    users = next(g for g in connection["gaps"] if g["audience"] == "service_user")
    assert pooled["n_other"] == shown["n_other"] + users["n_other"]


def test_a_small_audience_is_left_out_everywhere_even_from_the_pooled_gap(demo_survey) -> None:
    move_audience(demo_survey, "service_user", "staff", keep=3)
    result = survey_training_needs(demo_survey)
    assert "Service users: fewer than 5 responses" in result["notes"][0]
    users = next(a for a in result["audiences"] if a["key"] == "service_user")
    assert (users["n"], users["hidden"]) == (None, True)
    text = json.dumps(result)
    for item in entries(result):
        assert {g["audience"] for g in item["gaps"]} <= {"staff"}  # no service-user gap, and no pooled one to subtract from
    assert "service_user" not in {g["audience"] for e in entries(result) for g in e["gaps"]}
    assert '"others"' not in text


def test_too_few_peers_means_no_gaps_and_says_why(demo_survey) -> None:
    move_audience(demo_survey, "peer", "staff", keep=4)
    result = survey_training_needs(demo_survey)
    assert any("Peer specialists" in n and "fewer than 5" in n for n in result["notes"])
    assert any("own ratings are hidden" in n for n in result["notes"])
    assert all(e["gaps"] == [] and e["status"] == "unclear" for e in entries(result))


def test_an_audience_rating_a_question_too_rarely_is_left_out_of_that_question(demo_survey) -> None:
    """ "Not observed" and skipped answers can leave fewer ratings than the minimum on one question."""
    # service users who never met a peer specialist are routed past the 360 (docs/surveys.md, "Routing"): keep six
    # who were asked it
    never_met = select(Answer.response_pk).join(ItemKey, ItemKey.id == Answer.item_key_id)
    never_met = never_met.where(ItemKey.key == "context.peer_contact", Answer.value_num == 2)
    db.session.execute(delete(Response).where(Response.pk.in_(never_met)))
    db.session.commit()
    move_audience(demo_survey, "service_user", "staff", keep=6)
    result = survey_training_needs(demo_survey)
    assert result["notes"] == []  # six service users: shown as an audience
    [instrument] = [i for i in survey_instruments(demo_survey) if i.id == "peer-practice-360"]
    data = load_survey_data([demo_survey], [f"peer-practice-360.{i.id}" for i in instrument.items])
    rated = {
        i.id: int(np.isin(data.column(f"peer-practice-360.{i.id}")[data.audience == "service_user"], [1, 2, 3, 4, 5]).sum())
        for i in instrument.items
    }
    few = [k for k, n in rated.items() if n < 5]
    enough = [k for k, n in rated.items() if n >= 5]
    assert few, rated
    assert enough, rated
    for ident in few:
        assert {g["audience"] for g in entry(result, ident)["gaps"]} <= {"staff"}  # neither alone nor pooled
    for ident in enough:
        assert "service_user" in {g["audience"] for g in entry(result, ident)["gaps"]}


def test_a_survey_without_the_360_has_no_list(make_survey) -> None:
    survey = make_survey()
    add_synthetic_responses(survey, 30, NOW)
    result = survey_training_needs(survey)
    assert result["instruments"] == []


def test_the_list_becomes_the_job_definitions_development_plan(demo_survey) -> None:
    from docx import Document

    from surveyapp.reporting.job_definition import WRITERS, development_plan_from_training, job_definition_from_tasks

    plan = development_plan_from_training(survey_training_needs(demo_survey))
    assert plan
    assert plan[0].status == "need"
    definition = job_definition_from_tasks(
        [], title="Draft", organisation="Demo", language="en", purpose="p", rounds=1, responses={}, development_plan=plan
    )
    document = Document(io.BytesIO(WRITERS["docx"].write(definition)))
    cells = {cell.text for table in document.tables for row in table.rows for cell in row.cells}
    assert "Connection and mutuality" in cells
    assert "Training need" in cells
