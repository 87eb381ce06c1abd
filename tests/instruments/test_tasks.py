"""Role tasks (type: task): one task, up to three stored questions, and precise errors for authors."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from surveyapp.instruments import InstrumentError, load_file, load_text, score_response
from surveyapp.instruments.answers import AnswerError, parse_answer
from surveyapp.instruments.flow import survey_pages

TASKS = Path(__file__).resolve().parent.parent / "fixtures" / "tasks-mini.yaml"


def tasks_data() -> dict:
    return yaml.safe_load(TASKS.read_text(encoding="utf-8"))


def problems_of(data: dict) -> list[str]:
    with pytest.raises(InstrumentError) as caught:
        load_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), "tasks.yaml")
    return [str(p) for p in caught.value.problems]


def test_a_task_is_stored_as_a_rating_a_frequency_and_a_comment() -> None:
    instrument = load_file(TASKS)
    assert [t.id for t in instrument.tasks] == ["listen", "rounds", "records"]
    listen = instrument.task("listen")
    assert listen.item_ids() == ("listen", "listen_now", "listen_note")
    assert listen.domain == "one_to_one"
    rating = instrument.item("listen")
    assert rating.task is not None
    assert rating.task.part == "role"
    assert rating.audiences == ("peer", "staff", "service_user")
    assert [o.code for o in rating.scale.options_for("staff")] == [1, 2, 3, 4, 9]
    now = instrument.item("listen_now")
    assert now.audiences == ("peer",)  # only peers say how often they do it now
    assert now.text_for("peer", "en") == "I meet service users one to one. — How often do you do this now?"
    note = instrument.item("listen_note")
    assert note.type == "longtext"
    assert note.max_length == 500
    records = instrument.task("records")
    assert records.comment_item is None  # comment: false
    assert records.audiences == ("peer", "staff")
    assert instrument.task_questions.proposal_item == "missing"


def test_domains_are_pages_in_their_order() -> None:
    instrument = load_file(TASKS)
    assert [d.id for d in instrument.domains] == ["one_to_one", "team"]
    pages = survey_pages([instrument], "service_user")
    assert [p.page.section.id for p in pages] == ["one_to_one", "team", "more"]  # domains first, then sections
    assert [i.id for i in pages[1].page.items] == ["rounds", "rounds_note"]


def test_dont_know_is_an_answer_and_staff_are_not_asked_the_frequency() -> None:
    instrument = load_file(TASKS)
    assert parse_answer(instrument.item("listen"), "staff", "9").num == 9
    with pytest.raises(AnswerError):
        parse_answer(instrument.item("listen"), "staff", "5")
    assert not instrument.item("listen_now").asked_of("staff")


def test_tasks_are_never_scored() -> None:
    instrument = load_file(TASKS)
    assert score_response(instrument, "peer", {"listen": 4, "rounds": 3}) == {}


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda d: d["items"][0].pop("domain"), "items[0]: a task needs a 'domain' (fix: add 'domain: <id>' naming one of:"),
        (
            lambda d: d["items"][0].update(domain="groups"),
            "items[0].domain: unknown domain 'groups' (fix: use one of: one_to_one, team)",
        ),
        (lambda d: d["items"][0].update(scale="role_fit"), "items[0].scale: a task takes no 'scale'"),
        (lambda d: d["items"][0].update(show_if={"item": "x", "equals": 1}), "items[0].show_if: a task takes no 'show_if'"),
        (lambda d: d.pop("task_rating"), "items: the file has role tasks but no 'task_rating' block"),
        (
            lambda d: d["domains"].append({"id": "extra", "title": {"en": "E", "he": "ה"}}),
            "domains[2]: no task belongs to domain 'extra'",
        ),
        (
            lambda d: d["scales"]["role_fit"]["options"].pop(0),
            "scales.role_fit.options: the role scale must have the codes 1, 2, 3, 4, found 2, 3, 4",
        ),
        (
            lambda d: d["scales"]["role_fit"].pop("missing_options"),
            'scales.role_fit.missing_options: the role scale needs exactly one missing option, "don\'t know"',
        ),
        (lambda d: d["scales"]["how_often"]["options"].pop(), "the frequency scale must have the codes 1 to 5, found 1, 2, 3, 4"),
        (lambda d: d["task_rating"]["role"].update(scale="agree"), "task_rating.role.scale: unknown scale 'agree'"),
        (
            lambda d: d["task_rating"]["frequency"].update(audiences=["manager"]),
            "task_rating.frequency.audiences: 'manager' is not one of the instrument's audiences",
        ),
        (
            lambda d: d["items"].append({"id": "listen_now", "type": "text", "text": {"en": "x", "he": "y"}}),
            "the task 'listen' stores its frequency question as 'listen_now', which another item already uses",
        ),
        (
            lambda d: d["items"].append({"id": "free", "type": "text", "domain": "team", "text": {"en": "x", "he": "y"}}),
            "items[4].domain: 'domain' applies only to role tasks (type: task)",
        ),
        (
            lambda d: d.update(subscales=[{"id": "s", "label": {"en": "S", "he": "ס"}, "items": ["listen", "rounds"]}]),
            "subscales[0].items[0]: 'listen' is a role task; tasks are rated for consensus, not scored",
        ),
        (lambda d: d["task_rating"]["role"].update(colour=1), "task_rating.role.colour: unknown key 'colour'"),
        (lambda d: d["task_rating"].update(proposal_item="nothing"), "task_rating.proposal_item: names item 'nothing'"),
        (
            lambda d: d["task_rating"].update(proposal_item="listen"),
            "task_rating.proposal_item: 'listen' is not a free-text item",
        ),
    ],
)
def test_task_mistakes_are_explained(change, expected: str) -> None:
    data = tasks_data()
    change(data)
    messages = problems_of(data)
    assert any(expected in m for m in messages), messages
    assert all(m.startswith("tasks.yaml:") for m in messages)  # every message names the file and a line


def test_a_file_without_tasks_cannot_declare_task_rating() -> None:
    data = tasks_data()
    data["items"] = [{"id": "free", "type": "text", "text": {"en": "x", "he": "y"}}]
    data.pop("domains")
    data.pop("sections")
    messages = problems_of(data)
    assert any("task_rating: 'task_rating' is only used by role tasks" in m for m in messages)


def test_the_snapshot_rebuilds_the_same_tasks() -> None:
    from surveyapp.instruments import instrument_from_snapshot

    instrument = load_file(TASKS)
    again = instrument_from_snapshot(dict(instrument.definition), "snapshot")
    assert again.tasks == instrument.tasks
    assert again.content_hash == instrument.content_hash
