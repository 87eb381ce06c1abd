"""A survey spec's `delphi:` block: defaults, every setting, and precise errors."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from surveyapp.analysis.consensus import ConsensusRule, judge_task, rule_for
from surveyapp.instruments import InstrumentError, load_directory
from surveyapp.instruments.survey_spec import DelphiSpec, parse_survey_spec

FIXTURES = load_directory(Path(__file__).resolve().parent.parent / "fixtures")

SPEC = {
    "slug": "role-delphi",
    "title": {"en": "Defining the peer role", "he": "הגדרת תפקיד העמית"},
    "instruments": ["tasks-mini"],
    "audiences": ["peer", "staff", "service_user"],
    "languages": ["en", "he"],
    "consent": {"en": "I agree.", "he": "אני מסכים/ה."},
    "min_cell_size": 7,
    "delphi": {},
}


def parse(**changes: object):
    spec = {**SPEC, **changes}
    return parse_survey_spec(yaml.safe_dump(spec, allow_unicode=True, sort_keys=False), "spec.yaml", FIXTURES)


def problems(**changes: object) -> list[str]:
    with pytest.raises(InstrumentError) as caught:
        parse(**changes)
    return [str(p) for p in caught.value.problems]


def test_an_empty_block_declares_a_delphi_with_the_documented_defaults() -> None:
    delphi = parse().delphi
    assert delphi == DelphiSpec(task_instruments=("tasks-mini",))
    assert (delphi.max_rounds, delphi.settled, delphi.propose_tasks, delphi.max_shift) == (3, "drop", False, 0.15)
    rule = rule_for(delphi, 7)
    assert rule == ConsensusRule(min_cell_size=7)  # the survey's own cell size, the rule's default thresholds


def test_a_survey_without_the_block_is_not_a_delphi() -> None:
    spec = {k: v for k, v in SPEC.items() if k != "delphi"}
    assert parse_survey_spec(yaml.safe_dump(spec), "spec.yaml", FIXTURES).delphi is None


def test_every_setting_is_read() -> None:
    delphi = parse(
        delphi={
            "max_rounds": 4,
            "settled": "confirm",
            "propose_tasks": True,
            "consensus": {"include_share": 0.8, "exclude_share": 0.75, "max_iqr": None, "max_iqr_exclude": 1, "min_audiences": 3},
            "stability": {"max_shift": 0.2},
        }
    ).delphi
    assert (delphi.max_rounds, delphi.settled, delphi.propose_tasks, delphi.max_shift) == (4, "confirm", True, 0.2)
    rule = rule_for(delphi, 5)
    assert (rule.include_share, rule.exclude_share, rule.max_iqr, rule.max_iqr_exclude, rule.min_audiences) == (
        0.8,
        0.75,
        None,
        1,
        3,
    )
    # the rule is the one the analysis applies: 75% is not enough under an 80% rule
    ratings = {a: [3, 3, 3, 3, 3, 3, 2, 2] for a in ("peer", "staff", "service_user")}
    assert judge_task("t", ratings, rule).verdict == "open"
    assert judge_task("t", ratings, ConsensusRule()).verdict == "included"


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        (
            {"delphi": {"consensus": {"include_share": 0.5}}},
            "delphi.consensus.include_share: 0.5 is out of range (fix: use a value greater than 0.5)",
        ),
        ({"delphi": {"consensus": {"max_iqr": 4}}}, "delphi.consensus.max_iqr: 4 is out of range (fix: use a value at most 3)"),
        ({"delphi": {"max_rounds": 1}}, "delphi.max_rounds: 1 is out of range (fix: use a value at least 2)"),
        ({"delphi": {"settled": "keep"}}, "delphi.settled: 'keep' is not allowed here (fix: use one of: drop, confirm)"),
        ({"delphi": {"rounds": 3}}, "delphi.rounds: unknown key 'rounds'"),
        (
            {"delphi": {"consensus": {"min_audiences": 4}}},
            "delphi.consensus.min_audiences: asks for 4 audiences but the survey has 3",
        ),
        ({"delphi": {"stability": {"max_shift": 2}}}, "delphi.stability.max_shift: 2 is out of range"),
    ],
)
def test_mistakes_name_the_field_and_the_fix(changes: dict, expected: str) -> None:
    messages = problems(**changes)
    assert any(expected in m for m in messages), messages
    assert all(m.startswith("spec.yaml:") for m in messages)


def test_a_delphi_needs_role_tasks() -> None:
    [message] = problems(instruments=["mini"], audiences=["peer", "staff"])
    assert message.startswith("spec.yaml:")
    assert "delphi: a Delphi rates role tasks, and none of this survey's instruments has any" in message


def test_proposing_tasks_needs_a_proposal_question() -> None:
    shipped = load_directory(Path(__file__).resolve().parent.parent.parent / "instruments")
    spec = {**SPEC, "instruments": ["peer-role-tasks"], "delphi": {"propose_tasks": True}}
    assert parse_survey_spec(yaml.safe_dump(spec), "spec.yaml", shipped).delphi.propose_tasks
    data = yaml.safe_load((Path(__file__).resolve().parent.parent / "fixtures" / "tasks-mini.yaml").read_text(encoding="utf-8"))
    data["task_rating"].pop("proposal_item")
    from surveyapp.instruments import load_text

    without = {"tasks-mini": load_text(yaml.safe_dump(data, allow_unicode=True), "tasks-mini.yaml")}
    spec = {**SPEC, "delphi": {"propose_tasks": True}}
    with pytest.raises(InstrumentError) as caught:
        parse_survey_spec(yaml.safe_dump(spec), "spec.yaml", without)
    assert "delphi.propose_tasks: tasks-mini has no question for proposing tasks" in str(caught.value)
