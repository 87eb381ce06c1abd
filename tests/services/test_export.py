"""Research exports: wide, long, scores and codebook, as a researcher reads them."""

from __future__ import annotations

import csv
import datetime as dt
import io

import numpy as np
import pytest
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import select

from surveyapp.db import AuditEvent, db
from surveyapp.reporting.exports import FORMATS, ExportOptions
from surveyapp.services.demo import add_synthetic_responses
from surveyapp.services.export import export_plan

NOW = dt.datetime(2026, 11, 24, 9, 0, tzinfo=dt.UTC)
PAGE1 = {"mini.clear": "-9", "mini.unclear": "2", "mini.valued": "5", "action": "next"}


def export_text(survey, fmt: str, **options: object) -> str:
    return b"".join(FORMATS[fmt].write(export_plan(survey), ExportOptions(**options))).decode("utf-8")


def rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))


def answer_as(client: FlaskClient, token: str, page2: dict) -> None:
    client.set_cookie("ps_lang", "en")
    client.post(f"/r/{token}/consent", data={"consent": "yes"})
    assert client.post(f"/r/{token}/p/1", data=PAGE1).status_code == 302
    assert client.post(f"/r/{token}/p/2", data={**page2, "action": "next"}).status_code == 302
    client.post(f"/r/{token}/submit")


@pytest.fixture
def answered(client: FlaskClient, make_survey, invite):
    survey = make_survey()
    answer_as(
        client,
        invite(audience="staff"),
        {"mini.role": "1", "mini.years": "4", "mini.tasks": ["1", "3"], "mini.comments": '=HYPERLINK("http://x","click") שלום'},
    )
    answer_as(client, invite(audience="peer"), {"mini.years": "12", "mini.comments": "+1 from me"})
    return survey


def test_wide_has_codes_missing_codes_and_scores(answered) -> None:
    table = rows(export_text(answered, "wide"))
    columns = list(table[0])
    assert columns[:6] == ["response_id", "audience", "language", "wave", "submitted", "source"]
    assert "mini.tasks.1" in columns and "mini.clarity" in columns  # noqa: PT018 - one layout claim
    staff = next(r for r in table if r["audience"] == "staff")
    peer = next(r for r in table if r["audience"] == "peer")
    assert staff["mini.clear"] == "-9"  # prefer not to answer
    assert staff["mini.role"] == "1"
    assert staff["mini.role_other"] == ""  # text item hidden by show_if: no text, never a code
    assert peer["mini.role"] == "-8"  # not asked of peers
    assert (staff["mini.tasks.1"], staff["mini.tasks.2"], staff["mini.tasks.3"]) == ("1", "0", "1")
    assert peer["mini.tasks.1"] == ""  # not answered
    assert float(staff["mini.clarity"]) == pytest.approx((4 + 5) / 2)  # unclear=2 reversed to 4; clear skipped
    assert len(staff["submitted"]) == 10  # anonymous: the date only


def test_formula_cells_are_neutralised_unless_raw(answered) -> None:
    safe = rows(export_text(answered, "wide"))
    comments = {r["audience"]: r["mini.comments"] for r in safe}
    assert comments["staff"].startswith("'=HYPERLINK(")
    assert comments["staff"].endswith("שלום")
    assert comments["peer"] == "'+1 from me"
    raw = rows(export_text(answered, "wide", raw=True))
    assert {r["audience"]: r["mini.comments"] for r in raw}["staff"].startswith("=HYPERLINK(")
    assert all(not r["mini.years"].startswith("'") for r in safe)  # numbers are never touched


def test_long_export_neutralises_formula_text_unless_raw(answered) -> None:
    """The long file is written in blocks with only its value and label cells checked: a typed formula is still caught."""
    safe = [r for r in rows(export_text(answered, "long")) if r["item"] == "mini.comments"]
    assert {r["value"] for r in safe} >= {"'+1 from me"}
    assert any(r["value"].startswith("'=HYPERLINK(") for r in safe)
    raw = [r for r in rows(export_text(answered, "long", raw=True)) if r["item"] == "mini.comments"]
    assert any(r["value"].startswith("=HYPERLINK(") for r in raw)
    assert all(not r["value"].startswith("'") for r in rows(export_text(answered, "long")) if r["item"] == "mini.clear")


