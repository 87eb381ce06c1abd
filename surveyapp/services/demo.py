"""The demo: shipped instruments, a demo survey with synthetic answers, an admin account.

Synthetic respondents are drawn from a seeded model so the demo is the same
on every machine: each respondent has a latent level per subscale, shifted by
audience (so the dashboards have real group differences to show), items
follow it with noise, reverse-keyed items are answered in reverse, and some
answers are missing, "prefer not to answer" or "not observed". Idempotent:
running it twice adds nothing but a fresh respondent link.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml
from sqlalchemy import func, select

from ..config import PROJECT_ROOT
from ..db import Response, Survey, User, db, insert_responses
from ..instruments import Instrument, load_directory
from ..instruments.answers import StoredValue
from ..instruments.flow import SurveyPage, item_key, routed_out
from .accounts import create_user
from .actions import ActionInput, save_action
from .anonymity import completion_minutes, day_of
from .demo_delphi import DelphiLinks, ensure_demo_delphi
from .instrument_registry import register_instruments
from .invitations import issue_invitations
from .publication import publish_ready
from .survey_data import answer_vector, survey_columns
from .surveys import create_survey, pages_for, survey_instruments
from .validation import survey_validation

DEMO_SPEC = PROJECT_ROOT / "docs" / "examples" / "demo-survey.yaml"
DEMO_SLUG = "demo"
ADMIN_EMAIL = "admin@peerscope.local"
AUDIENCE_SHARE = {"peer": 0.2, "staff": 0.5, "service_user": 0.3}
#: 160 peers, 400 staff, 240 service users: enough for the validation report's 100 complete responses per audience
DEFAULT_RESPONSES = 800
SEED = 2026

# Shift of the latent level (in scale points) by instrument, subscale and audience: the story the demo tells.
# Staff and service users see peers' role as clearer than peers do; peers feel their experience is used
# more than staff see it; staff value disclosure less and worry about boundaries more.
SHIFTS: dict[tuple[str, str], dict[str, float]] = {
    ("p-role", "role_clarity"): {"peer": -0.9, "staff": 0.4, "service_user": 0.6},
    ("p-role", "role_distinctiveness"): {"peer": 0.6, "staff": -0.5, "service_user": 0.3},
    ("p-role", "org_role_support"): {"peer": -0.6, "staff": 0.5},
    ("work-sat", "fair_reward_career"): {"peer": -0.8, "staff": 0.1},
    ("work-sat", "recognition_of_expertise"): {"peer": -0.4, "staff": 0.3},
    ("disclose", "disclosure_value"): {"peer": 0.5, "staff": -0.4, "service_user": 0.6},
    ("disclose", "disclosure_climate"): {"peer": -0.5, "staff": 0.3, "service_user": 0.1},
    ("disclose", "purposeful_use"): {"peer": 0.4, "staff": -0.3, "service_user": 0.2},
    ("self-kind-at-work", "compassionate_responding"): {"peer": -0.3, "staff": 0.1},
    ("peer-practice-360", "connection_mutuality"): {"peer": 0.5, "staff": -0.2, "service_user": 0.3},
    ("peer-practice-360", "voice_advocacy"): {"peer": 0.3, "staff": -0.6, "service_user": -0.1},
}

#: One item answered differently by one audience at the same level of the construct (in scale points), so the
#: validation report has a non-invariant item to find: staff see less mutual learning between peers and the people
#: they support than the rest of the connection subscale would predict. Applied without drawing more random
#: numbers, so every other answer stays as it was. The report needs 100 complete responses per audience, which the
#: default demo (DEFAULT_RESPONSES) has for almost every subscale.
ITEM_SHIFTS: dict[tuple[str, str], dict[str, float]] = {
    ("peer-practice-360", "conn_mutual_learning"): {"staff": -0.8},
}

#: The demo's second wave (same series, a year on): what changed after the first wave's action plan. Role clarity
#: and the climate for sharing lived experience were worked on, so those gaps narrow; the rest stays as it was.
WAVE_2_SLUG = "demo-wave-2"
WAVE_2_SHIFTS: dict[tuple[str, str], dict[str, float]] = {
    **SHIFTS,
    ("p-role", "role_clarity"): {"peer": 0.1, "staff": 0.4, "service_user": 0.5},
    ("disclose", "disclosure_climate"): {"peer": 0.1, "staff": 0.3, "service_user": 0.1},
}
#: wave 2 has half wave 1's responses: enough for every comparison and gap, and quick to load
WAVE_2_SHARE = 0.5

#: The first wave's example action plan: (finding key of analysis.findings, its title, what, who, days to due, status)
DEMO_ACTIONS = (
    (
        "gap|p-role.role_clarity|peer|staff",
        "Role clarity: staff and peer specialists",
        "Write a one-page description of the peer specialist role with the peer team and go through it at every "
        "ward's team meeting.",
        "Service manager, with the peer specialists",
        60,
        "done",
    ),
    (
        "gap|disclose.disclosure_climate|peer|staff",
        "Disclosure climate: staff and peer specialists",
        "A supervision session each quarter on sharing lived experience at work, open to peers and staff.",
        "Clinical lead",
        120,
        "in_progress",
    ),
)


#: the audience of the respondent link `make run` prints
DEMO_RESPONDENT_AUDIENCE = "peer"


@dataclass(frozen=True)
class DemoResult:
    admin_email: str
    admin_password: str
    respondent_token: str
    created_responses: int
    #: the demo Delphi (services.demo_delphi): its slug, round, and a respondent link per audience
    delphi: DelphiLinks | None = None
    #: the survey and audience the respondent link belongs to
    slug: str = DEMO_SLUG
    respondent_audience: str = DEMO_RESPONDENT_AUDIENCE


def ensure_demo(
    instruments_dir: str | Path, instance: Path, n_responses: int | None, now: dt.datetime, secret: str = ""
) -> DemoResult:
    instruments = load_directory(instruments_dir)
    register_instruments(sorted(instruments.values(), key=lambda i: i.id), now)
    survey = db.session.scalar(select(Survey).where(Survey.slug == DEMO_SLUG))
    if survey is None:
        survey = create_survey(
            DEMO_SPEC.read_text(encoding="utf-8"), str(DEMO_SPEC.name), instruments_dir, now, None, instruments=instruments
        )
        survey.status = "open"
        db.session.commit()
    existing = db.session.scalar(
        select(func.count()).select_from(Response).where(Response.survey_id == survey.id, Response.source == "demo")
    )
    created = 0
    if not existing:
        created = add_synthetic_responses(survey, DEFAULT_RESPONSES if n_responses is None else n_responses, now)
        # publish them and run the validation report once, so the dashboard's gaps carry their verdicts at once
        publish_ready([survey])
        db.session.commit()
        survey_validation(survey)
        db.session.commit()
    password = _ensure_admin(instance, now)
    if not existing and created:
        _ensure_second_wave(survey, instruments_dir, instruments, max(1, round(created * WAVE_2_SHARE)), now)
        from .dashboard import survey_dashboard

        for language in survey.languages:  # the first visit, in any of its languages, finds the results computed
            survey_dashboard(survey, viewer=None, now=now, audit=None, language=language)
    delphi = ensure_demo_delphi(instruments_dir, now, secret)
    [token] = issue_invitations(DEMO_SLUG, DEMO_RESPONDENT_AUDIENCE, 1, now, None)
    return DemoResult(ADMIN_EMAIL, password, token, created, delphi)


def _ensure_second_wave(
    first: Survey, instruments_dir: str | Path, instruments: Mapping[str, Instrument], n: int, now: dt.datetime
) -> None:
    """Wave 2 of the demo's series, with some gaps narrowed, and the example actions planned on wave 1."""
    admin = db.session.scalar(select(User).where(User.email == ADMIN_EMAIL))
    for key, title, what, who, days, status in DEMO_ACTIONS:
        entry = ActionInput(what, who, (now + dt.timedelta(days=days)).date(), status, key, title)
        save_action(first, entry, actor=admin, now=now)
    if db.session.scalar(select(Survey.id).where(Survey.slug == WAVE_2_SLUG)) is None:
        spec = yaml.safe_load(DEMO_SPEC.read_text(encoding="utf-8"))
        spec.update(slug=WAVE_2_SLUG, wave=2)
        spec["title"] = {lang: f"{text} (wave 2)" for lang, text in spec["title"].items()}
        text = yaml.safe_dump(spec, allow_unicode=True)
        second = create_survey(text, str(DEMO_SPEC.name), instruments_dir, now, None, instruments=instruments)
        second.status = "open"
        db.session.commit()
        add_synthetic_responses(second, n, now, seed=SEED + 1, shifts=WAVE_2_SHIFTS)
        publish_ready([second])
        db.session.commit()
        # wave 1's results page draws wave 2's figures beside its actions and trends: computed once here (and
        # cached for every viewer) so the first visit costs one dashboard, as before the second wave
        from .dashboard import survey_dashboard

        for language in second.languages:
            survey_dashboard(second, viewer=None, now=now, audit=None, language=language)


