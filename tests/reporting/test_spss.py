"""The SPSS .sav export: SPSS-legal names, variable and value labels, user-missing codes, UTF-8 text."""

from __future__ import annotations

import math
import re
from pathlib import Path

import pyreadstat
import pytest

from surveyapp.instruments.wide_columns import Variable
from surveyapp.reporting.exports import FORMATS, ExportOptions
from surveyapp.reporting.spss import _spss_missing, spss_names
from surveyapp.services.export import export_plan, iter_wide_rows

from .conftest import FORMULA, HEBREW, Surveyed

LEGAL = re.compile(r"[A-Za-z][A-Za-z0-9_.@#$]*")


def _sav(surveyed: Surveyed, tmp_path: Path, options: ExportOptions | None = None) -> Path:
    path = tmp_path / "export.sav"
    with path.open("wb") as target:
        for chunk in FORMATS["spss"].write(export_plan(surveyed.survey), options or ExportOptions()):
            target.write(chunk)
    return path


def test_registered() -> None:
    fmt = FORMATS["spss"]
    assert fmt.mimetype == "application/x-spss-sav"
    assert fmt.filename.format(slug="s") == "s.sav"


def test_names_are_spss_legal_unique_and_deterministic() -> None:
    names = ["p-role.clarity_explain_job", "a.b", "a_b", "A_B", "9lives", "all", "x" * 80, "x" * 70 + "y", "", "ab."]
    mapped = spss_names(names)
    assert mapped["p-role.clarity_explain_job"] == "p_role_clarity_explain_job"
    assert (mapped["a.b"], mapped["a_b"], mapped["A_B"]) == ("a_b", "a_b_2", "A_B_3")
    assert mapped["9lives"] == "v_9lives"
    assert mapped["all"] == "all_"
    assert mapped["x" * 80] == "x" * 64
    assert mapped["x" * 70 + "y"] == "x" * 62 + "_2"
    for name in mapped.values():
        assert LEGAL.fullmatch(name), name
        assert len(name.encode()) <= 64
        assert not name.endswith(".")
    assert len({n.lower() for n in mapped.values()}) == len(names)
    assert spss_names(names) == mapped


def test_round_trip_labels_missing_codes_and_values(surveyed: Surveyed, tmp_path: Path) -> None:
    frame, meta = pyreadstat.read_sav(_sav(surveyed, tmp_path), user_missing=True)
    plan = export_plan(surveyed.survey)
    assert list(frame.columns) == [spss_names([v.name for v in plan.variables])[v.name] for v in plan.variables]
    assert meta.column_names[6:9] == ["mini_clear", "mini_unclear", "mini_valued"]
    labels = meta.column_names_to_labels
    # each audience's own wording (the item is worded for peers and for staff), not the peers' alone
    assert labels["mini_clear"] == "mini.clear: [peer] I know my tasks. | [staff] Peers know their tasks."
    assert labels["mini_valued"] == "mini.valued: My knowledge is valued."  # one wording for everyone: said once
    assert labels["response_id"].startswith("Response id")
    assert labels["mini_clarity"] == "mini.clarity: Clarity"
    assert meta.variable_value_labels["mini_clear"] == {
        1.0: "Strongly disagree",
        2.0: "Disagree",
        3.0: "Neutral",
        4.0: "Agree",
        5.0: "Strongly agree",
        9.0: "Not observed",
        -9.0: "Prefer not to answer",
        -8.0: "Not shown",
    }
    assert meta.variable_value_labels["mini_tasks_1"] == {
        1.0: "chosen",
        0.0: "not chosen",
        -9.0: "Prefer not to answer",
        -8.0: "Not shown",
    }
    assert meta.variable_value_labels["mini_years"] == {-9.0: "Prefer not to answer", -8.0: "Not shown"}
    assert "mini_comments" not in meta.variable_value_labels

    def discrete(name: str) -> set[float]:
        return {r["lo"] for r in meta.missing_ranges[name] if r["lo"] == r["hi"]}

    assert discrete("mini_clear") == {-9.0, -8.0, 9.0}
    assert discrete("mini_role") == {-9.0, -8.0}
    assert meta.variable_measure["mini_clear"] == "ordinal"
    assert meta.variable_measure["mini_role"] == "nominal"
    assert meta.variable_measure["mini_clarity"] == "scale"
    assert meta.original_variable_types["mini_clear"] == "F8.0"
    assert meta.file_label == "Mini survey"
    assert meta.file_encoding == "UTF-8"

    expected = list(iter_wide_rows(plan))
    assert len(frame) == len(expected) == 40
    for (_, row), wide in zip(frame.iterrows(), expected, strict=True):
        assert row["response_id"] == wide[0]
        assert row["submitted"].isoformat() == wide[4]
        for column, value in zip(frame.columns[6:], wide[6:], strict=True):
            if column in ("mini_role_other", "mini_comments"):
                assert row[column] == (value or "")
            elif value is None:
                assert math.isnan(row[column])
            else:
                assert row[column] == pytest.approx(value)


