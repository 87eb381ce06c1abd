"""The action plan: who may write it, the audit log, and how it carries to the next wave of a series."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from surveyapp.db import AuditEvent, SurveyAction, db
from surveyapp.services.access import grant
from surveyapp.services.accounts import create_user
from surveyapp.services.actions import ActionError, ActionInput, can_edit_actions, save_action, series_actions, series_waves
from surveyapp.services.dashboard import survey_dashboard
from surveyapp.services.demo import add_synthetic_responses
from surveyapp.services.findings import survey_findings
from surveyapp.services.trends import action_plan, series_results, subscale_trends

NOW = dt.datetime(2026, 11, 24, 9, 0, tzinfo=dt.UTC)
PASSWORD = "correct horse battery"
#: wave 1: peers rate clarity much lower than staff; wave 2: the difference has gone
WAVE_1 = {("mini", "clarity"): {"peer": -2.0, "staff": 1.0}}
WAVE_2 = {("mini", "clarity"): {"peer": 0.0, "staff": 0.0}}
KEY = "diff|mini.clarity|peer|staff"


@pytest.fixture
def waves(make_survey):
    first = make_survey(series="mini-series", wave=1)
    add_synthetic_responses(first, 120, NOW, shifts=WAVE_1)
    second = make_survey(slug="mini-wave-2", series="mini-series", wave=2)
    add_synthetic_responses(second, 120, NOW, seed=7, shifts=WAVE_2)
    return first, second


def user(role: str, *slugs: str):
    account = create_user(f"{role}-{'-'.join(slugs) or 'none'}@example.org", PASSWORD, role, NOW, None)
    for slug in slugs:
        grant(account.email, slug, NOW, None)
    return account


def entry(**changes: object) -> ActionInput:
    values = {"what": "Describe the role with the peer team", "who": "Service manager", "due": dt.date(2027, 3, 31)}
    values |= {"finding_key": KEY, "finding_title": "Clarity: peer specialists and staff"} | changes
    return ActionInput(**values)  # type: ignore[arg-type]


def test_the_demo_like_difference_is_a_finding_of_wave_1(waves) -> None:
    first, _ = waves
    findings = survey_findings(survey_dashboard(first, viewer=None, audit=None))
    assert KEY in [f["key"] for f in findings["stated"]]


def test_a_granted_manager_plans_an_action_and_it_is_audited(waves) -> None:
    first, _ = waves
    manager = user("manager", first.slug)
    action = save_action(first, entry(), actor=manager, now=NOW)
    assert (action.series, action.survey_id, action.status, action.created_by) == ("mini-series", first.id, "planned", manager.id)
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "action.create")).one()
    assert event.user_id == manager.id
    assert event.target == first.slug
    assert event.detail["finding"] == KEY
    assert event.detail["who"] == "Service manager"

    save_action(first, entry(status="done"), actor=manager, now=NOW, action_id=action.id)
    change = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "action.update")).one()
    assert change.detail["changed"] == {"status": {"from": "planned", "to": "done"}}


@pytest.mark.parametrize("role", ["researcher", "manager"])
def test_only_granted_managers_and_admins_write_the_plan(waves, role: str) -> None:
    first, second = waves
    outsider = user(role, second.slug) if role == "manager" else user(role, first.slug)
    assert not can_edit_actions(outsider, first)
    with pytest.raises(ActionError, match="Only managers and administrators"):
        save_action(first, entry(), actor=outsider, now=NOW)
    assert db.session.scalar(select(SurveyAction.id)) is None


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"what": "   "}, "what"),
        ({"who": ""}, "who"),
        ({"status": "finished"}, "status"),
        ({"what": "x" * 1001}, "what"),
        ({"who": "a\x00b"}, "who"),
    ],
)
def test_an_incomplete_action_is_refused_with_the_field_to_fix(waves, changes: dict, field: str) -> None:
    first, _ = waves
    with pytest.raises(ActionError) as refused:
        save_action(first, entry(**changes), actor=user("admin"), now=NOW)
    assert refused.value.field == field


def test_an_action_of_another_series_cannot_be_changed_through_this_one(waves, make_survey) -> None:
    first, _ = waves
    other = make_survey(slug="elsewhere", series="another-series", wave=1)
    admin = user("admin")
    foreign = save_action(other, entry(), actor=admin, now=NOW)
    with pytest.raises(ActionError, match="no such action"):
        save_action(first, entry(status="dropped"), actor=admin, now=NOW, action_id=foreign.id)
    assert db.session.get(SurveyAction, foreign.id).status == "planned"


def test_the_plan_carries_to_the_next_wave_and_shows_the_finding_narrowed(waves) -> None:
    first, second = waves
    save_action(first, entry(), actor=user("admin"), now=NOW)
    manager = user("manager", first.slug, second.slug)
    assert [a.what for a in series_actions(second)] == ["Describe the role with the peer team"]
    result = survey_dashboard(second, viewer=manager, audit=None)
    results = series_results(second, result, manager, NOW)
    assert [number for number, _wave, _result in results] == [1, 2]
    [planned] = action_plan(series_actions(second), results, {"peer": "Peer specialists", "staff": "Staff"})
    wave_1, wave_2 = planned["waves"]
    assert wave_1["diff"] > 1.0
    assert wave_1["ci_low"] > 0
    assert wave_2["ci_low"] < wave_2["diff"] < wave_2["ci_high"]
    assert abs(wave_2["diff"]) < wave_1["diff"] - 1.0
    assert planned["movement"]["verdict"] == "narrowed"
    assert planned["origin_wave"] == 1
    trends = subscale_trends(results)
    assert [(t["id"], t["waves"]) for t in trends] == [("clarity", [1, 2])]
    assert {line["key"] for line in trends[0]["lines"]} == {"peer", "staff"}


def test_a_wave_not_granted_shows_no_figures(waves) -> None:
    first, second = waves
    save_action(first, entry(), actor=user("admin"), now=NOW)
    only_second = user("manager", second.slug)
    assert series_waves(second, only_second) == [second]
    result = survey_dashboard(second, viewer=only_second, audit=None)
    [planned] = action_plan(series_actions(second), series_results(second, result, only_second, NOW), {})
    assert [w["wave"] for w in planned["waves"]] == [2]  # wave 1's figure is not this manager's to see
    assert planned["origin_wave"] is None
    assert planned["movement"]["verdict"] == "one_wave"
    assert subscale_trends(series_results(second, result, only_second, NOW)) == []
