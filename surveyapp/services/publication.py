"""Managers' figures move in steps: submitted responses are published together, at least the minimum cell size at a time.

If a dashboard changed with every submission, comparing it just before and
just after one person submitted would show that person's answers. So a
submitted response counts in managers' figures (every dashboard view, table
download and `surveyapp stats`) only once it is *published*, and responses
are published together, when at least the survey's ``min_cell_size`` of
them are waiting, and only so many that no cell a manager can request (an
audience, or one answer of a compare-by question within a set of audiences)
gains fewer than ``min_cell_size`` (:func:`_batch`). The flag is one boolean
per response, set for the whole batch at once: it adds no order of its own
(nothing that follows the order of invitations or submissions inside a
batch).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from flask_babel import gettext, ngettext
from sqlalchemy import func, select, update

from ..db import Response, Survey, db
from .survey_data import load_survey_data

__all__ = ["Publication", "publish_all", "publish_ready"]


@dataclass(frozen=True)
class Publication:
    published: int  # submitted responses the figures include
    waiting: int  # submitted, not yet included
    step: int  # how many must be waiting before they are added together
    responses: int = 0  # every response, submitted or in progress: the overview counts those started

    @property
    def sentence(self) -> str:
        """In the current locale (services.dashboard sets the reader's)."""
        counted = ngettext(
            "Results include %(num)s submitted response.", "Results include %(num)s submitted responses.", self.published
        )
        if not self.waiting:
            return (
                counted
                + " "
                + gettext(
                    "New responses are added in groups of at least %(step)s, so that no one's answers can be worked "
                    "out by comparing the figures before and after they sent them.",
                    step=self.step,
                )
            )
        more = self.step - self.waiting
        if more <= 0:
            return (
                counted
                + " "
                + ngettext(
                    "%(num)s newer response will be added once more people like them have answered: a group is only "
                    "added %(step)s or more at a time, so that no one's answers can be worked out by comparing the "
                    "figures before and after they sent them.",
                    "%(num)s newer responses will be added once more people like them have answered: a group is only "
                    "added %(step)s or more at a time, so that no one's answers can be worked out by comparing the "
                    "figures before and after they sent them.",
                    self.waiting,
                    step=self.step,
                )
            )
        return (
            counted
            + " "
            + ngettext(
                "%(num)s newer response will be added together with the next %(more)s (%(step)s at a time, so that no "
                "one's answers can be worked out by comparing the figures before and after they sent them).",
                "%(num)s newer responses will be added together with the next %(more)s (%(step)s at a time, so that "
                "no one's answers can be worked out by comparing the figures before and after they sent them).",
                self.waiting,
                more=more,
                step=self.step,
            )
        )


def publish_ready(surveys: Sequence[Survey]) -> list[Publication]:
    """Publish each survey's waiting submissions when at least its minimum cell size wait; where each stands after.

    The caller commits. Two hosts doing this at once publish the same batch: the UPDATE is idempotent.
    """
    states = []
    for survey in surveys:
        submitted = Response.status == "submitted"
        published, waiting, responses = db.session.execute(
            select(
                func.count().filter(submitted, Response.published.is_(True)),
                func.count().filter(submitted, Response.published.is_(False)),
                func.count(),
            ).where(Response.survey_id == survey.id)
        ).one()
        if waiting and waiting >= survey.min_cell_size and not published:
            # The first batch is all that wait: there are no figures before it to compare with, and every small
            # cell of it is suppressed like any other. One statement, not a list of keys: after an import of a
            # million responses, sending their keys 500 at a time took half a minute on PostgreSQL.
            added = db.session.execute(update(Response).where(*_waiting(survey)).values(published=True)).rowcount
            published, waiting = added, 0
        elif waiting and waiting >= survey.min_cell_size:
            batch = _batch(survey)
            for start in range(0, len(batch), 500):  # databases cap the parameters of one statement
                db.session.execute(
                    update(Response)
                    .where(Response.pk.in_(batch[start : start + 500]), Response.published.is_(False))
                    .values(published=True)
                )
            published, waiting = published + len(batch), waiting - len(batch)
        states.append(Publication(int(published), int(waiting), survey.min_cell_size, int(responses)))
    return states


def publish_all(survey: Survey) -> None:
    """Publish every submitted response of ``survey`` whatever the step: for a Delphi round being closed, whose last
    responses must count in the next round's feedback. The caller commits."""
    db.session.execute(
        update(Response)
        .where(Response.survey_id == survey.id, Response.status == "submitted", Response.published.is_(False))
        .values(published=True)
    )


def _waiting(survey: Survey) -> tuple:
    return Response.survey_id == survey.id, Response.status == "submitted", Response.published.is_(False)


def _batch(survey: Survey) -> list[int]:
    """The waiting responses that can be published together, once some are published: every cell of the survey's
    family (services.cells) gains none of them or at least ``min_cell_size``.

    Publishing all that wait at once was not enough: five waiting, four of them staff and one a peer, moved the
    peer specialists' figures by one person, whose every score was the difference. Responses in a cell that would
    gain too few wait for more like them; taking them out can leave another cell short, so this repeats until no
    cell changes by fewer than the minimum (the whole survey's total is a cell: fewer than the minimum left, none).
    """
    from .cells import family_masks, question_groupings

    pks = np.array(db.session.scalars(select(Response.pk).where(*_waiting(survey)).order_by(Response.pk)).all(), dtype=np.int64)
    data = load_survey_data([survey], [key for key, _ in question_groupings(survey)], waiting_only=True)
    keep = np.ones(len(pks), dtype=bool)
    masks = family_masks(survey, data)
    changed = True
    while changed:
        changed = False
        for mask in masks:
            if 0 < np.count_nonzero(mask & keep) < survey.min_cell_size:
                keep &= ~mask
                changed = True
    return [int(pk) for pk in pks[keep]]
