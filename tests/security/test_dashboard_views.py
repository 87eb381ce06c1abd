"""Findings 2 and 4 (issue 9): a manager sees only granted waves, and figures move in steps with every view audited."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import select, update

from surveyapp.db import AuditEvent, DashboardCache, Response, db
from surveyapp.services.access import grant
from surveyapp.services.accounts import create_user
from surveyapp.services.dashboard import survey_dashboard
from surveyapp.services.demo import add_synthetic_responses
from surveyapp.services.invitations import issue_invitations

NOW = dt.datetime(2026, 11, 24, 9, 0, tzinfo=dt.UTC)
PASSWORD = "correct horse battery"
TABLES = ("overview", "comparisons", "pairs", "reliability")


def sign_in(client: FlaskClient, role: str) -> str:
    email = f"{role}@example.org"
    create_user(email, PASSWORD, role, NOW, None)
    assert client.post("/login", data={"email": email, "password": PASSWORD}).status_code == 302
    return email


def two_waves(make_survey):
    first = make_survey(series="team", wave=1)
    second = make_survey(slug="mini-survey-2", series="team", wave=2)
    add_synthetic_responses(first, 30, NOW)
    add_synthetic_responses(second, 47, NOW, seed=3)
    return first, second


def test_manager_comparing_by_wave_sees_no_ungranted_wave(client: FlaskClient, make_survey) -> None:
    first, second = two_waves(make_survey)
    email = sign_in(client, "manager")
    grant(email, first.slug, NOW, None)
    everything = survey_dashboard(first, "wave", viewer=None, audit=None)  # the operator: both waves
    assert [g["n"] for g in everything["groups"]] == [30, 47]
    page = client.get(f"/dashboard/{first.slug}?by=wave")
    assert page.status_code == 200
    assert "Wave 2" not in page.text
    assert "Not shown: wave 2 of this series" in page.text
    downloads = [client.get(f"/dashboard/{first.slug}/table/{name}.csv?by=wave").text for name in TABLES]
    downloads.append(client.get(f"/dashboard/{first.slug}/table/scores.csv?by=wave&instrument=mini&subscale=clarity").text)
    downloads.append(client.get(f"/dashboard/{first.slug}/table/items.csv?by=wave&instrument=mini").text)
    for text in downloads:
        rows = list(csv.reader(io.StringIO(text)))
        assert "Wave 2" not in text
        assert all("47" not in row[1:3] for row in rows)  # no wave 2 n beside a label
    assert any("Not shown: wave 2" in text for text in downloads)
    cached = db.session.scalars(select(DashboardCache).where(DashboardCache.grouping == f"wave||{first.id}|en")).all()
    assert len(cached) == 1
    assert "Wave 2" not in cached[0].payload
    assert client.get(f"/dashboard/{second.slug}?by=wave").status_code in (403, 404)


def test_stats_applies_a_users_grants_with_as(runner: FlaskCliRunner, make_survey) -> None:
    first, _ = two_waves(make_survey)
    create_user("m@example.org", PASSWORD, "manager", NOW, None)
    grant("m@example.org", first.slug, NOW, None)
    operator = json.loads(runner.invoke(args=["stats", first.slug, "--by", "wave"]).output)
    assert [g["label"] for g in operator["groups"]] == ["Wave 1", "Wave 2"]
    as_manager = runner.invoke(args=["stats", first.slug, "--by", "wave", "--as", "m@example.org"])
    assert [g["label"] for g in json.loads(as_manager.output)["groups"]] == ["Wave 1"]
    refused = runner.invoke(args=["stats", "mini-survey-2", "--as", "m@example.org"])
    assert refused.exit_code != 0
    assert "has no access" in refused.output


def overview_numbers(result: dict) -> dict:
    overview = result["overview"]
    return {"all": overview["submitted"], **{a["key"]: a["submitted"] for a in overview["audiences"]}}


def test_one_new_submission_changes_nothing_until_enough_arrive(client: FlaskClient, make_survey) -> None:
    survey = make_survey()
    add_synthetic_responses(survey, 40, NOW)
    email = sign_in(client, "manager")
    grant(email, survey.slug, NOW, None)
    add_synthetic_responses(survey, 1, NOW, seed=11)  # someone has opened the link and is answering
    last = db.session.scalar(select(Response).order_by(Response.pk.desc()))
    db.session.execute(update(Response).where(Response.pk == last.pk).values(status="in_progress", submitted_at=None))
    db.session.commit()
    assert client.get(f"/dashboard/{survey.slug}").status_code == 200
    before = survey_dashboard(survey, viewer=None, audit=None)
    db.session.execute(update(Response).where(Response.pk == last.pk).values(status="submitted", submitted_at=NOW))
    db.session.commit()  # ... and submits between two views
    page = client.get(f"/dashboard/{survey.slug}")
    after_one = survey_dashboard(survey, viewer=None, audit=None)
    assert "1 newer response will be added together with the next 4" in page.text
    strip = lambda r: {k: v for k, v in r.items() if k != "publication"}  # noqa: E731
    assert strip(after_one) == strip(before)  # every figure, download and chart is unchanged
    for name in TABLES:
        first = client.get(f"/dashboard/{survey.slug}/table/{name}.csv").text
        assert first.split("\r\nnote")[0] == client.get(f"/dashboard/{survey.slug}/table/{name}.csv").text.split("\r\nnote")[0]
    add_synthetic_responses(survey, 4, NOW, seed=12)  # the fifth: they appear together where five are alike
    after_five = survey_dashboard(survey, viewer=None, audit=None)
    for key in ("all", "staff"):  # (the peers are hidden here) never one person's or a few people's difference
        assert overview_numbers(after_five)[key] - overview_numbers(before)[key] in (0, 5, 6, 7, 8, 9)
    assert after_five["publication"]["published"] + after_five["publication"]["waiting"] == 45
    # test_a_batch_never_moves_one_audience_by_fewer_than_the_minimum follows a batch until it is published


def test_a_batch_never_moves_one_audience_by_fewer_than_the_minimum(
    client: FlaskClient, make_survey, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Found on a running demo: figures moved in steps of five for the whole survey, but four staff and one peer
    made a step, so the peer specialists' n went from 80 to 81 and the difference of their means before and after
    gave that one peer's 23 subscale scores. Now no cell a manager can request (an audience, or an answer to a
    compare-by question within one) gains fewer than the minimum: the peer waits for four more peers."""
    from tests.security.test_anonymity import ISSUED, Clock, answer_in_order

    clock = Clock()
    monkeypatch.setattr("surveyapp.web.respond.views.now", clock)
    survey = make_survey()
    add_synthetic_responses(survey, 80, NOW)
    before = survey_dashboard(survey, viewer=None, audit=None)
    assert None not in overview_numbers(before).values()  # both audiences shown
    staff = issue_invitations(survey.slug, "staff", 5, ISSUED, None)
    peers = issue_invitations(survey.slug, "peer", 5, ISSUED, None)
    answer_in_order(client, clock, [*staff[:4], peers[0]], range(5))  # one step of five: four staff, one peer

    def moved_by_a_few(old: dict, new: dict) -> dict:
        """Cells whose n moved by 1 to min_cell - 1: their difference is those few people's answers."""
        return {k: new[k] - old[k] for k in new if 0 < new[k] - old[k] < survey.min_cell_size}

    after = survey_dashboard(survey, viewer=None, audit=None)
    assert moved_by_a_few(overview_numbers(before), overview_numbers(after)) == {}
    assert after["publication"]["waiting"] == 5
    answer_in_order(client, clock, [staff[4]], [0])  # five staff wait: they go in together, the peer still waits
    later = survey_dashboard(survey, viewer=None, audit=None)
    assert moved_by_a_few(overview_numbers(after), overview_numbers(later)) == {}
    assert overview_numbers(later)["staff"] - overview_numbers(after)["staff"] == 5
    assert later["publication"]["waiting"] == 1
    answer_in_order(client, clock, peers[1:], range(4))  # four more peers: the five peers go in together
    last = survey_dashboard(survey, viewer=None, audit=None)
    assert overview_numbers(last)["peer"] - overview_numbers(later)["peer"] == 5
    assert last["publication"]["waiting"] == 0


def test_every_dashboard_view_is_audited(client: FlaskClient, make_survey) -> None:
    survey = make_survey()
    add_synthetic_responses(survey, 40, NOW)
    email = sign_in(client, "manager")
    grant(email, survey.slug, NOW, None)
    client.get(f"/dashboard/{survey.slug}")
    client.get(f"/dashboard/{survey.slug}?by=mini.role&among=staff")
    client.get(f"/dashboard/{survey.slug}?by=mini.role&among=staff")  # a cached view is still a view
    views = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "dashboard.view")).all()
    assert [(v.target, v.detail) for v in views] == [
        (survey.slug, {"by": "audience", "among": None}),
        (survey.slug, {"by": "mini.role", "among": "staff"}),
        (survey.slug, {"by": "mini.role", "among": "staff"}),
    ]
    assert all(v.user_id is not None for v in views)
