"""The findings in words: only what the statistics call clear, with the right sizes, never a hidden group."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from surveyapp.analysis.findings import Measure, finding_key, measure, movement, pick_findings


def _group(key: str, label: str, n: int | None, mean: float | None, sd: float = 1.0, hidden: bool = False) -> dict:
    if hidden:
        return {"key": key, "label": label, "hidden": True}
    return {"key": key, "label": label, "hidden": False, "n": n, "mean": mean, "sd": sd}


def _pair(a: str, b: str, n_a: int, n_b: int, mean_a: float, mean_b: float, p: float | None, magnitude: str) -> dict:
    return {
        "a": a,
        "b": b,
        "n_a": n_a,
        "n_b": n_b,
        "mean_a": mean_a,
        "mean_b": mean_b,
        "diff": mean_b - mean_a,
        "p_value": p,
        "magnitude": magnitude,
    }


def _gap(
    subscale: str, other: str, other_label: str, n_self: int, n_other: int, mean_self: float, mean_other: float, reading: str
) -> dict:
    return {
        "level": "subscale",
        "instrument_id": "p-role",
        "instrument": "P-ROLE",
        "id": subscale,
        "other": other,
        "self_group": "Peer specialists",
        "other_group": other_label,
        "n_self": n_self,
        "n_other": n_other,
        "mean_self": mean_self,
        "mean_other": mean_other,
        "diff": mean_other - mean_self,
        "reading": reading,
    }


def result() -> dict[str, Any]:
    """A dashboard result by audience: a clear gap (role clarity), an unclear one (role conflict), a clear
    difference between staff and service users (job satisfaction's reward), and no clear difference (global)."""
    peers, staff, users = ("peer", "Peer specialists"), ("staff", "Staff"), ("service_user", "Service users")
    clarity = {
        "id": "role_clarity",
        "label": "Role clarity",
        "min": 1,
        "max": 7,
        "groups": [_group(*peers, 59, 5.0), _group(*staff, 145, 4.1), _group(*users, 80, 4.9)],
        "comparison": {
            "status": "ok",
            "pairs": [
                _pair("Peer specialists", "Staff", 59, 145, 5.0, 4.1, 0.0001, "medium"),
                _pair("Peer specialists", "Service users", 59, 80, 5.0, 4.9, 0.7, "negligible"),
                _pair("Staff", "Service users", 145, 80, 4.1, 4.9, 0.001, "small"),
            ],
        },
    }
    conflict = {
        "id": "role_conflict",
        "label": "Role conflict",
        "min": 1,
        "max": 7,
        "groups": [_group(*peers, 59, 3.0), _group(*staff, 145, 3.3)],
        "comparison": {"status": "ok", "pairs": [_pair("Peer specialists", "Staff", 59, 145, 3.0, 3.3, 0.2, "small")]},
    }
    reward = {
        "id": "fair_reward",
        "label": "Fair reward",
        "min": 1,
        "max": 6,
        "groups": [_group(*staff, 140, 4.2), _group(*users, 70, 3.5)],
        "comparison": {"status": "ok", "pairs": [_pair("Staff", "Service users", 140, 70, 4.2, 3.5, 0.002, "small")]},
    }
    overall = {
        "id": "global",
        "label": "Global satisfaction",
        "min": 1,
        "max": 6,
        "groups": [_group(*peers, 50, 4.0), _group(*staff, 140, 4.1)],
        "comparison": {"status": "ok", "pairs": [_pair("Peer specialists", "Staff", 50, 140, 4.0, 4.1, 0.6, "negligible")]},
    }
    return {
        "by": "audience",
        "survey": {"min_cell_size": 5},
        "groups": [{"key": k, "label": v, "hidden": False} for k, v in (peers, staff, users)],
        "instruments": [
            {"id": "p-role", "title": "Clarity, distinctiveness and conflict in the peer role", "subscales": [clarity, conflict]},
            {"id": "work-sat", "title": "Work satisfaction for peer and clinical staff", "subscales": [reward, overall]},
        ],
        "gaps": [
            _gap("role_clarity", "staff", "Staff", 59, 145, 5.0, 4.1, "self_higher"),
            _gap("role_clarity", "service_user", "Service users", 59, 80, 5.0, 4.9, "aligned"),
            _gap("role_conflict", "staff", "Staff", 59, 145, 3.0, 3.3, "unclear"),
        ],
    }


def test_a_clear_gap_is_said_in_one_sentence_with_the_groups_sizes() -> None:
    found = pick_findings(result())
    gap = next(f for f in found.stated if f.kind == "gap")
    assert gap.key == finding_key("gap", "p-role", "role_clarity", "peer", "staff")
    assert gap.sentence == (
        "Staff rate role clarity lower than peer specialists do themselves: 4.1 vs 5.0 on a 1–7 scale "
        "(145 staff, 59 peer specialists)."
    )
    assert gap.sizes == (59, 145)
    assert gap.anchor == "s-p-role-role_clarity"
    assert gap.instrument == "Clarity, distinctiveness and conflict in the peer role"
    assert "P-ROLE" not in gap.sentence + gap.meaning + gap.title


def test_an_unclear_gap_is_not_reported_but_said_to_be_unclear() -> None:
    found = pick_findings(result())
    assert not any("conflict" in f.sentence for f in found.stated)
    assert "Role conflict" in [n["subscale"] for n in found.not_clear]
    assert "Global satisfaction" in [n["subscale"] for n in found.not_clear]
    # role clarity has clear findings, so it is not listed as unclear
    assert "Role clarity" not in [n["subscale"] for n in found.not_clear]


def test_a_clear_difference_names_the_higher_group_first_with_sizes() -> None:
    found = pick_findings(result())
    differences = [f for f in found.stated if f.kind == "difference"]
    sentences = [f.sentence for f in differences]
    assert (
        "Staff rate fair reward higher than service users do: 4.2 vs 3.5 on a 1–6 scale (140 staff, 70 service users)."
        in sentences
    )
    # the peer/staff pair on role clarity is the gap already said, not a second finding
    assert not any(f.groups == ("peer", "staff") and "clarity" in f.sentence for f in differences)
    # a negligible difference is not a finding, however small its p-value
    assert not any("Global" in s for s in sentences)


def test_a_hidden_group_is_never_named_nor_its_figures_shown() -> None:
    hidden = result()
    hidden["groups"][2]["hidden"] = True  # service users hidden on this page
    clarity = hidden["instruments"][0]["subscales"][0]
    clarity["groups"][2] = _group("service_user", "Service users", None, None, hidden=True)
    reward = hidden["instruments"][1]["subscales"][0]
    reward["groups"][1] = _group("service_user", "Service users", None, None, hidden=True)
    found = pick_findings(hidden)  # the pairs still name them, as a careless result might: they must not leak
    text = " ".join(f.sentence + f.meaning + f.title for f in found.stated)
    assert "ervice user" not in text
    assert "80" not in text
    assert "70 " not in text
    assert all("service_user" not in f.groups for f in found.stated)


def test_at_most_three_of_each_are_named_and_the_rest_counted() -> None:
    many = result()
    block = many["instruments"][1]
    template = block["subscales"][0]
    for index in range(5):
        extra = copy.deepcopy(template)
        extra["id"], extra["label"] = f"extra{index}", f"Extra {index}"
        block["subscales"].append(extra)
    found = pick_findings(many)
    assert sum(f.kind == "difference" for f in found.stated) == 3
    assert found.more_differences == 4  # role clarity's staff/service users, reward, five extras: seven in all


def test_findings_need_a_comparison_by_audience() -> None:
    other = result() | {"by": "context.unit"}
    assert not pick_findings(other).available
    assert pick_findings(other).stated == ()


def test_too_few_to_test_is_said() -> None:
    few = result()
    few["instruments"][1]["subscales"][1]["comparison"] = {"status": "too_few", "pairs": []}
    assert [n["subscale"] for n in pick_findings(few).too_few] == ["Global satisfaction"]


def test_sentences_go_through_the_translator() -> None:
    found = pick_findings(result(), _=lambda text: text.replace("rate", "RATE"))
    assert all("RATE" in f.sentence for f in found.stated)


def test_measure_is_the_welch_interval_of_the_shown_groups() -> None:
    figure = measure(result(), finding_key("gap", "p-role", "role_clarity", "peer", "staff"))
    assert figure is not None
    assert figure.diff == pytest.approx(-0.9)
    assert (figure.n_a, figure.n_b) == (59, 145)
    se = (1 / 59 + 1 / 145) ** 0.5
    assert figure.se == pytest.approx(se)
    assert figure.ci_low < -0.9 < figure.ci_high
    assert figure.ci_high - figure.ci_low == pytest.approx(2 * 1.98 * se, rel=0.01)  # t with about 108 df


def test_measure_is_none_where_the_wave_hides_a_group() -> None:
    hidden = result()
    hidden["instruments"][0]["subscales"][0]["groups"][1] = _group("staff", "Staff", None, None, hidden=True)
    assert measure(hidden, finding_key("gap", "p-role", "role_clarity", "peer", "staff")) is None
    assert measure(result(), finding_key("gap", "p-role", "no_such", "peer", "staff")) is None


def _m(diff: float, se: float) -> Measure:
    return Measure(diff, diff - 2 * se, diff + 2 * se, 50, 100, 0.0, diff, "1–7", se)


@pytest.mark.parametrize(
    ("first", "last", "verdict"),
    [
        (_m(-1.0, 0.1), _m(-0.2, 0.1), "narrowed"),
        (_m(0.4, 0.1), _m(1.2, 0.1), "widened"),
        (_m(-1.0, 0.3), _m(-0.8, 0.3), "no_clear_change"),
        (_m(-1.0, 0.1), _m(0.8, 0.1), "reversed"),
    ],
)
def test_movement_between_waves(first: Measure, last: Measure, verdict: str) -> None:
    assert movement([first, None, last]).verdict == verdict


def test_movement_needs_two_waves_that_show_the_finding() -> None:
    assert movement([_m(-1.0, 0.1), None]).verdict == "one_wave"
    assert movement([]).verdict == "one_wave"