def _ensure_admin(instance: Path, now: dt.datetime) -> str:
    """The demo admin's password lives in instance/ (mode 600) so `make run` can print it every time."""
    from werkzeug.security import generate_password_hash

    path = instance / "demo_admin_password"
    user = db.session.scalar(select(User).where(User.email == ADMIN_EMAIL))
    if path.exists() and user is not None:
        return path.read_text().strip()
    password = secrets.token_urlsafe(12)
    instance.mkdir(parents=True, exist_ok=True)
    path.write_text(password)
    path.chmod(0o600)
    if user is None:
        create_user(ADMIN_EMAIL, password, "admin", now, None)
    else:  # the file was lost: set a new password the demo can print
        user.password_hash = generate_password_hash(password)
        db.session.commit()
    return password


#: the demo's free-text comments (made up), in the respondent's language
COMMENTS = {
    "en": [
        "Clearer guidance on when to share personal experience would help everyone.",
        "The peer specialist on our ward makes a real difference.",
        "Peer specialists should be invited to team meetings.",
        "I was never told what the peer specialist is there to do.",
    ],
    "he": [
        "הנחיות ברורות יותר לגבי מתי לשתף מניסיון אישי יעזרו לכולם.",
        "העמית/ה המומחה/ית במחלקה שלנו עושה הבדל אמיתי.",
        "כדאי להזמין את העמיתים המומחים לישיבות הצוות.",
        "אף אחד לא הסביר לי מה התפקיד של העמית/ה המומחה/ית.",
    ],
    "ar": [
        "إرشادات أوضح حول متى تُشارَك التجربة الشخصية ستفيد الجميع.",
        "أخصائي الدعم من الأقران في قسمنا يُحدث فرقًا حقيقيًا.",
        "يجب دعوة أخصائيي الدعم من الأقران إلى اجتماعات الطاقم.",
        "لم يشرح لي أحد ما هو دور أخصائي الدعم من الأقران.",
    ],
}


