"""Short forms, routing and survey lengths: checked by the one survey-spec validator, pure."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from surveyapp.instruments import InstrumentError, load_directory
from surveyapp.instruments.answers import StoredValue
from surveyapp.instruments.flow import asked_pages, routed_out, step, survey_pages, visible_items
from surveyapp.instruments.survey_length import lengths_by_audience, survey_length
from surveyapp.instruments.survey_parts import routing_rules, short_form
from surveyapp.instruments.survey_spec import check_survey_spec, parse_survey_spec, spec_yaml

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = load_directory(ROOT / "instruments")
NO_CONTACT = {"when": {"item": "context.peer_contact", "equals": 2}, "skip": ["peer-practice-360"], "audiences": ["service_user"]}


def spec(**changes: object) -> dict:
    base = {
        "slug": "short-2027",
        "title": {"en": "Short survey", "he": "סקר קצר"},
        "instruments": ["context", "p-role", "peer-practice-360"],
        "audiences": ["peer", "service_user"],
        "languages": ["en", "he"],
        "consent": {"en": "Please agree.", "he": "נא להסכים."},
    }
    base.update(changes)
    return base


def problems_of(data: dict) -> list[str]:
    with pytest.raises(InstrumentError) as caught:
        check_survey_spec(data, "the form", SHIPPED)
    return [f"{p.message} (fix: {p.fix})" for p in caught.value.problems]


def test_a_short_form_keeps_the_chosen_sections_and_subscales_only() -> None:
    checked = check_survey_spec(spec(short_forms={"p-role": ["clarity", "org_role_support"]}), "the form", SHIPPED)
    p_role = checked.asked["p-role"]
    assert {i.section for i in p_role.items} == {"clarity", "support"}
    assert [s.id for s in p_role.subscales] == ["role_clarity", "org_role_support"]
    assert [s.id for s in p_role.sections] == ["clarity", "support"]
    assert checked.asked["context"] is SHIPPED["context"]  # no short form: the instrument as published


def test_a_subscale_with_items_left_out_is_not_scored() -> None:
    trimmed = short_form(SHIPPED["peer-practice-360"], ["relationships"])
    assert all(i.section == "relationships" for i in trimmed.items)
    # purposeful_sharing spans two sections: scored on fewer items than it was validated with, so not at all
    assert "purposeful_sharing" not in {s.id for s in trimmed.subscales}
    assert "connection_mutuality" in {s.id for s in trimmed.subscales}


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"short_forms": {"p-role": ["clarty"]}}, "'p-role' has no section or subscale 'clarty'"),
        ({"short_forms": {"work-sat": ["job_overall"]}}, "'work-sat' is not one of the survey's instruments"),
        (
            {"routing": [{**NO_CONTACT, "skip": ["peer-practice"]}]},
            "'peer-practice' is not an instrument or section of this survey",
        ),
        (
            {"routing": [{**NO_CONTACT, "when": {"item": "context.peer_contact", "equals": 7}}]},
            "'context.peer_contact' has no answer 7",
        ),
        ({"routing": [{**NO_CONTACT, "audiences": ["peer"]}]}, "'context.peer_contact' is not asked of peer"),
        ({"routing": [{**NO_CONTACT, "when": {"item": "context.contact", "equals": 2}}]}, "'context.contact' is not a question"),
        ({"routing": [{**NO_CONTACT, "audiences": ["staff"]}]}, "'staff' is not one of the survey's audiences"),
        ({"routing": [{**NO_CONTACT, "when": {"item": "context.peer_contact", "is": 2}}]}, "unknown test 'is'"),
    ],
)
def test_mistakes_in_short_forms_and_routing_are_named_with_a_fix(changes: dict, expected: str) -> None:
    found = problems_of(spec(**changes))
    assert any(expected in p for p in found), found
    assert all("(fix: " in p for p in found)


def test_a_rule_cannot_skip_what_comes_before_its_question() -> None:
    late = spec(instruments=["p-role", "peer-practice-360", "context"], routing=[NO_CONTACT])
    assert any("'peer-practice-360' is not asked after 'context.peer_contact'" in p for p in problems_of(late))
    own = spec(routing=[{**NO_CONTACT, "skip": ["context"]}])
    assert any("'context' is not asked after" in p for p in problems_of(own))


def test_a_short_form_keeps_a_conditional_question_with_the_question_it_depends_on() -> None:
    mini = load_directory(ROOT / "tests" / "fixtures")
    data = {**spec(instruments=["mini"], audiences=["staff"]), "short_forms": {"mini": ["second"]}}
    kept = {i.id for i in check_survey_spec(data, "the form", mini).asked["mini"].items}
    assert {"role", "role_other"} <= kept  # role_other is shown after role: one section holds both
    assert "clear" not in kept


def test_the_same_mistake_gets_the_same_message_from_the_form_and_from_a_file() -> None:
    """The builder's form and an imported YAML file go through one validator."""
    wrong = spec(title={"en": "Short survey"}, short_forms={"p-role": ["clarty"]}, routing=[{**NO_CONTACT, "skip": ["nowhere"]}])
    from_form = problems_of(wrong)
    with pytest.raises(InstrumentError) as caught:
        parse_survey_spec(yaml.safe_dump(wrong, allow_unicode=True, sort_keys=False), "short.yaml", SHIPPED)
    from_file = [f"{p.message} (fix: {p.fix})" for p in caught.value.problems]
    assert from_form == from_file
    assert any("the text in language 'he' is missing" in p for p in from_form)
    assert all(p.line for p in caught.value.problems)  # the file's problems also say where


