"""The dashboard tables' column names as a reader sees them, in the reader's language.

A table's columns keep their machine names (``completion_percent``) in CSV downloads, so that scripts reading the
files never break when someone reads the page in Hebrew; the page shows these labels instead.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

__all__ = ["CELL_WORDS", "COLUMN_LABELS", "cell_word", "column_label"]

COLUMN_LABELS = {
    "audience": _l("audience"),
    "started": _l("started"),
    "submitted": _l("submitted"),
    "completion_percent": _l("completion (%)"),
    "median_minutes": _l("median minutes"),
    "group": _l("group"),
    "n": _l("n"),
    "mean": _l("mean"),
    "sd": _l("SD"),
    "median": _l("median"),
    "q1": _l("lower quartile"),
    "q3": _l("upper quartile"),
    "ci95_low": _l("95% CI, low"),
    "ci95_high": _l("95% CI, high"),
    "instrument": _l("instrument"),
    "subscale": _l("subscale"),
    "test": _l("test"),
    "statistic": _l("statistic"),
    "df1": _l("df1"),
    "df2": _l("df2"),
    "p": _l("p"),
    "effect": _l("effect size measure"),
    "effect_size": _l("effect size"),
    "kruskal_h": _l("Kruskal-Wallis H"),
    "kruskal_p": _l("Kruskal-Wallis p"),
    "epsilon_squared": _l("epsilon squared"),
    "in_words": _l("in words"),
    "group_a": _l("group A"),
    "group_b": _l("group B"),
    "mean_a": _l("mean A"),
    "mean_b": _l("mean B"),
    "difference_b_minus_a": _l("difference (B − A)"),
    "hedges_g": _l("Hedges' g"),
    "cliffs_delta": _l("Cliff's delta"),
    "magnitude": _l("magnitude"),
    "n_complete": _l("n complete"),
    "items": _l("items"),
    "alpha": _l("Cronbach's alpha"),
    "alpha_ci95_low": _l("alpha 95% CI, low"),
    "alpha_ci95_high": _l("alpha 95% CI, high"),
    "omega": _l("McDonald's omega"),
    "status": _l("status"),
    "warning": _l("warning"),
    "item": _l("item"),
    "item_rest_r": _l("item-rest r"),
    "alpha_if_deleted": _l("alpha if deleted"),
    "alpha_with_all_items": _l("alpha with all items"),
    "text": _l("text"),
    "n_asked": _l("n asked"),
    "not_observed_or_dont_know": _l("not observed / don't know"),
    "prefer_not_to_answer": _l("prefer not to answer"),
    "unanswered": _l("unanswered"),
    "note": _l("note"),
    "level": _l("level"),
    "subscale_or_item": _l("subscale or item"),
    "other_group": _l("other group"),
    "n_peer": _l("n peers"),
    "n_other": _l("n others"),
    "mean_peer": _l("peers' mean"),
    "mean_other": _l("others' mean"),
    "gap_other_minus_peer": _l("gap (others − peers)"),
    "reading": _l("reading"),
    "measured_alike": _l("measured alike"),
}


def column_label(name: str) -> str:
    """What a column header says on the page: its label, else its name with spaces (``option_1`` -> ``option 1``)."""
    label = COLUMN_LABELS.get(name)
    return str(label) if label is not None else name.replace("_", " ")


_MEASURED_ALIKE = {
    "yes": _l("yes"),
    "partly": _l("partly"),
    "no": _l("no"),
    "too few to tell": _l("too few answers to tell"),
    "not yet checked": _l("not yet checked"),
    "cannot be checked": _l("cannot be checked"),
}
#: coded words in a table's cells as a page shows them; downloads keep the codes, which scripts may read
CELL_WORDS = {
    "reading": {
        "others higher": _l("others higher"),
        "self higher": _l("self higher"),
        "aligned": _l("aligned"),
        "unclear": _l("unclear"),
    },
    "level": {"subscale": _l("subscale"), "item": _l("item")},
    "magnitude": {"negligible": _l("negligible"), "small": _l("small"), "medium": _l("moderate"), "large": _l("large")},
    "status": {"ok": _l("ok"), "too_few": _l("too few"), "too_few_items": _l("too few items")},
    "measured_alike": _MEASURED_ALIKE,
}


def cell_word(column: str, value: object) -> object:
    """``value`` of ``column`` in the reader's language where it is one of the column's coded words."""
    words = CELL_WORDS.get(column)
    if words is None or not isinstance(value, str) or value not in words:
        return value
    return str(words[value])