def test_user_missing_codes_become_missing_when_read_plainly(surveyed: Surveyed, tmp_path: Path) -> None:
    frame, _ = pyreadstat.read_sav(_sav(surveyed, tmp_path))  # SPSS semantics: user-missing -> NaN
    assert not frame["mini_role"].isin([-9, -8]).any()
    assert not frame["mini_clear"].isin([9, -9, -8]).any()
    assert frame["mini_role"].dropna().isin([1, 2]).all()


def test_hebrew_text_and_labels_survive(surveyed: Surveyed, tmp_path: Path) -> None:
    frame, meta = pyreadstat.read_sav(_sav(surveyed, tmp_path, ExportOptions(language="he")), user_missing=True)
    by_id = frame.set_index("response_id")
    assert by_id.loc[surveyed.hebrew_response, "mini_comments"] == HEBREW
    assert by_id.loc[surveyed.formula_response, "mini_comments"] == FORMULA  # not a spreadsheet: no apostrophe
    assert (
        meta.column_names_to_labels["mini_clear"]
        == "mini.clear: [peer] אני יודע/ת מה המשימות שלי. | [staff] העמיתים יודעים מה המשימות שלהם."
    )
    assert meta.variable_value_labels["mini_clear"][-9.0] == "מעדיף/ה לא לענות"
    assert meta.file_label == "סקר קטן"


def test_identified_survey_keeps_submission_times(surveyed_identified: Surveyed, tmp_path: Path) -> None:
    frame, meta = pyreadstat.read_sav(_sav(surveyed_identified, tmp_path))
    assert meta.original_variable_types["submitted"].startswith("DATETIME")
    expected = {row[0]: row[4] for row in iter_wide_rows(export_plan(surveyed_identified.survey))}
    for response_id, moment in zip(frame["response_id"], frame["submitted"], strict=True):
        assert moment.isoformat() == expected[response_id][:19]


def _variable(values: tuple[int, ...], missing: tuple[int, ...]) -> Variable:
    return Variable("x.y", "item", "integer", {"en": "x"}, values=tuple((c, {"en": str(c)}) for c in values), missing=missing)


def test_missing_values_fit_spss_limits() -> None:
    assert _spss_missing(_variable((1, 2, 9, -9, -8), (9, -9, -8))) == [-9.0, -8.0, 9.0]
    # four codes: a range over the negative ones plus one discrete code
    assert _spss_missing(_variable((1, 2, 8, 9, -7, -9, -8), (9, -7, -9, -8))) == [{"lo": -9.0, "hi": -7.0}, 9.0]
    assert _spss_missing(_variable((1, 2, 8, 9, -9, -8), (8, 9, -9, -8)))[0] == {"lo": -9.0, "hi": -8.0}


def test_export_command_writes_a_sav(surveyed: Surveyed, runner, tmp_path: Path) -> None:
    out = tmp_path / "mini.sav"
    result = runner.invoke(args=["export", "mini-survey", "--format", "spss", "--out", str(out)])
    assert result.exit_code == 0, result.output
    _frame, meta = pyreadstat.read_sav(out, metadataonly=True)
    assert "mini_clear" in meta.column_names


def test_long_wordings_share_the_label_fairly() -> None:
    """SPSS allows 256 bytes: three long wordings are each shortened, so every audience's still shows."""
    from surveyapp.reporting.spss import _spss_label

    texts = {"peer": {"he": "א" * 150}, "staff": {"he": "ב" * 150}, "service_user": {"he": "ג" * 150}}
    variable = Variable("p.x", "item", "integer", {"he": "א" * 150}, texts_by_audience=texts)
    label = _spss_label(variable, "p_x", "he")
    assert len(label.encode("utf-8")) <= 256
    assert label.startswith("p.x: [peer] א")
    assert "| [staff] ב" in label
    assert "| [service_user] ג" in label
