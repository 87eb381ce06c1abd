"""The results page's computed words (findings, subscale sentences, notes, group names, chart titles and legends) in
the reader's language, and a cached result never shown to a reader of another language."""

from __future__ import annotations

import html
import json
import re

import pytest
from flask.testing import FlaskClient
from flask_babel import refresh

from surveyapp.db import User, db
from surveyapp.services.accounts import set_language
from tests.web.test_dashboard import sign_in

FINDING = re.compile(r'<p class="finding-sentence">(.*?)</p>', re.S)
SUBSCALE_SENTENCE = re.compile(r'<p class="sentence">(.*?)</p>', re.S)
FIGURE = re.compile(r'<script type="application/json" id="figure-([^"]+)">(.*?)</script>', re.S)
PUBLICATION = re.compile(r'<p class="publication-note" role="note">(.*?)</p>', re.S)

#: words of the English sentence templates that no Hebrew or Arabic sentence holds
ENGLISH = re.compile(r"\b(rate|higher than|lower than|on a|scale|differ|no clear difference|Results include)\b", re.I)
#: what each language's sentences say where English says "rate ... higher/lower" (the translations' own words)
OWN_WORDS = {"he": ("בעיני", "התוצאות כוללות"), "ar": ("أعلى", "تشمل النتائج")}
SCORE_AXIS = {"he": "ציון", "ar": "الدرجة", "en": "score"}


def _page(client: FlaskClient, email: str, language: str) -> str:
    user = db.session.scalar(db.select(User).where(User.email == email))
    set_language(user, language)
    db.session.commit()
    refresh()  # the test's app context outlives a request (in service each request has its own): forget its locale
    page = client.get("/dashboard/demo")
    assert page.status_code == 200
    return page.get_data(as_text=True)


def _figures(text: str) -> dict[str, dict]:
    return {key: json.loads(html.unescape(body)) for key, body in FIGURE.findall(text)}


def _chart_words(figure: dict) -> list[str]:
    layout = figure["layout"]
    words = [trace.get("name", "") for trace in figure["data"] if trace.get("showlegend", True) is not False]
    for axis in ("xaxis", "yaxis"):
        words.append(((layout.get(axis) or {}).get("title") or {}).get("text", ""))
    return [w for w in words if w]


@pytest.mark.parametrize("language", ["he", "ar"])
def test_results_page_speaks_the_readers_language(client: FlaskClient, demo_survey, language: str) -> None:
    email = sign_in(client, "admin")
    english = _page(client, email, "en")  # computed and cached in English first: the other language must not reuse it
    assert FINDING.findall(english)
    assert ENGLISH.search(" ".join(FINDING.findall(english)))

    text = _page(client, email, language)
    findings = [" ".join(html.unescape(s).split()) for s in FINDING.findall(text)]
    assert findings, "the demo states findings"
    for sentence in findings:
        assert not ENGLISH.search(sentence), sentence
    assert any(OWN_WORDS[language][0] in s for s in findings), findings
    sentences = [" ".join(html.unescape(s).split()) for s in SUBSCALE_SENTENCE.findall(text)]
    assert sentences
    for sentence in sentences:
        assert not ENGLISH.search(sentence), sentence
    publication = html.unescape(PUBLICATION.search(text).group(1))
    assert OWN_WORDS[language][1] in publication
    assert "Results include" not in publication

    for code in (">others higher<", ">self higher<", ">subscale<", ">negligible<"):  # the tables' coded cells
        assert code not in text, code

    figures = _figures(text)
    score = next(f for k, f in figures.items() if k.startswith("scores-"))
    assert SCORE_AXIS[language] in _chart_words(score)
    assert all(not re.search(r"[A-Za-z]{3,}", w.replace("CI", "")) for w in _chart_words(score)), _chart_words(score)
    groups = [t["name"] for t in score["data"] if t["type"] == "box"]
    assert groups
    assert all(not re.search(r"[A-Za-z]{3,}", g) for g in groups), groups  # audience names, translated
    heatmap = figures["gaps"]
    cells = [c for row in heatmap["data"][0]["text"] for c in row if c]
    assert cells
    assert not any(re.search(r"higher|aligned|unclear", c) for c in cells), cells

    # the English reader afterwards still reads English: the two languages' results are cached apart
    again = _page(client, email, "en")
    english_findings = " ".join(FINDING.findall(again))
    assert ENGLISH.search(english_findings)
    assert OWN_WORDS[language][0] not in english_findings
    assert SCORE_AXIS["en"] in _chart_words(next(f for k, f in _figures(again).items() if k.startswith("scores-")))


def test_report_in_hebrew_states_the_findings_in_hebrew(client: FlaskClient, demo_survey) -> None:
    from tests.web.test_report import PDFTOTEXT, pdf_text

    if PDFTOTEXT is None:
        pytest.skip("poppler-utils is not installed: `make test` installs it")
    email = sign_in(client, "admin")
    english = _page(client, email, "en")  # the English result is cached first
    assert FINDING.findall(english)
    response = client.get("/dashboard/demo/report.pdf?language=he")
    assert response.status_code == 200
    text = pdf_text(response.data)
    assert "בעיני" in text  # the findings' sentences, in Hebrew
    for english_words in ("rate role", "higher than", "lower than", "do themselves", "Hidden to protect anonymity"):
        assert english_words not in text, english_words


def test_a_hebrew_reader_gets_the_report_in_hebrew_unless_they_choose(client: FlaskClient, demo_survey) -> None:
    from tests.web.test_report import PDFTOTEXT, pdf_text

    email = sign_in(client, "admin")
    page = _page(client, email, "he")
    assert re.search(r'<option value="he" selected>', page)  # the report's language menu starts at the reader's
    if PDFTOTEXT is None:
        pytest.skip("poppler-utils is not installed: `make test` installs it")
    text = pdf_text(client.get("/dashboard/demo/report.pdf").data)
    assert "Results report" not in text
    assert "בעיני" in text
    assert "Results report" in pdf_text(client.get("/dashboard/demo/report.pdf?language=en").data)
