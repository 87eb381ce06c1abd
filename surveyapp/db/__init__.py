"""Database models and queries. Imports nothing from services or web."""

from .base import Base, db
from .instruments import InstrumentVersion
from .responses import Answer, Response
from .surveys import Audience, Invitation, Survey, SurveyInstrument
from .users import AuditEvent, User

__all__ = [
    "Answer",
    "Audience",
    "AuditEvent",
    "Base",
    "InstrumentVersion",
    "Invitation",
    "Response",
    "Survey",
    "SurveyInstrument",
    "User",
    "db",
]
