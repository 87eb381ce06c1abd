"""Database models and queries. Imports nothing from services or web."""

from .actions import ACTION_STATUSES, SurveyAction
from .base import Base, db
from .cache import DashboardCache
from .instruments import InstrumentVersion
from .mailings import Mailing, MailRecipient
from .proposals import TaskAddition
from .responses import (
    Answer,
    ItemKey,
    Response,
    insert_answers,
    insert_responses,
    item_key_ids,
    known_item_keys,
    stored_item_keys,
)
from .surveys import Audience, CarriedAnswer, Invitation, RoundChange, SpentLink, Survey, SurveyInstrument
from .throttle import SignInThrottle
from .users import AuditEvent, SurveyGrant, User

__all__ = [
    "ACTION_STATUSES",
    "Answer",
    "Audience",
    "AuditEvent",
    "Base",
    "CarriedAnswer",
    "DashboardCache",
    "InstrumentVersion",
    "Invitation",
    "ItemKey",
    "MailRecipient",
    "Mailing",
    "Response",
    "RoundChange",
    "SignInThrottle",
    "SpentLink",
    "Survey",
    "SurveyAction",
    "SurveyGrant",
    "SurveyInstrument",
    "TaskAddition",
    "User",
    "db",
    "insert_answers",
    "insert_responses",
    "item_key_ids",
    "known_item_keys",
    "stored_item_keys",
]
