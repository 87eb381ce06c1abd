"""The instruments Peerscope ships: complete, original, in English and Hebrew, as specified."""

from __future__ import annotations

from pathlib import Path

import pytest

from surveyapp.instruments import load_directory

ROOT = Path(__file__).resolve().parent.parent.parent
SHIPPED = load_directory(ROOT / "instruments")

# Items per audience and reverse-keyed items per audience, from the instrument specifications
# (research note, section 8).
EXPECTED = {
    "p-role": ({"peer": 18, "staff": 13, "service_user": 9}, {"peer": 6, "staff": 4, "service_user": 3}),
    "work-sat": ({"peer": 18, "staff": 18}, {"peer": 5, "staff": 5}),
    "disclose": ({"peer": 26, "staff": 22, "service_user": 15}, None),
    "self-kind-at-work": ({"peer": 18, "staff": 18}, {"peer": 9, "staff": 9}),
    "peer-practice-360": ({"peer": 20, "staff": 20, "service_user": 20}, {"peer": 2, "staff": 2, "service_user": 2}),
}


def test_the_five_instruments_the_task_inventory_and_the_context_block_ship() -> None:
    assert set(EXPECTED) | {"context", "peer-role-tasks"} == set(SHIPPED)


@pytest.mark.parametrize("key", sorted(EXPECTED))
def test_item_and_reverse_counts_per_audience(key: str) -> None:
    instrument = SHIPPED[key]
    items, reversed_ = EXPECTED[key]
    assert {a: len(instrument.items_for(a)) for a in instrument.audiences} == items
    if reversed_ is not None:
        assert {a: sum(i.reverse for i in instrument.items_for(a)) for a in instrument.audiences} == reversed_


def test_disclose_reverse_share_is_about_a_quarter() -> None:
    items = SHIPPED["disclose"].items
    share = sum(i.reverse for i in items) / len([i for i in items if i.type == "likert"])
    assert 0.15 <= share <= 0.35


@pytest.mark.parametrize("key", sorted(SHIPPED))
def test_every_instrument_is_original_unvalidated_and_bilingual(key: str) -> None:
    instrument = SHIPPED[key]
    assert list(instrument.languages) == ["en", "he", "ar"]
    assert instrument.provenance["original"] is True
    assert instrument.provenance["validated"] is False
    note = instrument.provenance["status_note"].lower()
    if instrument.subscales:
        assert "not yet validated" in note or "not-yet-validated" in note or "unvalidated" in note
    assert instrument.licence["redistributable"] is True
    if instrument.subscales:
        assert instrument.provenance.get("inspired_by"), "name what informed the structure"
    assert not instrument.translation_validated("he")
    assert not instrument.translation_validated("ar")
    for language in instrument.languages:  # respondents see titles; acronyms are for dashboards
        assert not instrument.title[language].startswith(instrument.short_title["en"] + ":")


def test_context_block_is_fully_skippable() -> None:
    context = SHIPPED["context"]
    assert {"role", "unit", "years_in_role", "gender", "comments"} <= {i.id for i in context.items}
    assert not any(i.required for i in context.items)
    assert all(i.allow_skip for i in context.items if i.type == "single")


@pytest.mark.parametrize("key", sorted(EXPECTED))
def test_every_subscale_is_scored_for_someone(key: str) -> None:
    instrument = SHIPPED[key]
    scored = {s.id for a in instrument.audiences for s in instrument.subscales_for(a)}
    assert scored == {s.id for s in instrument.subscales}


def test_licensed_scale_template_is_a_valid_instrument_that_ships_no_text() -> None:
    from surveyapp.instruments import load_file

    template = load_file(ROOT / "docs" / "templates" / "licensed-scale.example.yaml", "licensed-scale.example.yaml")
    assert template.licence["redistributable"] is False
    assert all("<" in i.text_for(i.audiences[0], "en") for i in template.items), "item text must be placeholders"


CONTESTED = {
    "story_in_group",
    "team_meetings",
    "ward_rounds",
    "medical_record",
    "restraint_presence",
    "rights_committee",
    "train_staff",
}


def test_the_task_inventory_has_thirty_tasks_in_six_domains_for_every_audience() -> None:
    tasks = SHIPPED["peer-role-tasks"]
    assert [d.id for d in tasks.domains] == ["one_to_one", "groups", "clinical_team", "advocacy", "education", "admin"]
    assert len(tasks.tasks) == 30
    per_domain = {d.id: sum(t.domain == d.id for t in tasks.tasks) for d in tasks.domains}
    assert set(per_domain.values()) == {5}
    assert all(t.audiences == ("peer", "staff", "service_user") for t in tasks.tasks)
    assert {t.id for t in tasks.tasks} >= CONTESTED
    assert not tasks.subscales  # tasks are rated for consensus, not scored
    assert tasks.task_questions.frequency_audiences == ("peer",)
    assert tasks.task_questions.proposal_item == "missing_tasks"


@pytest.mark.parametrize("language", ["en", "he", "ar"])
def test_every_task_is_worded_for_each_audience_and_the_wordings_differ(language: str) -> None:
    tasks = SHIPPED["peer-role-tasks"]
    for task in tasks.tasks:
        wordings = [task.text[a][language] for a in ("peer", "staff", "service_user")]
        assert len(set(wordings)) == 3, task.id
    if language == "en":
        assert all(t.text["peer"]["en"].startswith("I ") for t in tasks.tasks)
        assert all("peer specialist" in t.text["staff"]["en"].lower() for t in tasks.tasks)
    texts = [t.text["staff"][language] for t in tasks.tasks]
    assert len(set(texts)) == 30  # no task repeated


def test_the_task_inventory_names_what_informed_it() -> None:
    tasks = SHIPPED["peer-role-tasks"]
    sources = " ".join(tasks.provenance["inspired_by"])
    assert "SAMHSA" in sources
    assert "public domain" in sources
    assert "not yet validated" in tasks.provenance["status_note"].lower()
