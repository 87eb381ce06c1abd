"""An id of the wrong form ('A1') is one mistake: one message, where it is defined, with the fix and the other places."""

from __future__ import annotations

import pytest

from surveyapp.instruments import InstrumentError, load_text
from surveyapp.instruments.schema_check import suggested_id
from tests.instruments.helpers import dump, mini_data


def _problems(data: dict) -> list[str]:
    with pytest.raises(InstrumentError) as caught:
        load_text(dump(data), "upper.yaml")
    return [str(p) for p in caught.value.problems]


def _upper_case_clear(data: dict, uses: int) -> dict:
    data["items"][0]["id"] = "A1"
    data["subscales"][0]["items"][0] = "A1"
    for n in range(uses):  # the same item in more subscales
        data["subscales"].append({"id": f"extra{n}", "label": {"en": "Extra", "he": "עוד"}, "items": ["A1", "unclear"]})
    return data


def test_an_upper_case_item_id_is_one_message_with_the_fix() -> None:
    problems = _problems(_upper_case_clear(mini_data(), uses=5))
    assert len(problems) == 1, problems
    [message] = problems
    assert message.startswith("upper.yaml:")
    assert "items[0].id: the id 'A1' has the wrong form: ids use lower-case letters, digits and '_'" in message
    assert "also used at subscales[0].items[0], subscales[1].items[0], subscales[2].items[0] and 3 more" in message
    assert message.endswith("(fix: rename it to 'a1' everywhere it appears)")


def test_two_wrong_ids_are_two_messages() -> None:
    data = _upper_case_clear(mini_data(), uses=0)
    data["items"][1]["id"] = "Unclear"
    data["subscales"][0]["items"][1] = "Unclear"
    problems = _problems(data)
    assert len(problems) == 2
    assert "'A1'" in problems[0]
    assert "'Unclear'" in problems[1]


def test_other_problems_are_still_reported_beside_it() -> None:
    data = _upper_case_clear(mini_data(), uses=0)
    data["version"] = "1.0"
    problems = _problems(data)
    assert any("version: '1.0' has the wrong form" in p for p in problems)
    assert sum("'A1'" in p for p in problems) == 1


@pytest.mark.parametrize(
    ("wrong", "right"), [("A1", "a1"), ("Role Clarity", "role_clarity"), ("2nd", "q2nd"), ("clarity-1", "clarity_1")]
)
def test_the_fix_suggests_a_legal_id(wrong: str, right: str) -> None:
    assert suggested_id(wrong) == right
