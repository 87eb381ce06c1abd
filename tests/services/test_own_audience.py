"""An audience of one's own (docs/instruments.md "An audience of your own"): configured in the instrument and the
survey spec, named by the survey's label, compared with peers like staff are."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import yaml

from surveyapp.services.dashboard import survey_dashboard
from surveyapp.services.importing import import_responses
from surveyapp.services.surveys import create_survey
from tests.instruments.helpers import dump, mini_data

NOW = dt.datetime(2026, 11, 24, 9, 0, tzinfo=dt.UTC)
SPEC = """
slug: with-family
title: {en: With families, he: עם משפחות}
instruments: [mini]
audiences: [peer, family]
audience_labels:
  family: {en: Family members, he: בני משפחה}
languages: [en, he]
consent: {en: Please agree., he: נא להסכים.}
"""


def test_a_configured_audience_is_named_and_compared_with_peers(app, tmp_path: Path) -> None:
    data = mini_data()
    data["audiences"] = ["peer", "staff", "family"]
    clear = data["items"][0]
    clear["text"]["family"] = {"en": "Our peer worker knows their tasks.", "he": "העמית יודע מה המשימות שלו."}
    (tmp_path / "mini.yaml").write_text(dump(data), encoding="utf-8")
    survey = create_survey(SPEC, "spec.yaml", tmp_path, NOW, None)
    rows = "audience,mini.clear,mini.unclear,mini.valued\n"
    rows += "".join(f"peer,{2 + n % 2},3,4\n" for n in range(8)) + "".join(
        f"family,{4 + n % 2},,4\n" for n in range(8)
    )  # unclear: not worded for families
    assert import_responses(survey, rows, NOW, None).ok
    result = survey_dashboard(survey, viewer=None)
    assert [(g["key"], g["label"]) for g in result["groups"]] == [("peer", "Peer specialists"), ("family", "Family members")]
    [gap] = [g for g in result["gaps"] if g["id"] == "clear"]
    assert (gap["other"], gap["other_group"], gap["n_self"], gap["n_other"]) == ("family", "Family members", 8, 8)
    assert gap["diff"] == 2.0
    assert yaml.safe_load(SPEC)["audience_labels"]["family"]["en"] in str(result["overview"])