def add_synthetic_responses(
    survey: Survey,
    n: int,
    now: dt.datetime,
    seed: int = SEED,
    shifts: Mapping[tuple[str, str], Mapping[str, float]] = SHIFTS,
) -> int:
    """Insert ``n`` submitted synthetic responses (source 'demo') in one transaction."""
    rng = np.random.default_rng(seed)
    instruments = survey_instruments(survey)
    audiences = {a.key: a.id for a in survey.audiences}
    keys = [k for k in AUDIENCE_SHARE if k in audiences]
    shares = np.array([AUDIENCE_SHARE[k] for k in keys])
    counts = np.floor(shares / shares.sum() * n).astype(int)
    counts[0] += n - counts.sum()
    columns = survey_columns(survey)
    anonymous = survey.anonymity == "anonymous"
    # answers are drawn in the order the demo had before context moved first (for routing), so its numbers stay
    generated = sorted(instruments, key=lambda i: i.id == "context")
    # the routing question's answers: their own stream, same reason. Which stream is a choice: with seed + 1,
    # chance made role clarity look "not measured alike" too, and the demo's report should flag only the planted item
    routing_rng = np.random.default_rng(seed + 2)
    pages = {a: pages_for(survey, a) for a in keys}
    responses, answers = [], []
    for audience, count in zip(keys, counts, strict=True):
        for _ in range(int(count)):
            response_id = uuid.uuid4().hex
            started = now - dt.timedelta(days=float(rng.uniform(0.5, 28)))
            submitted = started + dt.timedelta(minutes=float(rng.gamma(4.0, 4.0)) + 4)
            minutes = completion_minutes(started, submitted)
            if anonymous:  # as a web submission keeps them: days only
                started, submitted = day_of(started), day_of(submitted)
            responses.append(
                {
                    "id": response_id,
                    "survey_id": survey.id,
                    "audience_id": audiences[audience],
                    "language": str(rng.choice(survey.languages, p=_language_weights(survey.languages))),
                    "status": "submitted",
                    "source": "demo",
                    "started_at": started,
                    "updated_at": submitted,
                    "submitted_at": submitted,
                    "minutes": minutes,
                    "current_page": 0,
                    "furthest_page": 0,
                }
            )
            language = responses[-1]["language"]
            mine = [row for instrument in generated for row in _answers(rng, instrument, audience, response_id, language, shifts)]
            mine = _routed(mine, routing_rng, pages[audience], response_id)
            answers.extend(mine)
            responses[-1]["vector"] = answer_vector(
                columns, {r["item_key"]: StoredValue(r["value_num"], r["value_text"], r["skipped"]) for r in mine}
            )
    insert_responses(responses, answers)
    db.session.commit()
    return len(responses)


