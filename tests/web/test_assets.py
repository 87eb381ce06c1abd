"""Page weight: the partial plotly bundle draws every chart the results page makes; static files leave
compressed, with versioned URLs cached for a year; HTML is never compressed (BREACH)."""

from __future__ import annotations

import re
from pathlib import Path

import plotly
import pytest
from flask.testing import FlaskClient

from surveyapp.reporting import figures
from surveyapp.reporting.plotly_css import PLOTLY_BUNDLE, plotly_js_version, plotly_stylesheet
from surveyapp.services.dashboard import survey_dashboard
from surveyapp.services.demo import add_synthetic_responses
from tests.web.test_dashboard import NOW, sign_in

VERSION = re.compile(r"plotly\.js(?: \([a-z -]+\))? v(\d+\.\d+\.\d+)")


@pytest.fixture
def survey(make_survey):
    created = make_survey()
    add_synthetic_responses(created, 60, NOW)
    return created


def _bundle_traces() -> set[str]:
    return set(re.findall(r'moduleType:"trace",name:"(\w+)"', PLOTLY_BUNDLE.read_text(encoding="utf-8")))


def test_bundle_is_the_plotly_js_of_the_plotly_package() -> None:
    full = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
    with full.open(encoding="utf-8") as source:
        shipped = VERSION.search(source.read(300)).group(1)
    assert VERSION.search(PLOTLY_BUNDLE.read_text(encoding="utf-8")[:300]).group(1) == shipped
    assert PLOTLY_BUNDLE.with_name(PLOTLY_BUNDLE.name.replace(".min.js", ".LICENSE.txt")).exists()
    assert "X,X div" not in plotly_stylesheet()  # the style rules were found and expanded
    assert plotly_stylesheet().count("{") > 10


def test_bundle_has_every_trace_type_the_results_page_draws(survey) -> None:
    result = survey_dashboard(survey, viewer=None, audit=None)
    drawn = [figures.daily_figure(result["overview"])]
    if result["gaps"]:
        drawn.append(figures.gap_heatmap(result["gaps"]))
    for block in result["instruments"]:
        drawn.append(figures.likert_figure(block["items"]))
        drawn.extend(figures.subscale_figure(s) for s in block["subscales"])
    used = {trace["type"] for figure in drawn for trace in figure["data"]}
    assert {"bar", "box", "scatter"} <= used
    assert used | {"heatmap"} <= _bundle_traces()


def test_results_page_links_versioned_assets(client: FlaskClient, survey) -> None:
    sign_in(client, "admin")
    page = client.get("/dashboard/mini-survey").text
    assert f"/dashboard/vendor/plotly.min.js?v={plotly_js_version()}" in page
    assert re.search(r'/static/peerscope\.css\?v=[0-9a-f]{12}"', page)
    assert re.search(r'/static/dashboard\.js\?v=[0-9a-f]{12}"', page)


@pytest.mark.parametrize("encoding", ["br", "gzip"])
def test_plotly_leaves_compressed_and_cached_for_a_year(client: FlaskClient, encoding: str) -> None:
    response = client.get(f"/dashboard/vendor/plotly.min.js?v={plotly_js_version()}", headers={"Accept-Encoding": encoding})
    body = response.get_data()
    response.close()
    assert response.status_code == 200
    assert response.headers["Content-Encoding"] == encoding
    assert len(body) < PLOTLY_BUNDLE.stat().st_size / 2
    assert "immutable" in response.headers["Cache-Control"]
    assert "max-age=31536000" in response.headers["Cache-Control"]


def test_unversioned_static_url_is_not_kept_for_a_year(client: FlaskClient) -> None:
    response = client.get("/static/peerscope.css")
    response.close()
    assert "immutable" not in response.headers.get("Cache-Control", "")


def test_html_is_never_compressed(client: FlaskClient, survey) -> None:
    """BREACH: a compressed page holding the CSRF token next to text the attacker chose (?by=..., reflected)
    leaks the token through the response's size; so pages go out uncompressed, only static files compressed."""
    sign_in(client, "admin")
    page = client.get("/dashboard/mini-survey?by=audience&among=csrf_token", headers={"Accept-Encoding": "gzip, br, zstd"})
    assert page.status_code == 200
    assert "Content-Encoding" not in page.headers
    assert "csrf_token" in page.text
