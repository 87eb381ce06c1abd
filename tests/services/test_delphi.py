"""A Delphi round's results for a survey: verdicts by the spec's rule, small cells hidden, JSON and CSV from the CLI."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest
from flask.testing import FlaskCliRunner

from surveyapp.services.delphi import round_results
from surveyapp.services.importing import import_responses
from surveyapp.services.surveys import SurveyError

NOW = dt.datetime(2026, 12, 7, 9, 0, tzinfo=dt.UTC)
COLUMNS = ["audience", "tasks-mini.listen", "tasks-mini.listen_now", "tasks-mini.rounds", "tasks-mini.records"]


def _rows(users: int = 0) -> list[list[object]]:
    peers = [
        ["peer", listen, now, 4, records]
        for listen, now, records in zip([4, 4, 4, 4, 3, 3], [5, 5, 4, 4, 4, 1], [9, 9, 9, 9, 4, 4], strict=True)
    ]
    staff = [["staff", listen, "-8", rounds, 1] for listen, rounds in zip([1, 1, 2, 2, 2, 9], [4, 4, 3, 3, 3, 3], strict=True)]
    return peers + staff + [["service_user", 4, "-8", 4, "-8"] for _ in range(users)]


def _delphi_survey(make_survey, users: int = 0):
    survey = make_survey(
        slug="role-delphi",
        instruments=["tasks-mini"],
        audiences=["peer", "staff", "service_user"],
        delphi={"max_rounds": 2, "consensus": {"include_share": 0.75}},
    )
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    writer.writerows(_rows(users))
    report = import_responses(survey, out.getvalue(), NOW, None)
    assert report.ok, report
    return survey


@pytest.fixture
def delphi_survey(make_survey):
    return _delphi_survey(make_survey)


def test_verdicts_follow_the_spec_rule(delphi_survey) -> None:
    results = round_results(delphi_survey)
    assert results.rule.include_share == 0.75  # from the spec's delphi: block
    assert results.rule.min_cell_size == 5  # the survey's own
    assert results.delphi.max_rounds == 2
    assert results.responses == {"peer": 6, "staff": 6, "service_user": 0}
    assert results.hidden == ()
    by_task = {t.task: t for t in results.tasks}

    listen = by_task["listen"]
    assert listen.verdict == "open"
    assert (listen.for_inclusion, listen.for_exclusion, listen.split) == (("peer",), ("staff",), True)
    assert listen.audiences["staff"].n_dont_know == 1
    assert listen.audiences["staff"].share_out_of_role == 1.0
    assert listen.peers_often == pytest.approx(5 / 6)
    assert listen.done_but_disputed_by == ("staff",)  # peers do it weekly or daily; staff say not their role
    assert "service_user" not in listen.audiences  # an audience nobody answered has no entry

    rounds = by_task["rounds"]
    assert rounds.verdict == "included"
    assert rounds.audiences["staff"].iqr == 0.75

    records = by_task["records"]
    assert records.too_few_ratings == ("peer",)  # four of six peers said "don't know"
    assert records.audiences["peer"] is None
    assert records.verdict == "excluded"  # staff alone count, and the rule needs one audience


def test_a_survey_without_role_tasks_is_refused(make_survey) -> None:
    with pytest.raises(SurveyError, match="has no role tasks"):
        round_results(make_survey())


def test_a_small_audience_hides_a_second_as_the_results_page_does(make_survey) -> None:
    """Finding 3d (issue 9): the Delphi page hid three service users but showed peers (6) and staff (6), while the
    same survey's results page shows the total (15): 15 - 6 - 6 gave the hidden audience's size. The Delphi page
    now takes the survey's one decision, which hides a second audience with the small one."""
    from surveyapp.services.dashboard import survey_dashboard

    survey = _delphi_survey(make_survey, users=3)
    results = round_results(survey)
    page = survey_dashboard(survey, viewer=None, use_cache=False)
    on_page = {a["key"]: a["submitted"] for a in page["overview"]["audiences"]}
    assert results.responses == on_page  # the same audiences hidden on both pages
    assert results.responses["service_user"] is None
    shown = [n for n in results.responses.values() if n is not None]
    total = page["overview"]["submitted"]
    assert total is None or total - sum(shown) >= survey.min_cell_size  # nothing small is left by subtraction
    assert len(results.hidden) == 2
    assert "fewer than 5 responses" in results.note
    assert "hidden as well" in results.note
    for task in results.tasks:
        assert set(task.audiences) <= {a for a, n in results.responses.items() if n is not None}


def test_cli_json_and_csv(delphi_survey, runner: FlaskCliRunner) -> None:
    result = runner.invoke(args=["delphi", "results", "role-delphi", "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["rule"]["include_share"] == 0.75
    assert [t["task"] for t in data["tasks"]] == ["listen", "rounds", "records"]
    assert data["tasks"][0]["audiences"]["peer"]["distribution"] == {
        "1": 0.0,
        "2": 0.0,
        "3": pytest.approx(1 / 3),
        "4": pytest.approx(2 / 3),
        "dont_know": 0.0,
    }
    assert "service_user" not in json.dumps(data["tasks"])

    result = runner.invoke(args=["delphi", "results", "role-delphi", "--format", "csv"])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert {(r["task"], r["audience"]) for r in rows} == {
        ("listen", "peer"),
        ("listen", "staff"),
        ("rounds", "peer"),
        ("rounds", "staff"),
        ("records", "peer"),
        ("records", "staff"),
    }
    assert all(None not in row for row in rows)  # every row as long as the header
    hidden = next(r for r in rows if r["task"] == "records" and r["audience"] == "peer")
    assert (hidden["n"], hidden["stance"]) == ("", "too few ratings")
    assert next(r for r in rows if r["task"] == "rounds" and r["audience"] == "staff")["verdict"] == "included"

    missing = runner.invoke(args=["delphi", "results", "nope"])
    assert missing.exit_code == 1
    assert "no survey 'nope'" in missing.output


def test_task_comments_follow_the_free_text_floor(make_survey) -> None:
    from surveyapp.services.comments import survey_comments
    from surveyapp.services.publication import publish_ready

    survey = make_survey(slug="role-notes", instruments=["tasks-mini"], audiences=["peer", "staff", "service_user"])
    rows = [["peer", 4, f"Peer note {i}"] for i in range(10)] + [["staff", 3, f"Staff note {i}"] for i in range(9)]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["audience", "tasks-mini.listen", "tasks-mini.listen_note"])
    writer.writerows(rows)
    assert import_responses(survey, out.getvalue(), NOW, None).ok
    publish_ready([survey])  # managers read published responses only
    blocks = {b["key"]: b for b in survey_comments(survey)}
    groups = {g["key"]: g for g in blocks["tasks-mini.listen_note"]["groups"]}
    assert groups["peer"]["n"] == 10  # ten peers commented: shown
    assert groups["staff"]["hidden"]  # nine staff comments: none shown
    assert groups["staff"]["comments"] is None