#: the answer keys the demo's routing reads, and how often each code is drawn (the rest: "prefer not to answer")
ROUTING_ANSWERS: dict[str, dict[int, float]] = {"context.peer_contact": {1: 0.70, 2: 0.22, 3: 0.05}}


def _routed(rows: list[dict], rng: np.random.Generator, pages: tuple[SurveyPage, ...], response_id: str) -> list[dict]:
    """Add answers to the routing questions this audience is asked, and drop answers on pages routing skips."""
    asked = {key for page in pages for key in page.answer_keys()}
    for key, shares in ROUTING_ANSWERS.items():
        if key not in asked:
            continue
        roll, row = (
            rng.random(),
            {"response_id": response_id, "item_key": key, "value_num": None, "value_text": None, "skipped": False},
        )
        cumulative = 0.0
        for code, share in shares.items():
            cumulative += share
            if roll < cumulative:
                row["value_num"] = float(code)
                break
        else:
            row["skipped"] = True
        rows.append(row)
    answers = {r["item_key"]: StoredValue(r["value_num"], r["value_text"], r["skipped"]) for r in rows}
    skipped = {key for page in pages if routed_out(page, answers) for key in page.answer_keys()}
    return [r for r in rows if r["item_key"] not in skipped]


def _language_weights(languages: list[str]) -> list[float]:
    weights = [0.7 if lang == "he" else 1.0 for lang in languages]
    total = sum(weights)
    return [w / total for w in weights]


def _answers(
    rng: np.random.Generator,
    instrument: Instrument,
    audience: str,
    response_id: str,
    language: str,
    shifts: Mapping[tuple[str, str], Mapping[str, float]] = SHIFTS,
) -> list[dict]:
    items = [i for i in instrument.items_for(audience) if item_key(instrument, i) not in ROUTING_ANSWERS]
    if not items:
        return []
    subscale_of = {item_id: s.id for s in reversed(instrument.subscales) for item_id in s.items}
    trait = {s.id: rng.normal(0, 0.9) for s in instrument.subscales}
    general = rng.normal(0, 0.5)
    rows = []
    for item in items:
        row = {
            "response_id": response_id,
            "item_key": item_key(instrument, item),
            "value_num": None,
            "value_text": None,
            "skipped": False,
        }
        roll = rng.random()
        if roll < 0.03:
            continue  # not answered
        if item.allow_skip and roll < 0.045:
            row["skipped"] = True
            rows.append(row)
            continue
        if item.type == "multi" and item.scale:
            chosen = [o.code for o in item.scale.options if rng.random() < 0.4] or [item.scale.options[0].code]
            row["value_text"] = json.dumps(chosen)
        elif item.type in ("single", "likert") and item.scale:
            offered = item.scale.options_for(audience)
            missing = [o for o in offered if o.key]
            if missing and roll < 0.10:
                row["value_num"] = float(missing[0].code)
            elif item.type == "single":
                codes = [o.code for o in offered if not o.key]
                weights = np.linspace(1.6, 0.6, len(codes))
                weights[-1] *= 0.08  # a rare last option, so the demo shows small-cell suppression at work
                row["value_num"] = float(rng.choice(codes, p=weights / weights.sum()))
            else:
                row["value_num"] = float(_likert(rng, instrument, item, audience, subscale_of, trait, general, shifts))
        elif item.type == "number" and item.min is not None and item.max is not None:
            row["value_num"] = float(min(item.max, max(item.min, round(rng.gamma(2.0, 2.5)))))
        elif item.type in ("text", "longtext") and roll < 0.25:  # a fifth comment, without drawing more numbers
            pool = COMMENTS.get(language, COMMENTS["en"])
            row["value_text"] = pool[int(roll * 1000) % len(pool)]
        else:
            continue
        rows.append(row)
    return rows


def _likert(
    rng: np.random.Generator,
    instrument: Instrument,
    item,
    audience: str,
    subscale_of: dict[str, str],
    trait: dict[str, float],
    general: float,
    shifts: Mapping[tuple[str, str], Mapping[str, float]] = SHIFTS,
) -> int:
    scale = item.scale
    low, high = scale.min, scale.max
    subscale = subscale_of.get(item.id)
    centre = low + (high - low) * 0.62
    shift = shifts.get((instrument.id, subscale or ""), {}).get(audience, 0.0) * (high - low) / 6
    shift += ITEM_SHIFTS.get((instrument.id, item.id), {}).get(audience, 0.0)
    level = centre + shift + (trait.get(subscale, 0.0) + general) * (high - low) / 6 + rng.normal(0, 0.7)
    value = int(np.clip(round(level), low, high))
    return low + high - value if item.reverse else value
