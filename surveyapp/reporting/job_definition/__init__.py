"""The draft job definition of the peer specialist role: a document model and its writers.

``model`` holds the data (and builds it from per-task consensus results),
``layout`` the sections every document shares, ``writers`` the registry of
formats (Word, Markdown, CSV, a printable page). No database, no Flask.
"""

from .model import (
    Agreement,
    DevelopmentItem,
    Domain,
    JobDefinition,
    MethodNotes,
    Task,
    development_plan_from_training,
    job_definition_from_tasks,
)
from .writers import WRITERS, DocumentWriter

__all__ = [
    "WRITERS",
    "Agreement",
    "DevelopmentItem",
    "DocumentWriter",
    "Domain",
    "JobDefinition",
    "MethodNotes",
    "Task",
    "development_plan_from_training",
    "job_definition_from_tasks",
]
