"""One dashboard table: its columns and rows at full precision, and the same rows rounded for reading.

Pages (and the printed report) show :attr:`Table.rows`, rounded as a reader expects (two decimals, percentages and
minutes to one, effect sizes to three, p-values to four with "<0.001" below that). Downloads and `surveyapp stats
--format csv` write :attr:`Table.exact_rows`, so a researcher re-analysing them loses nothing to rounding.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .table_columns import cell_word

__all__ = ["Table", "shown"]

#: decimals a page shows, by column; every other number shows two
DIGITS: Mapping[str, int] = {"completion_percent": 1, "median_minutes": 1, "effect_size": 3, "epsilon_squared": 3}
P_COLUMNS = frozenset({"p", "kruskal_p"})


def shown(column: str, value: Any, digits: int = 2) -> Any:
    """``value`` as the page shows it in ``column``: a p-value below .001 as "<0.001", never a misleading 0.0."""
    if not isinstance(value, float):
        return cell_word(column, value)
    if column in P_COLUMNS:
        return "<0.001" if value < 0.001 else round(value, 4)
    return round(value, DIGITS.get(column, digits))


@dataclass(frozen=True)
class Table:
    name: str
    title: str
    columns: tuple[str, ...]
    exact_rows: tuple[tuple[Any, ...], ...]
    note: str | None = None
    #: decimals for numbers in columns DIGITS does not name (the bands' percentages: 1)
    digits: int = 2
    #: how a column's values are described where the header alone is too short (e.g. the answer labels' scale)
    meta: Mapping[str, Any] = field(default_factory=dict)

    @property
    def rows(self) -> tuple[tuple[Any, ...], ...]:
        return tuple(tuple(shown(c, v, self.digits) for c, v in zip(self.columns, row, strict=True)) for row in self.exact_rows)
