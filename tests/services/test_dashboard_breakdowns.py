"""Comparing by a question or wave keeps the perception gaps, within each group, and never lets a small cell out."""

from __future__ import annotations

import numpy as np
import pytest

from surveyapp.instruments.audiences import SELF_AUDIENCE
from surveyapp.services.cells import survey_disclosure
from surveyapp.services.dashboard import survey_dashboard
from surveyapp.services.survey_data import load_survey_data, numeric_item_keys
from surveyapp.services.surveys import survey_instruments

UNIT = "context.unit"


def _unit_sizes(survey) -> dict[tuple[str, str], int]:
    """(unit code, audience) -> published respondents, computed here from the raw answers."""
    data = load_survey_data([survey], [UNIT], published_only=True)
    column = data.column(UNIT)
    return {
        (str(code), audience): int(((column == code) & data.of_audiences([audience])).sum())
        for code in np.unique(column[~np.isnan(column)]).astype(int)
        for audience in ("peer", "staff", "service_user")
    }


def test_compare_by_unit_keeps_the_gaps_within_each_unit(demo_survey) -> None:
    result = survey_dashboard(demo_survey, by=UNIT, viewer=None)
    assert result["gaps"], "comparing by unit used to drop every perception gap"
    units = {g["key"]: g["label"] for g in result["groups"]}
    assert {g["group"] for g in result["gaps"]} <= set(units)
    assert {g["other"] for g in result["gaps"]} == {"staff", "service_user"}
    # each gap is the peers of one unit against the others of the same unit, checked against the raw answers
    [p_role] = [i for i in survey_instruments(demo_survey) if i.id == "p-role"]
    clarity = p_role.subscales[0]
    gap = next(g for g in result["gaps"] if g["instrument_id"] == "p-role" and g["id"] == clarity.id)
    from surveyapp.instruments.scoring import score_matrix

    data = load_survey_data([demo_survey], numeric_item_keys(survey_instruments(demo_survey)), published_only=True)
    scores, _ = score_matrix(p_role, clarity, data.matrix([f"p-role.{i}" for i in clarity.items]))
    in_unit = data.column(UNIT) == int(gap["group"])
    mine = scores[in_unit & data.of_audiences([SELF_AUDIENCE])]
    theirs = scores[in_unit & data.of_audiences([gap["other"]])]
    mine, theirs = mine[~np.isnan(mine)], theirs[~np.isnan(theirs)]
    assert (gap["n_self"], gap["n_other"]) == (mine.size, theirs.size)
    assert gap["diff"] == pytest.approx(theirs.mean() - mine.mean())
    assert gap["group_label"] == units[gap["group"]]


def test_no_within_unit_gap_rests_on_a_cell_the_suppression_hides(demo_survey) -> None:
    """An attack on the new view: a gap per unit shows n and means of peers in that unit. Every such figure must be
    a cell the survey's one suppression decision shows (so no subtraction of figures isolates a small group)."""
    result = survey_dashboard(demo_survey, by=UNIT, viewer=None)
    data = load_survey_data([demo_survey], [UNIT], published_only=True)
    disclosure = survey_disclosure(demo_survey, data)
    min_cell = demo_survey.min_cell_size
    sizes = _unit_sizes(demo_survey)
    for gap in result["gaps"]:
        for audience in (SELF_AUDIENCE, gap["other"]):
            assert disclosure.shows((UNIT, (audience,), gap["group"])), gap
            assert sizes[(gap["group"], audience)] >= min_cell
        assert gap["n_self"] >= min_cell
        assert gap["n_other"] >= min_cell
    # the units whose peers the decision hides have no gap at all, and the note names them
    hidden = {
        unit
        for (unit, audience), n in sizes.items()
        if audience == SELF_AUDIENCE and n and not disclosure.shows((UNIT, (SELF_AUDIENCE,), unit))
    }
    assert hidden, "the demo has a unit with too few peers (the test needs one)"
    assert not hidden & {g["group"] for g in result["gaps"]}
    labels = {g["key"]: g["label"] for g in result["groups"]}
    assert result["gaps_note"].startswith("No perception gaps for ")
    for unit in hidden:
        assert labels[unit] in result["gaps_note"]


