"""The draft job definition of a Delphi's survey: its consensus across rounds, as a JobDefinition.

Where the parts come from:

* **tasks, boundaries, contested**: :func:`surveyapp.services.delphi_view.role_view`
  across rounds: each task's status in the last round that asked it, the
  round it settled in, and per audience the % essential-or-appropriate with n
  (hidden cells stay hidden);
* **purpose**: the spec's ``delphi.purpose`` in the document's language, else
  a default sentence per language;
* **development plan**: the training-needs list of a PEER-PRACTICE 360 survey:
  the one the spec names in ``delphi.training_survey``, else the most recent
  survey holding ``peer-practice-360`` (of the same series first, if the Delphi
  has one). When a viewer is given, only a survey the viewer may see is used
  (a manager must not read another survey's results through this document);
  when none fits, the plan is left empty and the method notes say why.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from ..db import InstrumentVersion, Survey, SurveyInstrument, User, db
from ..reporting.job_definition import JobDefinition, development_plan_from_training, job_definition_from_tasks
from ..reporting.job_definition.labels import LANGUAGES
from .access import can_see
from .delphi_view import RoleView, role_view
from .surveys import SurveyError, get_survey

__all__ = ["DEFAULT_PURPOSE", "DraftDefinition", "draft_job_definition", "training_source"]

DEFAULT_PURPOSE = {
    "en": (
        "The peer specialist brings their own lived experience of mental illness and recovery into the service, "
        "to support people who use it, to strengthen their hope and voice, and to help the team work in a "
        "recovery-oriented way."
    ),
    "he": (
        "העובד/ת העמית/ה מביא/ה לשירות את הניסיון האישי שלו/ה בהתמודדות עם מחלה נפשית ובהחלמה, כדי לתמוך "
        "במקבלי/ות השירות, לחזק את התקווה ואת הקול שלהם/ן, ולעזור לצוות לעבוד ברוח ההחלמה."
    ),
    "ar": (
        "يجلب أخصائي الدعم من الأقران إلى الخدمة تجربته الشخصية مع المرض النفسي والتعافي، لدعم متلقّي الخدمة، "
        "وتعزيز أملهم وصوتهم، ومساعدة الفريق على العمل بروح التعافي."
    ),
}
TRAINING_INSTRUMENT = "peer-practice-360"
TITLES = {
    "en": "Peer specialist: draft job definition",
    "he": "עובד/ת עמית/ה: טיוטת הגדרת תפקיד",
    "ar": "أخصائي الدعم من الأقران: مسودة الوصف الوظيفي",
}


@dataclass(frozen=True)
class DraftDefinition:
    definition: JobDefinition
    view: RoleView
    training_survey: str | None  # slug of the 360 the development plan came from
    training_note: str | None


def _holds_360(survey: Survey) -> bool:
    return any(link.instrument_version.key == TRAINING_INSTRUMENT for link in survey.instruments)


def training_source(survey: Survey, viewer: User | None) -> tuple[Survey | None, str | None]:
    """The 360 survey whose training needs become the plan, or None with the reason."""
    allowed = (lambda s: True) if viewer is None else (lambda s: can_see(viewer, s))
    named = ((survey.spec or {}).get("delphi") or {}).get("training_survey")
    if named:
        try:
            chosen = get_survey(named)
        except SurveyError:
            return None, f"The development plan is empty: the spec names training survey '{named}', which does not exist."
        if not allowed(chosen):
            return None, "The development plan is empty: you have no access to the training survey the spec names."
        if not _holds_360(chosen):
            return None, f"The development plan is empty: survey '{named}' has no PEER-PRACTICE 360."
        return chosen, None
    candidates = list(
        db.session.scalars(
            select(Survey)
            .join(SurveyInstrument, SurveyInstrument.survey_id == Survey.id)
            .join(InstrumentVersion, InstrumentVersion.id == SurveyInstrument.instrument_version_id)
            .where(InstrumentVersion.key == TRAINING_INSTRUMENT)
            .order_by(Survey.created_at.desc(), Survey.id.desc())
        ).unique()
    )
    candidates = [s for s in candidates if allowed(s)]
    if survey.series:
        candidates.sort(key=lambda s: s.series != survey.series)  # stable: same series first, newest first
    if not candidates:
        return None, "The development plan is empty: no PEER-PRACTICE 360 survey you may see was found."
    return candidates[0], None


def _purpose(survey: Survey, language: str) -> str:
    given = ((survey.spec or {}).get("delphi") or {}).get("purpose") or {}
    return given.get(language) or DEFAULT_PURPOSE.get(language) or DEFAULT_PURPOSE["en"]


def definition_languages(survey: Survey) -> list[str]:
    return [lang for lang in survey.languages if lang in LANGUAGES] or ["en"]


def draft_job_definition(survey: Survey, viewer: User | None, language: str | None = None) -> DraftDefinition:
    """The draft job definition of ``survey``'s Delphi (any of its rounds), in ``language``."""
    languages = definition_languages(survey)
    language = language if language in languages else languages[0]
    view = role_view(survey, None, language, viewer)
    rows: list[dict[str, Any]] = []
    for task in view.tasks():
        rows.append(
            {
                "task_id": task.id,
                "domain_id": task.domain,
                "domain_title": task.domain_title,
                "text": task.title,
                "verdict": task.verdict,
                "round_settled": task.round_settled,
                "audiences": {c.key: {"percent": c.percent, "n": c.n} for c in task.cells},
            }
        )
    source, note = training_source(survey, viewer)
    plan = ()
    if source is not None:
        from .training import survey_training_needs  # the statistics libraries load on first use

        plan = development_plan_from_training(survey_training_needs(source), language)
    last = view.survey
    own = last.texts.get("audience_labels") or {}
    labels = {k: v[language] for k, v in own.items() if isinstance(v, dict) and v.get(language)}
    delphi = ((last.spec or {}).get("delphi") or {}).get("consensus") or {}
    threshold = float(delphi.get("include_share", 0.70)) * 100
    title = last.title.get(language) or next(iter(last.title.values()))
    notes = " ".join(n for n in (view.note, note) if n) or None
    definition = job_definition_from_tasks(
        rows,
        title=TITLES.get(language, TITLES["en"]),
        organisation=title,
        language=language,
        purpose=_purpose(last, language),
        rounds=len(view.rounds),
        responses=view.responses,
        consensus_rule=view.rule if language == "en" else None,
        suppression_note=notes,
        development_plan=plan,
        audience_labels=labels,
        threshold=threshold,
    )
    return DraftDefinition(definition, view, source.slug if source else None, note)