def test_the_exported_spec_reads_back_as_the_same_survey() -> None:
    data = spec(short_forms={"p-role": ["clarity"]}, routing=[NO_CONTACT], opens_at="2027-01-10")
    first = check_survey_spec(data, "the form", SHIPPED)
    again = parse_survey_spec(spec_yaml(first.raw), "exported.yaml", SHIPPED)
    assert again.raw == first.raw


def _pages(audience: str) -> tuple:
    checked = check_survey_spec(spec(routing=[NO_CONTACT]), "the form", SHIPPED)
    instruments = [checked.asked[k] for k in checked.instruments]
    return survey_pages(instruments, audience, routing=routing_rules(checked.raw["routing"]))


def test_routing_skips_whole_pages_for_the_audience_it_names() -> None:
    pages = _pages("service_user")
    practice = [p for p in pages if p.instrument.id == "peer-practice-360"]
    no = {"context.peer_contact": StoredValue(2.0, None, False)}
    yes = {"context.peer_contact": StoredValue(1.0, None, False)}
    skipped = {"context.peer_contact": StoredValue(None, None, True)}  # prefer not to answer: asked everything
    assert all(routed_out(p, no) and visible_items(p, no) == [] for p in practice)
    assert not any(routed_out(p, answers) for p in practice for answers in (yes, skipped, {}))
    assert [p.instrument.id for p in asked_pages(pages, no)] == ["context", "p-role", "p-role"]
    last_p_role = max(p.number for p in pages if p.instrument.id == "p-role")
    assert step(pages, no, last_p_role, 1) == len(pages) + 1  # straight to the review
    assert step(pages, yes, last_p_role, 1) == last_p_role + 1
    assert all(p.skip_when is None for p in _pages("peer"))  # the rule names service users only


def test_lengths_are_a_range_where_routing_can_skip() -> None:
    checked = check_survey_spec(spec(routing=[NO_CONTACT]), "the form", SHIPPED)
    instruments = [checked.asked[k] for k in checked.instruments]
    lengths = lengths_by_audience(instruments, ["peer", "service_user"], routing_rules(checked.raw["routing"]))
    user, peer = lengths["service_user"], lengths["peer"]
    assert (user.questions_min, user.questions_max) == (4 + 9, 4 + 9 + 20)
    assert user.is_range
    assert user.minutes_min < user.minutes_max
    assert not peer.is_range
    assert peer.questions_max == 4 + 18 + 20
    assert peer.minutes_max == -(-peer.seconds_max // 60)


def test_the_demo_survey_lengths() -> None:
    demo = parse_survey_spec((ROOT / "docs/examples/demo-survey.yaml").read_text(), "demo-survey.yaml", SHIPPED)
    instruments = [demo.asked[k] for k in demo.instruments]
    lengths = lengths_by_audience(instruments, demo.audiences, routing_rules(demo.raw["routing"]))
    assert (lengths["peer"].questions_max, lengths["peer"].minutes_max) == (104, 14)
    assert not lengths["staff"].is_range
    assert lengths["service_user"].questions_min < 15 < 40 < lengths["service_user"].questions_max
    assert survey_length(survey_pages(instruments, "peer")).questions_max == 104
