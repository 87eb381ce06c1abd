"""The survey, invite, users and demo commands."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import func, select

from surveyapp.db import Response, Survey, SurveyAction, User, db
from tests.conftest import MINI_SPEC


def test_survey_create_open_list_and_invite(app: Flask, runner: FlaskCliRunner, tmp_path: Path) -> None:
    app.config["INSTRUMENTS_DIR"] = str(Path(__file__).parent / "fixtures")
    spec = tmp_path / "spec.yaml"
    spec.write_text(MINI_SPEC, encoding="utf-8")
    created = runner.invoke(args=["survey", "create", str(spec)])
    assert created.exit_code == 0, created.output
    assert "created mini-survey (draft)" in created.output
    assert runner.invoke(args=["survey", "open", "mini-survey"]).exit_code == 0
    listed = runner.invoke(args=["survey", "list"])
    assert listed.output.startswith("mini-survey\topen\tpeer 0 submitted/0 in progress, staff 0 submitted")
    links = runner.invoke(args=["invite", "mini-survey", "--audience", "peer", "--count", "3"])
    lines = links.stdout.strip().splitlines()  # standard error says the links use the built-in default address
    assert "set SURVEYAPP_BASE_URL" in links.stderr
    assert lines[0] == "audience,link"
    assert len(lines) == 4
    assert all(line.startswith("peer,http://127.0.0.1:5000/r/") for line in lines[1:])
    wrong = runner.invoke(args=["invite", "mini-survey", "--audience", "boss"])
    assert wrong.exit_code == 1
    assert "has no audience 'boss'" in wrong.output


def test_broken_spec_is_refused_with_its_line(app: Flask, runner: FlaskCliRunner, tmp_path: Path) -> None:
    app.config["INSTRUMENTS_DIR"] = str(Path(__file__).parent / "fixtures")
    spec = tmp_path / "spec.yaml"
    spec.write_text(MINI_SPEC.replace("audiences:", "audience:"), encoding="utf-8")
    result = runner.invoke(args=["survey", "create", str(spec)])
    assert result.exit_code == 1
    assert f"{spec}:5: audience: unknown key 'audience'" in result.output
    assert "did you mean 'audiences'?" in result.output


def test_users_create(runner: FlaskCliRunner) -> None:
    ok = runner.invoke(args=["users", "create", "Lee@Example.org", "--role", "manager", "--password", "long enough pw"])
    assert ok.exit_code == 0, ok.output
    assert db.session.scalar(select(User.email)) == "lee@example.org"
    short = runner.invoke(args=["users", "create", "kim@example.org", "--role", "manager", "--password", "short"])
    assert "at least 12 characters" in short.output


def test_demo_is_idempotent(app: Flask, runner: FlaskCliRunner, tmp_path: Path) -> None:
    app.instance_path = str(tmp_path)
    first = runner.invoke(args=["demo", "--responses", "60"])
    assert first.exit_code == 0, first.output
    second = runner.invoke(args=["demo", "--responses", "60"])
    lines = dict(line.split(": ", 1) for line in first.output.strip().splitlines())
    again = dict(line.split(": ", 1) for line in second.output.strip().splitlines())
    assert lines["Admin e-mail"] == again["Admin e-mail"]
    assert lines["Password"] == again["Password"]
    assert (
        lines["Respondent link for peer specialists (survey 'demo')"]
        != again["Respondent link for peer specialists (survey 'demo')"]
    )
    demo = db.session.scalar(select(Survey.id).where(Survey.slug == "demo"))
    assert db.session.scalar(select(func.count()).select_from(Response).where(Response.survey_id == demo)) == 60
    assert db.session.scalar(select(func.count()).select_from(User)) == 1
    # the demo Delphi: two rounds, created once; round-2 links per audience, carrying round 1's answers the first time
    carried = "Delphi round 2 respondent link (staff) (answered round 1, so it shows its earlier answers)"
    assert carried in lines
    assert "Delphi round 2 respondent link (staff)" in again
    assert lines[carried] != again["Delphi round 2 respondent link (staff)"]
    rounds = db.session.scalars(select(Survey.slug).where(Survey.slug.like("role-definition-2026%")).order_by(Survey.id))
    assert list(rounds) == ["role-definition-2026", "role-definition-2026-r2"]
    # the demo's second wave (half as many responses) and the two example actions on wave 1, created once
    wave_2 = db.session.scalar(select(Survey.id).where(Survey.slug == "demo-wave-2"))
    assert db.session.scalar(select(func.count()).select_from(Response).where(Response.survey_id == wave_2)) == 30
    assert db.session.scalar(select(func.count()).select_from(SurveyAction)) == 2
    assert db.session.scalar(select(func.count()).select_from(Response)) == 60 + 30 + 170 + 152
