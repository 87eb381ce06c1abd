"""The results page compared by a question: gaps within each group, answer labels as columns, full-precision downloads."""

from __future__ import annotations

import csv
import io
import json

from flask.testing import FlaskClient, FlaskCliRunner

from .test_dashboard import sign_in

UNIT = "context.unit"


def test_unit_breakdown_shows_the_gaps_within_each_unit(client: FlaskClient, demo_survey) -> None:
    sign_in(client, "admin")
    page = client.get(f"/dashboard/{demo_survey.slug}?by={UNIT}")
    assert page.status_code == 200
    assert "Perception gaps within each group" in page.text
    assert 'data-figure="gaps-staff"' in page.text
    assert 'data-figure="gaps-service_user"' in page.text
    figure = json.loads(page.text.split('id="figure-gaps-staff">', 1)[1].split("</script>", 1)[0])
    assert "Acute inpatient<br>ward" in figure["data"][0]["x"]  # the units side by side, names wrapped, never cut
    assert "No perception gaps for" in page.text  # the unit whose peers are too few is named
    among = client.get(f"/dashboard/{demo_survey.slug}?by={UNIT}&among=staff")
    assert 'data-figure="gaps-staff"' in among.text
    assert 'data-figure="gaps-service_user"' not in among.text


def test_gap_download_by_unit_has_the_unit_column(client: FlaskClient, demo_survey) -> None:
    sign_in(client, "admin")
    download = client.get(f"/dashboard/{demo_survey.slug}/table/gaps.csv?by={UNIT}&level=subscale")
    rows = list(csv.DictReader(io.StringIO(download.text)))
    assert {"group", "other_group", "gap_other_minus_peer"} <= set(rows[0])
    assert "Day hospital" in {r["group"] for r in rows}


def test_item_tables_use_the_answer_labels_in_scale_order(client: FlaskClient, demo_survey) -> None:
    sign_in(client, "admin")
    page = client.get(f"/dashboard/{demo_survey.slug}")
    assert "option 1" not in page.text
    header = page.text.split('href="/dashboard/demo/table/items.csv?by=audience&amp;instrument=p-role', 1)[1]
    header = header.split("</thead>", 1)[0]
    labels = ["Strongly disagree", "Disagree", "Somewhat disagree", "Neither agree nor disagree", "Somewhat agree"]
    positions = [header.index(f">{label}<") for label in [*labels, "Agree", "Strongly agree"]]
    assert positions == sorted(positions)
    # DISCLOSE mixes two answer scales: one table (and chart) per scale, each under its own labels
    assert 'data-figure="items-disclose-agree5"' in page.text
    assert 'data-figure="items-disclose-freq5"' in page.text
    download = client.get(f"/dashboard/{demo_survey.slug}/table/items.csv?instrument=disclose&scale=freq5")
    columns = next(csv.reader(io.StringIO(download.text)))
    assert "Strongly agree" not in columns
    assert columns[4] not in ("option_1",)


def test_downloads_keep_full_precision_while_the_page_rounds(client: FlaskClient, demo_survey) -> None:
    sign_in(client, "admin")
    download = client.get(f"/dashboard/{demo_survey.slug}/table/comparisons.csv")
    rows = list(csv.DictReader(io.StringIO(download.text)))
    statistic = rows[0]["statistic"]
    assert len(statistic.split(".")[1]) > 4, statistic
    assert float(rows[0]["p"]) < 0.001  # the number itself, not "<0.001"
    page = client.get(f"/dashboard/{demo_survey.slug}")
    assert f"<td>{round(float(statistic), 2)}</td>" in page.text
    assert "<td>&lt;0.001</td>" in page.text


def test_stats_csv_keeps_full_precision(runner: FlaskCliRunner, demo_survey) -> None:
    out = runner.invoke(args=["stats", demo_survey.slug, "--format", "csv", "--table", "comparisons"])
    assert out.exit_code == 0, out.output
    row = next(csv.DictReader(io.StringIO(out.output)))
    assert len(row["effect_size"].split(".")[1]) > 3
    assert len(row["df2"].split(".")[1]) > 2
    pairs = runner.invoke(args=["stats", demo_survey.slug, "--format", "csv", "--table", "pairs"]).output
    assert all(len(r["p"]) > 6 for r in csv.DictReader(io.StringIO(pairs)))


def test_how_many_gave_no_answer_is_said(client: FlaskClient, make_survey) -> None:
    from surveyapp.services.importing import import_responses

    from .test_dashboard import NOW

    survey = make_survey()
    rows = "audience,mini.clear,mini.role\n" + "staff,4,1\n" * 12 + "staff,4,2\n" * 12 + "staff,4,\n" * 8
    assert import_responses(survey, rows, NOW, None).ok
    sign_in(client, "admin")
    page = client.get("/dashboard/mini-survey?by=mini.role")
    assert "8 of those asked this question gave no answer" in page.text
    among = client.get("/dashboard/mini-survey?by=mini.role&among=staff")
    assert "8 staff gave no answer to this question" in among.text


def test_alpha_says_it_is_listwise_where_it_is_shown(client: FlaskClient, demo_survey) -> None:
    sign_in(client, "admin")
    page = client.get(f"/dashboard/{demo_survey.slug}").text
    assert "complete responses only (listwise)" in page
    assert "psych::alpha uses every available pair of answers by default (pairwise)" in page
    assert "complete responses)" in page.split('class="reliability"', 1)[1].split("</p>", 1)[0]
    download = client.get(f"/dashboard/{demo_survey.slug}/table/reliability.csv").text
    assert "complete responses only (listwise" in download  # the note under the rows
