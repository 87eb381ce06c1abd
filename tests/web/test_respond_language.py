"""The language page names the survey in every one of its languages, before the respondent has chosen one."""

from __future__ import annotations

from flask.testing import FlaskClient


def test_language_page_shows_the_title_in_every_language(client: FlaskClient, make_survey, invite) -> None:
    make_survey()
    token = invite()
    page = client.get(f"/r/{token}/language")
    assert page.status_code == 200
    assert '<span lang="en" dir="ltr">Mini survey</span>' in page.text
    assert '<span lang="he" dir="rtl">סקר קטן</span>' in page.text
    assert "<title>Mini survey · סקר קטן</title>" in page.text


def test_language_page_in_three_languages(client: FlaskClient, demo_survey) -> None:
    import datetime as dt

    from surveyapp.services.invitations import issue_invitations
    from surveyapp.services.surveys import set_status

    set_status(demo_survey.slug, "open", dt.datetime.now(dt.UTC), None)
    [token] = issue_invitations(demo_survey.slug, "staff", 1, dt.datetime.now(dt.UTC), None)
    page = client.get(f"/r/{token}/language").text
    for code in ("en", "he", "ar"):
        assert f'<span lang="{code}" dir="{"ltr" if code == "en" else "rtl"}">{demo_survey.title[code]}</span>' in page
