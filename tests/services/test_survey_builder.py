"""The builder's use-cases on a real database: edit a draft, next wave, delete, routing in stored answers and exports."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
import yaml
from flask import Flask
from sqlalchemy import func, select

from surveyapp.db import Answer, AuditEvent, ItemKey, Response, Survey, db
from surveyapp.instruments import NOT_SHOWN, InstrumentError
from surveyapp.services import survey_builder
from surveyapp.services.export import export_plan, iter_wide_rows
from surveyapp.services.surveys import SurveyError, create_survey, get_survey, pages_for, set_status, survey_instruments
from tests.conftest import FIXTURES, MINI_SPEC, ROOT

NOW = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)


def actions() -> list[str]:
    return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def test_a_draft_is_edited_with_its_instrument_versions_kept(app: Flask, tmp_path: Path) -> None:
    folder = tmp_path / "instruments"
    shutil.copytree(FIXTURES, folder)
    create_survey(MINI_SPEC, "spec.yaml", folder, NOW, None)
    # the file moves on to a new version; the draft keeps the version it pinned
    text = (folder / "mini.yaml").read_text().replace('version: "1.0.0"', 'version: "1.1.0"')
    (folder / "mini.yaml").write_text(text)
    data = {**yaml.safe_load(MINI_SPEC), "audiences": ["peer"], "short_forms": {"mini": ["first"]}, "min_cell_size": 7}
    survey = survey_builder.update_draft("mini-survey", data, "the form", folder, NOW, None)
    assert [link.instrument_version.version for link in survey.instruments] == ["1.0.0"]
    assert [a.key for a in survey.audiences] == ["peer"]
    assert survey.min_cell_size == 7
    assert {i.section for i in survey_instruments(survey)[0].items} == {"first"}
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "survey.edit")).one()
    assert set(event.detail["changed"]) == {"audiences", "short_forms", "min_cell_size"}


def test_only_a_draft_nobody_answered_can_be_edited_or_deleted(app: Flask, make_survey, invite) -> None:
    survey = make_survey(status="open")
    data = yaml.safe_load(MINI_SPEC)
    with pytest.raises(SurveyError, match="only a draft can be edited"):
        survey_builder.update_draft(survey.slug, data, "the form", FIXTURES, NOW, None)
    with pytest.raises(SurveyError, match=r"only a draft can be deleted\. Close it instead"):
        survey_builder.delete_draft(survey.slug, NOW, None)
    db.session.add(Response(id="r" * 32, survey_id=survey.id, audience_id=survey.audiences[0].id, language="en",
                            status="in_progress", source="web", started_at=NOW, updated_at=NOW))  # fmt: skip
    set_status(survey.slug, "draft", NOW, None)
    with pytest.raises(SurveyError, match="it has 1 responses"):
        survey_builder.delete_draft(survey.slug, NOW, None)
    with pytest.raises(SurveyError, match="already has 1 responses"):
        survey_builder.update_draft(survey.slug, data, "the form", FIXTURES, NOW, None)
    assert "survey.delete" not in actions()


def test_deleting_a_draft_removes_it_and_its_links_and_audits_the_spec(app: Flask, make_survey, invite) -> None:
    survey = make_survey(status="draft")
    invite("mini-survey", "peer", 3)
    survey_builder.delete_draft(survey.slug, NOW, None)
    assert db.session.scalar(select(func.count()).select_from(Survey)) == 0
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "survey.delete")).one()
    assert event.detail["links_made"] == 3
    assert event.detail["spec"]["instruments"] == ["mini"]


def test_the_next_wave_keeps_the_questions_and_versions_with_new_dates(app: Flask, tmp_path: Path, make_survey) -> None:
    first = make_survey(status="closed", short_forms={"mini": ["first"]})
    second = survey_builder.next_wave(first.slug, dt.date(2027, 3, 1), dt.date(2027, 3, 31), NOW, None)
    assert (second.series, second.wave, second.status) == ("mini-survey", 2, "draft")
    assert (get_survey("mini-survey").series, get_survey("mini-survey").wave) == ("mini-survey", 1)
    assert second.slug == "mini-survey-wave-2"
    assert [link.instrument_version_id for link in second.instruments] == [
        link.instrument_version_id for link in first.instruments
    ]
    assert second.spec["short_forms"] == {"mini": ["first"]}
    assert (second.opens_at.date(), second.closes_at.date()) == (dt.date(2027, 3, 1), dt.date(2027, 3, 31))
    third = survey_builder.next_wave(second.slug, None, None, NOW, None)
    assert (third.wave, third.slug) == (3, "mini-survey-wave-3")
    with pytest.raises(InstrumentError, match=r"closes .* before it opens"):
        survey_builder.next_wave(first.slug, dt.date(2027, 3, 1), dt.date(2027, 2, 1), NOW, None)
    assert actions().count("survey.next_wave") == 2


def test_the_demo_routes_service_users_without_peer_contact_past_the_peer_questions(app: Flask, demo_survey) -> None:
    rows = db.session.execute(
        select(Response.pk, ItemKey.key, Answer.value_num)
        .join(Answer, Answer.response_pk == Response.pk)
        .join(ItemKey, ItemKey.id == Answer.item_key_id)
        .where(Response.survey_id == demo_survey.id)
    ).all()
    contact = {pk: value for pk, key, value in rows if key == "context.peer_contact"}
    never_met = {pk for pk, value in contact.items() if value == 2}
    met = {pk for pk, value in contact.items() if value == 1}
    assert len(never_met) > 10
    assert len(met) > 40
    answered = {(pk, key.split(".")[0]) for pk, key, _ in rows}
    assert not any((pk, "peer-practice-360") in answered or (pk, "p-role") in answered for pk in never_met)
    assert sum((pk, "peer-practice-360") in answered for pk in met) > 0.9 * len(met)

    plan = export_plan(demo_survey)
    names = [v.name for v in plan.variables]
    wide = list(iter_wide_rows(plan))
    audience, contact_at = names.index("audience"), names.index("context.peer_contact")
    trust, climate = names.index("peer-practice-360.conn_trust"), names.index("disclose.climate_free_to_share")
    value = names.index("disclose.value_hope")
    users = [r for r in wide if r[audience] == "service_user"]
    skipped = [r for r in users if r[contact_at] == 2]
    assert skipped
    assert all(r[trust] == NOT_SHOWN and r[climate] == NOT_SHOWN for r in skipped)
    assert any(r[value] not in (None, NOT_SHOWN) for r in skipped)  # what they were asked is there
    assert all(r[trust] != NOT_SHOWN for r in users if r[contact_at] == 1)
    assert all(r[contact_at] == NOT_SHOWN for r in wide if r[audience] != "service_user")


def test_lengths_per_audience_follow_the_stored_survey(app: Flask, demo_survey) -> None:
    lengths = survey_builder.survey_lengths(demo_survey)
    assert (lengths["peer"].questions_max, lengths["peer"].minutes_max) == (104, 14)
    assert lengths["service_user"].is_range
    assert lengths["service_user"].pages_max == len(pages_for(demo_survey, "service_user"))


def test_the_spec_export_reads_back(app: Flask, demo_survey) -> None:
    from surveyapp.instruments import load_directory
    from surveyapp.instruments.survey_spec import parse_survey_spec, spec_yaml

    text = spec_yaml(survey_builder.spec_of(demo_survey))
    assert parse_survey_spec(text, "demo.yaml", load_directory(ROOT / "instruments")).raw == demo_survey.spec


def test_a_routed_survey_exports_and_imports_back_with_not_asked_kept_apart(app: Flask, demo_survey) -> None:
    """Export -> import -> export of the demo (service users routed past the peer questions) gives the same data;
    an answer on a page routing skipped, or a -8 where it did not, is refused with the rule."""
    import csv
    import io

    from sqlalchemy import delete

    from surveyapp.services.demo import DEMO_SPEC
    from surveyapp.services.importing import import_responses
    from tests.services.test_importing import wide_export

    first = wide_export(demo_survey)
    ids = [r.pk for r in db.session.scalars(select(Response).where(Response.survey_id == demo_survey.id))]
    db.session.execute(delete(Answer).where(Answer.response_pk.in_(ids)))
    db.session.execute(delete(Response).where(Response.pk.in_(ids)))
    db.session.commit()
    spec = (
        DEMO_SPEC.read_text(encoding="utf-8").replace("slug: demo\n", "slug: demo-copy\n").replace("series: demo", "series: copy")
    )
    fresh = create_survey(spec, "copy.yaml", ROOT / "instruments", NOW, None)
    report = import_responses(fresh, first, NOW, None)
    assert report.ok, report.lines()[:5]
    second = wide_export(fresh)
    assert first.replace(b",demo,", b",import,") == second

    rows = list(csv.reader(io.StringIO(first.decode("utf-8"), newline="")))
    header = rows[0]
    at = {name: header.index(name) for name in ("audience", "context.peer_contact", "peer-practice-360.conn_trust")}
    skipped = next(r for r in rows[1:] if r[at["context.peer_contact"]] == "2")
    asked = next(
        r for r in rows[1:] if r[at["context.peer_contact"]] == "1" and r[at["peer-practice-360.conn_trust"]] not in ("", "-8")
    )
    answered_anyway = [*skipped]
    answered_anyway[at["peer-practice-360.conn_trust"]] = "4"
    marked_anyway = [*asked]
    marked_anyway[at["peer-practice-360.conn_trust"]] = "-8"
    for row in (answered_anyway, marked_anyway):
        row[0] = ""  # the response id: new responses
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows([header, answered_anyway, marked_anyway])
    refused = import_responses(fresh, out.getvalue(), NOW, None)
    reasons = [p.reason for p in refused.problems]
    assert any("routing skipped this question" in r and "context.peer_contact = 2" in r for r in reasons), reasons
    assert any("do not skip this question" in r for r in reasons), reasons
    assert refused.imported == 0
