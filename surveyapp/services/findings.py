"""The findings in words for a results page or report: analysis.findings over a dashboard result, as plain data.

``translate`` is the caller's gettext (the web layer's, or the report's for its language); without one the
sentences are in English.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import asdict
from typing import Any

from ..analysis.findings import MAX_SHOWN, pick_findings

__all__ = ["survey_findings"]


def survey_findings(
    result: Mapping[str, Any], translate: Callable[[str], str] | None = None, limit: int = MAX_SHOWN
) -> dict[str, Any]:
    """``result``'s findings (a dashboard compared by audience) as JSON-ready data: ``stated`` (the clear
    findings: sentences, meaning, evidence anchor, key for an action), how many more the tables hold, and what
    is ``not_clear`` or ``too_few``."""
    picked = pick_findings(result, translate, limit) if translate else pick_findings(result, limit=limit)
    findings = asdict(picked)
    findings["min_cell_size"] = result["survey"]["min_cell_size"]
    return findings
