"""What the results page shows beside its figures, and the report and the action form reuse: the findings in words,
the action plan with each action's finding wave by wave, and the subscale trends across waves.

The findings always compare the audiences, whatever the page is compared by, so they are read from the survey's
result by audience (computed once more only when the page shows another comparison). Everything is in ``language``
(the reader's): the dashboard results are computed in it and ``translate`` (flask_babel's gettext under the reader's
locale) phrases the sentences. Links and charts are the web layer's and the report's to add.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

from ..db import Survey, User
from .actions import can_edit_actions
from .audience_names import audience_name
from .findings import MAX_SHOWN, survey_findings
from .trends import subscale_trends, survey_action_plan

__all__ = ["audience_names", "by_audience", "page_findings", "results_extras"]

Result = Mapping[str, Any]
Translate = Callable[[str], str]


def by_audience(
    survey: Survey, result: Result | None, viewer: User | None, now: dt.datetime, language: str | None = None
) -> Result:
    """``survey``'s dashboard compared by audience: ``result`` itself when it is one, else computed (cached)."""
    if result is not None and result.get("by") == "audience" and (language is None or result.get("language") == language):
        return result
    from .dashboard import survey_dashboard  # the statistics libraries, loaded only by pages that need them

    return survey_dashboard(survey, "audience", viewer=viewer, now=now, audit=None, language=language)


def audience_names(survey: Survey, language: str) -> dict[str, str]:
    """The survey's audiences by key, named in ``language`` (the survey's own names, else the staff translations)."""
    own = survey.texts.get("audience_labels") or {}
    return {a.key: audience_name(a.key, own, language) for a in survey.audiences}


def page_findings(
    survey: Survey,
    viewer: User | None,
    now: dt.datetime,
    language: str,
    translate: Translate,
    limit: int = MAX_SHOWN,
    result: Result | None = None,
) -> dict[str, Any]:
    """The findings of ``survey`` (by audience) as ``viewer`` may see them, in ``language``."""
    return survey_findings(by_audience(survey, result, viewer, now, language), translate, limit)


def results_extras(
    survey: Survey, result: Result, viewer: User | None, now: dt.datetime, language: str, translate: Translate
) -> dict[str, Any]:
    """``findings``, the action ``plan`` with the ``waves`` it was read from, the ``trends`` across waves, and whether
    ``viewer`` may ``edit`` the plan, for the page showing ``result`` of ``survey``."""
    base = by_audience(survey, result, viewer, now, language)
    findings = survey_findings(base, translate)
    findings["page_is_by_audience"] = result.get("by") == "audience"
    plan, results = survey_action_plan(survey, base, viewer, now, audience_names(survey, language))
    return {
        "findings": findings,
        "plan": plan,
        "waves": [number for number, _wave, _result in results],
        "trends": subscale_trends(results),
        "editable": viewer is not None and can_edit_actions(viewer, survey),
    }
