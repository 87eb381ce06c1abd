"""Database models and queries. Imports nothing from services or web."""

from .base import Base, db
from .cache import DashboardCache
from .instruments import InstrumentVersion
from .proposals import TaskAddition
from .responses import Answer, ItemKey, Response, insert_answers, insert_responses, item_key_ids, known_item_keys
from .surveys import Audience, CarriedAnswer, Invitation, RoundChange, SpentLink, Survey, SurveyInstrument
from .throttle import SignInThrottle
from .users import AuditEvent, SurveyGrant, User

__all__ = [
    "Answer",
    "Audience",
    "AuditEvent",
    "Base",
    "CarriedAnswer",
    "DashboardCache",
    "InstrumentVersion",
    "Invitation",
    "ItemKey",
    "Response",
    "RoundChange",
    "SignInThrottle",
    "SpentLink",
    "Survey",
    "SurveyGrant",
    "SurveyInstrument",
    "TaskAddition",
    "User",
    "db",
    "insert_answers",
    "insert_responses",
    "item_key_ids",
    "known_item_keys",
]
