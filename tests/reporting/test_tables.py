"""Dashboard tables as shown (and downloaded): numbers a manager reads correctly."""

from __future__ import annotations

from surveyapp.reporting.tables import build_table


def _result(p_value: float, kruskal_p: float) -> dict:
    comparison = {"test": "welch_anova", "statistic": 41.2, "df1": 2.0, "df2": 150.3, "p_value": p_value,
                  "effect_name": "omega_squared", "effect": 0.21, "kruskal_h": 60.1, "kruskal_p": kruskal_p,
                  "epsilon_squared": 0.2}  # fmt: skip
    subscale = {"label": "Role clarity", "comparison": comparison, "sentence": "Staff rate it higher."}
    return {
        "instruments": [
            {"id": "p-role", "title": "Clarity, distinctiveness and conflict in the peer role", "subscales": [subscale]}
        ]
    }


def test_p_values_below_a_thousandth_read_as_such_not_as_zero() -> None:
    [row] = build_table(_result(3e-12, 0.0004), "comparisons").rows
    assert (row[6], row[10]) == ("<0.001", "<0.001")
    [row] = build_table(_result(0.03712, 0.5), "comparisons").rows
    assert (row[6], row[10]) == (0.0371, 0.5)


def test_gap_readings_are_words() -> None:
    gap = {"instrument": "P-ROLE", "level": "subscale", "label": "Role clarity", "other_group": "Staff", "n_self": 40,
           "n_other": 90, "mean_self": 5.1, "mean_other": 4.2, "diff": -0.9, "ci_low": -1.2, "ci_high": -0.6,
           "hedges_g": -0.7, "cliffs_delta": -0.4, "reading": "self_higher"}  # fmt: skip
    [row] = build_table({"gaps": [gap]}, "gaps").rows
    assert row[-2:] == ("self higher", "")  # no invariance verdict attached: the column stays empty


def test_gap_table_carries_the_invariance_verdict_and_its_note() -> None:
    gap = {"instrument": "P-ROLE", "level": "subscale", "label": "Role clarity", "other_group": "Staff", "n_self": 140,
           "n_other": 190, "mean_self": 5.1, "mean_other": 4.2, "diff": -0.9, "ci_low": -1.2, "ci_high": -0.6,
           "hedges_g": -0.7, "cliffs_delta": -0.4, "reading": "self_higher", "measured_alike": "partly"}  # fmt: skip
    note = "Whether the audiences read these questions alike was checked on 01 December 2026, before ..."
    table = build_table({"gaps": [gap], "invariance": {"state": "earlier", "note": note}}, "gaps")
    assert table.columns[-1] == "measured_alike"
    assert table.rows[0][-1] == "partly"
    assert table.note == note


def test_tables_name_instruments_by_their_full_title_not_their_code() -> None:
    result = _result(0.01, 0.02)
    gap = {"instrument": "P-ROLE", "instrument_id": "p-role", "level": "subscale", "label": "Role clarity",
           "other_group": "Staff", "n_self": 40, "n_other": 90, "mean_self": 5.1, "mean_other": 4.2, "diff": -0.9,
           "ci_low": -1.2, "ci_high": -0.6, "hedges_g": -0.7, "cliffs_delta": -0.4, "reading": "self_higher"}  # fmt: skip
    result["gaps"] = [gap]
    title = "Clarity, distinctiveness and conflict in the peer role"
    assert build_table(result, "comparisons").rows[0][0] == title
    assert build_table(result, "gaps").rows[0][0] == title
