"""The strict loader: every broken file is refused with its file, line, field and a fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from surveyapp.instruments import InstrumentError, load_file, load_text
from tests.instruments.helpers import MINI, dump, mini_data


def problems_of(text: str, source: str = "broken.yaml") -> list[str]:
    with pytest.raises(InstrumentError) as caught:
        load_text(text, source)
    return [str(p) for p in caught.value.problems]


def test_fixture_loads_with_parallel_forms() -> None:
    instrument = load_file(MINI)
    clear = instrument.item("clear")
    assert clear.text_for("staff", "he") == "העמיתים יודעים מה המשימות שלהם."
    assert instrument.item("valued").text_for("peer", "en") == instrument.item("valued").text_for("staff", "en")
    assert [i.id for i in instrument.items_for("peer")] == ["clear", "unclear", "valued", "years", "tasks", "comments"]
    assert [p.section.id for p in instrument.pages_for("staff") if p.section] == ["first", "second"]
    assert [s.id for s in instrument.subscales_for("peer")] == ["clarity"]


def test_content_hash_ignores_layout_and_comments() -> None:
    text = MINI.read_text(encoding="utf-8")
    assert load_text("# a new comment\n" + text, "a.yaml").content_hash == load_file(MINI).content_hash
    changed = text.replace("I know my tasks.", "I know my duties.")
    assert load_text(changed, "b.yaml").content_hash != load_file(MINI).content_hash


def test_unknown_key_names_file_line_field_and_likely_fix() -> None:
    text = MINI.read_text(encoding="utf-8").replace("    reverse: true", "    reverse: true\n    reverse_keyed: true", 1)
    [message] = problems_of(text)
    line = text.splitlines().index("    reverse_keyed: true") + 1
    assert message.startswith(f"broken.yaml:{line}: items[1].reverse_keyed: unknown key 'reverse_keyed'")
    assert "did you mean 'reverse'?" in message


def test_every_problem_is_listed_not_just_the_first() -> None:
    data = mini_data()
    data["items"][0]["scael"] = "agree5"
    data["items"][3]["colour"] = "red"
    data["subscales"][0]["scoring"] = "average"
    messages = problems_of(dump(data))
    assert len(messages) == 3
    assert any("items[0].scael" in m for m in messages)
    assert any("items[3].colour" in m for m in messages)
    assert any("subscales[0].scoring: 'average' is not allowed" in m and "mean, sum" in m for m in messages)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("id: x\n  bad: [\n", "broken.yaml:2: (top level): this is not valid YAML"),
        ("id: mini\nitems: [{id: a, text: {en: Which?, he: x}}]\n", "put text containing '?'"),
        ("", "the file is empty"),
        ("- just\n- a list\n", "the file must be a mapping"),
        ("id: a\nid: b\n", "broken.yaml:2: id: the key 'id' appears twice"),
    ],
)
def test_unreadable_files(text: str, expected: str) -> None:
    assert expected in problems_of(text)[0]


def test_truncated_file_is_refused(tmp_path: Path) -> None:
    text = MINI.read_text(encoding="utf-8")
    path = tmp_path / "mini.yaml"
    path.write_text(text[: len(text) // 2], encoding="utf-8")
    with pytest.raises(InstrumentError) as caught:
        load_file(path)
    assert str(path) in str(caught.value)


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "mini.yaml"
    path.write_bytes("id: mini\ntitle: {he: שלום}\n".encode("cp1255"))
    with pytest.raises(InstrumentError, match=r"mini.yaml:2: .*not UTF-8"):
        load_file(path)


def test_file_name_must_match_id(tmp_path: Path) -> None:
    path = tmp_path / "other.yaml"
    path.write_text(MINI.read_text(encoding="utf-8"), encoding="utf-8")
    with pytest.raises(InstrumentError, match=r"id: the id 'mini' does not match the file name 'other.yaml'"):
        load_file(path)


def _edit(change) -> list[str]:
    data = mini_data()
    change(data)
    return problems_of(dump(data))


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda d: d["items"][1].update(id="clear"), "items[1].id: item id 'clear' is already used by items[0]"),
        (
            lambda d: d["subscales"][0]["items"].append("missing"),
            "subscales[0].items[3]: names item 'missing', which does not exist",
        ),
        (lambda d: d["items"][5].update(reverse=True), "items[5].reverse: only likert items can be reverse-keyed"),
        (lambda d: d["items"][2]["text"].pop("he"), "items[2].text: the text in language 'he' is missing"),
        (lambda d: d["items"][0]["text"]["staff"].pop("he"), "items[0].text.staff: the text in language 'he' is missing"),
        (lambda d: d["title"].update(he="  "), "title.he: the 'he' text is empty"),
        (lambda d: d["title"].update(ar="x"), "title.ar: 'ar' is not one of the instrument's languages"),
        (
            lambda d: d["items"][4].update(show_if={"item": "comments", "answered": True}),
            "refers to 'comments', which is not an earlier item",
        ),
        (lambda d: d["items"][4].update(show_if={"item": "role", "equals": 7}), "'role' has no option with code [7]"),
        (lambda d: d["items"][4].update(show_if={"item": "role", "equals": 1, "in": [1]}), "needs exactly one test"),
        (lambda d: d["items"][0].update(scale="agree7"), "items[0].scale: unknown scale 'agree7'"),
        (lambda d: d["items"][5].update(min=60), "items[5].max: max (50) must be greater than min (60)"),
        (lambda d: d["items"][5].pop("max"), "a number item needs 'min' and 'max'"),
        (lambda d: d["items"][7].update(scale="agree5"), "items[7].scale: a 'longtext' item takes no 'scale'"),
        (
            lambda d: d["items"][0].update(audiences=["peer", "service_user"]),
            "'service_user' is not one of the instrument's audiences",
        ),
        (
            lambda d: d["items"][2].update(audiences=["boss"]),
            "items[2].audiences: 'boss' is not one of the instrument's audiences",
        ),
        (lambda d: d["items"][0].update(audiences=["peer"]), "lists ['peer'] but the text has wordings for ['peer', 'staff']"),
        (lambda d: d["items"][0].update(section="third"), "items[0].section: unknown section 'third'"),
        (lambda d: d["scales"]["agree5"]["options"].reverse(), "strictly increasing order"),
        (lambda d: d["scales"]["agree5"]["missing_options"][0].update(code=3), "used by a substantive option too"),
        (lambda d: d["subscales"][0]["items"].append("years"), "'years' is a 'number' item; only likert items are scored"),
        (lambda d: d["subscales"][0]["bands"][1].update(max=4), "the last band must end at the highest possible score 5"),
        (lambda d: d["subscales"][0].update(min_answered=1.5), "subscales[0].min_answered"),
        (lambda d: d.update(version="1.0"), "version: '1.0' has the wrong form"),
        (lambda d: d["licence"].update(category="NC"), "licence category NC does not allow shipping the item text"),
        (lambda d: d.pop("citation"), "the required key 'citation' is missing"),
        (lambda d: d["items"][0].update(type="slider"), "items[0].type: 'slider' is not allowed here"),
        (
            lambda d: d["sections"].append({"id": "unused", "title": {"en": "x", "he": "y"}}),
            "no item belongs to section 'unused'",
        ),
    ],
)
def test_meaningful_mistakes_are_caught(change, expected: str) -> None:
    messages = _edit(change)
    assert any(expected in m for m in messages), messages
    assert all(m.startswith("broken.yaml") and "(fix: " in m for m in messages), messages


def test_text_is_stored_as_text_not_markup() -> None:
    data = mini_data()
    data["items"][2]["text"]["en"] = "<script>alert(1)</script> & <b>bold</b>"
    instrument = load_text(dump(data), "x.yaml")
    assert instrument.item("valued").text_for("peer", "en") == "<script>alert(1)</script> & <b>bold</b>"


def test_yaml_tags_that_build_objects_are_refused() -> None:
    text = "!!python/object/apply:os.system ['echo hi']\n"
    assert "this is not valid YAML" in problems_of(text)[0]


def test_each_missing_key_is_reported_once() -> None:
    messages = problems_of('id: x\nversion: "1.0.0"\n')
    assert len(messages) == 7
    assert sum("'items' is missing" in m for m in messages) == 1
