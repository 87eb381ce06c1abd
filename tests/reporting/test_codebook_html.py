"""The HTML codebook: a standalone page rendered without Flask, with instrument text escaped."""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml

from surveyapp.reporting.codebook_html import codebook_html_context, render_codebook_html
from surveyapp.reporting.exports import FORMATS, ExportOptions
from surveyapp.services.export import export_plan
from surveyapp.services.surveys import create_survey

from ..conftest import FIXTURES, MINI_SPEC
from .conftest import NOW, Surveyed

SCRIPT = "<script>alert('x')</script>"


def test_registered() -> None:
    fmt = FORMATS["codebook-html"]
    assert fmt.mimetype == "text/html"
    assert fmt.filename.format(slug="s") == "s-codebook.html"


def test_context_describes_every_variable(surveyed: Surveyed) -> None:
    plan = export_plan(surveyed.survey)
    context = codebook_html_context(plan)
    assert context["title"] == "Mini survey"
    assert [lang.text for lang in context["languages"]] == ["en", "he"]
    assert [code for code, _ in context["missing_legend"]] == ["-9", "-8", "empty"]
    [instrument] = context["instruments"]
    assert (instrument.id, instrument.version) == ("mini", "1.0.0")
    assert instrument.content_hash == plan.instruments[0].content_hash
    listed = [r.name for r in context["meta"]] + [r.name for r in instrument.rows] + [r.name for r in context["scores"]]
    assert listed == [v.name for v in plan.variables]
    rows = {r.name: r for r in instrument.rows}
    assert rows["mini.unclear"].reverse == "yes"
    assert rows["mini.clear"].reverse == "no"
    assert rows["mini.comments"].reverse == ""
    assert rows["mini.clear"].subscales == "clarity"
    assert rows["mini.clear"].missing == "9, -9, -8"
    assert [t.dir for t in rows["mini.clear"].labels] == ["ltr", "rtl"]
    assert [a for a, _ in rows["mini.clear"].wordings] == ["peer", "staff"]  # worded differently per audience
    assert rows["mini.valued"].wordings == ()
    [score] = context["scores"]
    assert score.scoring.startswith("mean of 3 items")
    assert score.range == "1 to 5"


def test_page_is_standalone_and_readable(surveyed: Surveyed) -> None:
    page = b"".join(FORMATS["codebook-html"].write(export_plan(surveyed.survey), ExportOptions())).decode("utf-8")
    assert page.startswith("<!doctype html>")
    assert "<style>" in page
    assert "href=" not in page
    assert "src=" not in page
    assert "<h1>Codebook: Mini survey</h1>" in page
    assert export_plan(surveyed.survey).instruments[0].content_hash in page
    assert '<td lang="he" dir="rtl">אני יודע/ת מה המשימות שלי.</td>' in page
    assert '<span lang="he" dir="rtl">מאוד לא מסכים/ה</span>' in page
    assert "Prefer not to answer" in page
    assert "Not shown" in page
    assert "Not answered" in page
    assert "<h2>Scores</h2>" in page


def test_instrument_text_is_escaped(app, tmp_path: Path) -> None:
    definition = yaml.safe_load((FIXTURES / "mini.yaml").read_text(encoding="utf-8"))
    definition["id"] = "xss"
    definition["title"]["en"] = "Tom & Jerry <b>scale</b>"
    definition["items"][2]["text"]["en"] = f"My knowledge is valued {SCRIPT}"
    definition["scales"]["agree5"]["options"][0]["label"]["en"] = '<img src=x onerror="alert(1)">'
    shutil.copy(FIXTURES / "mini.yaml", tmp_path / "mini.yaml")
    (tmp_path / "xss.yaml").write_text(yaml.safe_dump(definition, allow_unicode=True), encoding="utf-8")
    spec = yaml.safe_load(MINI_SPEC)
    spec.update(slug="xss-survey", instruments=["xss"])
    survey = create_survey(yaml.safe_dump(spec, allow_unicode=True), "spec.yaml", tmp_path, NOW, None)
    page = render_codebook_html(export_plan(survey))
    assert SCRIPT not in page
    assert "My knowledge is valued &lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in page
    assert "<img" not in page
    assert "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;" in page
    assert "Tom &amp; Jerry &lt;b&gt;scale&lt;/b&gt;" in page