def test_labels_and_bom(answered) -> None:
    text = export_text(answered, "wide", labels=True, bom=True, language="he")
    assert text.startswith("\ufeffresponse_id,")
    assert {r["audience"] for r in rows(text)} == {"עמיתים מומחים", "צוות"}  # labelled: names, never bare codes
    staff = next(r for r in rows(text) if r["audience"] == "צוות")
    assert staff["mini.role"] == "אחות/אח"
    assert staff["mini.clear"] == "מעדיף/ה לא לענות"


def test_long_scores_and_codebook(answered) -> None:
    long_rows = rows(export_text(answered, "long"))
    assert {r["item"] for r in long_rows} >= {"mini.clear", "mini.tasks", "mini.comments"}
    skipped = next(r for r in long_rows if r["item"] == "mini.clear" and r["skipped"] == "true")
    assert skipped["value"] == "-9"
    assert skipped["label"] == "Prefer not to answer"
    in_hebrew = rows(export_text(answered, "long", language="he"))
    assert {r["label"] for r in in_hebrew if r["skipped"] == "true"} == {"מעדיף/ה לא לענות"}  # in the chosen language
    scores = rows(export_text(answered, "scores"))
    assert list(scores[0]) == ["response_id", "audience", "wave", "mini.clarity", "mini.clarity.n_items"]
    assert {r["mini.clarity.n_items"] for r in scores} == {"2"}
    codebook = {r["name"]: r for r in rows(export_text(answered, "codebook"))}
    clear = codebook["mini.clear"]
    assert clear["label_he"] == "אני יודע/ת מה המשימות שלי."
    # each audience's own wording, in each language (the HTML codebook and the data package had them already)
    assert (clear["text_peer_en"], clear["text_staff_en"]) == ("I know my tasks.", "Peers know their tasks.")
    assert clear["text_staff_he"] == "העמיתים יודעים מה המשימות שלהם."
    assert codebook["mini.role"]["text_peer_en"] == ""  # asked of staff only
    assert codebook["mini.role"]["text_staff_en"] == "Your role"
    assert "9=Not observed" in clear["values"]
    assert "-9=Prefer not to answer" in clear["values"]
    assert clear["missing_codes"] == "[9, -9, -8]"  # a JSON list: never read as a formula
    assert len(clear["content_hash"]) == 64
    assert codebook["mini.unclear"]["reverse_keyed"] == "yes"
    assert codebook["mini.clarity"]["scoring"].startswith("mean of 3 items")


def test_wide_scores_match_the_scores_file_at_scale(make_survey) -> None:
    survey = make_survey()
    add_synthetic_responses(survey, 300, NOW)
    wide = rows(export_text(survey, "wide"))
    scores = {r["response_id"]: r for r in rows(export_text(survey, "scores"))}
    assert len(wide) == len(scores) == 300
    for row in wide:
        assert row["mini.clarity"] == scores[row["response_id"]]["mini.clarity"]
    values = np.array([float(r["mini.clear"]) for r in wide if r["mini.clear"]])
    assert set(np.unique(values)) <= {1, 2, 3, 4, 5, 9, -9}


def test_cli_export_and_audit(runner: FlaskCliRunner, answered, tmp_path) -> None:
    out = tmp_path / "wide.csv"
    result = runner.invoke(args=["export", "mini-survey", "--format", "wide", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8").startswith("response_id,")
    wrong = runner.invoke(args=["export", "mini-survey", "--format", "xlsx"])
    assert "unknown format 'xlsx'" in wrong.output
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "export"))
    assert event.detail["format"] == "wide"


def test_labelled_exports_name_the_audiences_in_the_chosen_language(demo_survey) -> None:
    arabic = rows(export_text(demo_survey, "wide", labels=True, language="ar"))
    assert {r["audience"] for r in arabic} == {"أخصائيو الدعم من الأقران", "الطاقم", "متلقّو الخدمة"}
    assert {r["audience"] for r in rows(export_text(demo_survey, "wide"))} == {"peer", "staff", "service_user"}


def test_labelled_exports_use_the_surveys_own_audience_names(make_survey) -> None:
    survey = make_survey(audience_labels={"staff": {"en": "Ward team", "he": "צוות המחלקה"}})
    add_synthetic_responses(survey, 10, dt.datetime(2026, 11, 24, 9, 0, tzinfo=dt.UTC))
    names = {r["audience"] for r in rows(export_text(survey, "wide", labels=True, language="he"))}
    assert "צוות המחלקה" in names
    assert "staff" not in names