@pytest.mark.parametrize(
    ("among", "others"), [("staff", {"staff"}), ("service_user", {"service_user"}), ("peer", {"staff", "service_user"})]
)
def test_among_chooses_whose_view_of_peers_the_gaps_show(demo_survey, among: str, others: set[str]) -> None:
    result = survey_dashboard(demo_survey, by=UNIT, among=among, viewer=None)
    assert {g["other"] for g in result["gaps"]} == others
    everyone = survey_dashboard(demo_survey, by=UNIT, viewer=None)
    same = [g for g in everyone["gaps"] if g["other"] in others]
    assert sorted((g["group"], g["id"], g["other"], g["diff"]) for g in result["gaps"]) == sorted(
        (g["group"], g["id"], g["other"], g["diff"]) for g in same
    )


def test_compare_by_wave_keeps_the_gaps_within_each_wave(app, make_survey) -> None:
    from surveyapp.services.demo import add_synthetic_responses
    from tests.services.test_dashboard import NOW

    first = make_survey(series="mini", wave=1)
    second = make_survey(slug="mini-survey-2", series="mini", wave=2)
    add_synthetic_responses(first, 60, NOW)
    add_synthetic_responses(second, 60, NOW, seed=3)
    result = survey_dashboard(second, by="wave", viewer=None)
    assert {g["group"] for g in result["gaps"]} == {"1", "2"}
    assert {g["group_label"] for g in result["gaps"]} == {"Wave 1", "Wave 2"}
    own = survey_dashboard(first, viewer=None)["gaps"]  # wave 1's gaps are wave 1's own dashboard's gaps
    assert sorted((g["id"], g["diff"]) for g in result["gaps"] if g["group"] == "1") == sorted((g["id"], g["diff"]) for g in own)


def test_sentences_name_the_groups_as_a_reader_would(demo_survey) -> None:
    result = survey_dashboard(demo_survey, by=UNIT, viewer=None)
    sentences = [s["sentence"] for b in result["instruments"] for s in b["subscales"]]
    labels = [g["label"] for g in result["groups"]]
    for sentence in sentences:
        for label in labels:  # a unit is never the bare subject of "rate": "Emergency room rate ..." misread
            assert f" {label} rate " not in sentence
            assert not sentence.startswith(f"{label} rate ")
    assert any("those answering “" in s for s in sentences)
    by_audience = survey_dashboard(demo_survey, viewer=None)
    assert any(" peer specialists" in s["sentence"] for b in by_audience["instruments"] for s in b["subscales"])


def test_how_many_gave_no_answer_is_said_when_it_can_be(demo_survey) -> None:
    data = load_survey_data([demo_survey], [UNIT], published_only=True)
    expected = int(np.isnan(data.column(UNIT)).sum() + (data.column(UNIT) < 0).sum())
    result = survey_dashboard(demo_survey, by=UNIT, viewer=None)
    if any(g["hidden"] for g in result["groups"]):
        assert result["no_answer"] is None  # it would let the hidden groups be worked out
    else:
        assert result["no_answer"]["n"] == expected
        assert result["no_answer"]["n"] == result["overview"]["submitted"] - sum(g["n"] for g in result["groups"])
    by_staff = survey_dashboard(demo_survey, by=UNIT, among="staff", viewer=None)
    if any(g["hidden"] for g in by_staff["groups"]):
        assert by_staff["no_answer"] is None
    assert survey_dashboard(demo_survey, viewer=None)["no_answer"] is None  # by audience: nothing to leave out


def test_no_answer_count_is_never_a_small_cell(make_survey) -> None:
    """The count of people who skipped the question is a figure too: 1 to min_cell - 1 of them is never shown."""
    from surveyapp.services.importing import import_responses
    from tests.services.test_dashboard import NOW

    survey = make_survey()
    rows = "audience,mini.clear,mini.role\n" + "staff,4,1\n" * 12 + "staff,4,2\n" * 12 + "staff,4,\n" * 3
    assert import_responses(survey, rows, NOW, None).ok
    result = survey_dashboard(survey, by="mini.role", viewer=None)
    assert result["no_answer"] is None
    more = "audience,mini.clear,mini.role\n" + "staff,4,\n" * 5
    assert import_responses(survey, more, NOW, None).ok
    result = survey_dashboard(survey, by="mini.role", viewer=None)
    assert result["no_answer"] == {"n": 8, "audiences": ["staff"], "among": None, "asked_of_all": False}
