"""Managers' figures move in steps: submitted responses are published together, at least the minimum cell size at a time.

If a dashboard changed with every submission, comparing it just before and
just after one person submitted would show that person's answers. So a
submitted response counts in managers' figures (every dashboard view, table
download and `surveyapp stats`) only once it is *published*, and responses
are published all at once, when at least the survey's ``min_cell_size`` of
them are waiting. The flag is one boolean per response, set for the whole
batch in one UPDATE: it adds no order of its own (nothing that follows the
order of invitations or submissions inside a batch).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select, update

from ..db import Response, Survey, db

__all__ = ["Publication", "publish_all", "publish_ready"]


@dataclass(frozen=True)
class Publication:
    published: int  # submitted responses the figures include
    waiting: int  # submitted, not yet included
    step: int  # how many must be waiting before they are added together

    @property
    def sentence(self) -> str:
        counted = f"Results include {self.published} submitted {_responses(self.published)}."
        if not self.waiting:
            return (
                f"{counted} New responses are added in groups of at least {self.step}, so that no one's answers "
                "can be worked out by comparing the figures before and after they sent them."
            )
        more = self.step - self.waiting
        return (
            f"{counted} {self.waiting} newer {_responses(self.waiting)} will be added together with the next "
            f"{more} ({self.step} at a time, so that no one's answers can be worked out by comparing the figures "
            "before and after they sent them)."
        )


def _responses(n: int) -> str:
    return "response" if n == 1 else "responses"


def publish_ready(surveys: Sequence[Survey]) -> list[Publication]:
    """Publish each survey's waiting submissions when at least its minimum cell size wait; where each stands after.

    The caller commits. Two hosts doing this at once publish the same batch: the UPDATE is idempotent.
    """
    states = []
    for survey in surveys:
        published, waiting = db.session.execute(
            select(
                func.count().filter(Response.published.is_(True)),
                func.count().filter(Response.published.is_(False)),
            ).where(Response.survey_id == survey.id, Response.status == "submitted")
        ).one()
        if waiting and waiting >= survey.min_cell_size:
            done = db.session.execute(
                update(Response)
                .where(Response.survey_id == survey.id, Response.status == "submitted", Response.published.is_(False))
                .values(published=True)
            )
            published, waiting = published + done.rowcount, 0
        states.append(Publication(int(published), int(waiting), survey.min_cell_size))
    return states


def publish_all(survey: Survey) -> None:
    """Publish every submitted response of ``survey`` whatever the step: for a Delphi round being closed, whose last
    responses must count in the next round's feedback. The caller commits."""
    db.session.execute(
        update(Response)
        .where(Response.survey_id == survey.id, Response.status == "submitted", Response.published.is_(False))
        .values(published=True)
    )
