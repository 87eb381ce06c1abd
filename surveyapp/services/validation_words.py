"""The validation report in words: one sentence per subscale, saying what its invariance verdict means for readers."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ..analysis.invariance import Invariance

__all__ = ["MEASURED_ALIKE", "NOT_YET_CHECKED", "TOO_FEW_TO_CHECK", "join_names", "plain_verdict", "subscale_sentence"]


def join_names(names: Sequence[str]) -> str:
    """ "a", "a and b", "a, b and c"."""
    names = list(names)
    if len(names) <= 1:
        return "".join(names)
    return f"{', '.join(names[:-1])} and {names[-1]}"


def _lower(label: str) -> str:
    """'Peer specialists' -> 'peer specialists' mid-sentence; 'ICU staff' stays as it is."""
    return label[:1].lower() + label[1:] if label[1:2].islower() else label


def subscale_sentence(label: str, outcome: Invariance, item_texts: Mapping[str, str]) -> str:
    """E.g. "The role clarity items measure the same thing for peers and staff (metric invariance holds); ..."."""
    sentence = _sentence(label, outcome, item_texts)
    if outcome.status == "ok" and outcome.reason:
        return f"{sentence[:-1]} ({outcome.reason})."
    return sentence


def _sentence(label: str, outcome: Invariance, item_texts: Mapping[str, str]) -> str:
    name = _lower(label)
    groups = join_names([_lower(g) for g in outcome.groups])
    if outcome.verdict == "too_few":
        reason = (outcome.reason or "").removeprefix("too few to tell: ")
        return f"Too few to tell whether the {name} items measure the same thing for {groups}: {reason}."
    if outcome.verdict == "not_testable":
        return f"Whether the {name} items measure the same thing for {groups or 'each group'} cannot be tested: {outcome.reason}."
    if outcome.verdict == "none":
        return (
            f"The {name} items do not fit a single factor well in every group (configural invariance fails), "
            f"so scores on {name} may not measure one thing for {groups}; read them item by item."
        )
    if outcome.verdict == "configural":
        return (
            f"The {name} items have the same structure for {groups} but are not weighted alike (metric invariance fails): "
            f"compare {groups} on {name} item by item rather than on the score."
        )
    same = f"The {name} items measure the same thing for {groups} (metric invariance holds)"
    if outcome.verdict == "scalar":
        return (
            f"{same}, and these groups use the scale alike (scalar invariance holds), so their means on {name} can be compared."
        )
    if outcome.verdict == "partial_scalar":
        return f"{same}; {_differences(outcome, item_texts, name)}, so mean differences on {name} should be read with care."
    return (
        f"{same}, but {groups} use the scale differently on several items (scalar invariance fails), "
        f"so differences in mean {name} scores may not be differences in {name}."
    )


def _differences(outcome: Invariance, item_texts: Mapping[str, str], name: str) -> str:
    """Who uses the scale differently on which item: 'staff answer ... lower than the other groups ...'."""
    items = outcome.non_invariant_items
    if len(outcome.groups) == 2 or not outcome.deviant_groups:
        plural = "items" if len(items) > 1 else "item"
        listed = join_names([f"'{item_texts.get(i, i)}' ({i})" for i in items])
        return f"{join_names([_lower(g) for g in outcome.groups])} use the scale differently on the {plural} {listed}"
    parts = []
    for item in items:
        group, gap = outcome.deviant_groups[item]
        direction = "higher" if gap > 0 else "lower"
        parts.append(f"{_lower(group)} answer '{item_texts.get(item, item)}' ({item}) {direction} than the other groups")
    return f"{'; '.join(parts)} at the same level of {name}"


#: the "measured alike" column of the dashboard's gap tables, per verdict (anything else: "not yet checked")
MEASURED_ALIKE = {
    "scalar": "yes",
    "partial_scalar": "partly",
    "metric": "no",
    "configural": "no",
    "none": "no",
    "too_few": "too few to tell",
    "not_testable": "cannot be checked",
}


def N_(text: str) -> str:  # noqa: N802 - gettext's marker: extracted for translation, translated where shown
    return text


TOO_FEW_TO_CHECK = N_("Too few responses to check whether the audiences read these questions alike.")
NOT_YET_CHECKED = N_(
    "Not yet checked whether the audiences read these questions alike (the researchers' validation report checks it)."
)


def plain_verdict(label: str, outcome: Invariance, item_texts: Mapping[str, str]) -> str:
    """The verdict for managers, beside a gap or comparison: what it means for reading it, with no statistics words."""
    name = _lower(label)
    groups = join_names([_lower(g) for g in outcome.groups])
    if outcome.verdict == "scalar":
        return f"Measured alike: {groups} read the {name} questions the same way, so the comparison is shown as it is."
    if outcome.verdict == "partial_scalar":
        return (
            f"Not measured alike on every question: {_plain_differences(outcome, item_texts)}. "
            f"Read differences in {name} with care, and look at that question's own figures."
        )
    if outcome.verdict in ("metric", "configural", "none"):
        how = (
            f"use the answer scale differently on several {name} questions"
            if outcome.verdict == "metric"
            else f"do not read the {name} questions the same way"
        )
        return (
            f"Not measured alike: {groups} {how}, so a difference in {name} scores may not be a real "
            "difference. Compare them question by question instead."
        )
    if outcome.verdict == "too_few":
        return TOO_FEW_TO_CHECK
    if outcome.reason and "two items" in outcome.reason:
        return "Whether the audiences read these questions alike cannot be checked: two questions are too few to test."
    return "Whether the audiences read these questions alike could not be checked with these answers."


def _plain_differences(outcome: Invariance, item_texts: Mapping[str, str]) -> str:
    items = outcome.non_invariant_items
    if len(outcome.groups) == 2 or not outcome.deviant_groups:
        listed = join_names([f"'{item_texts.get(i, i)}'" for i in items])
        return f"{join_names([_lower(g) for g in outcome.groups])} answer {listed} in different ways"
    parts = []
    for item in items:
        group, gap = outcome.deviant_groups[item]
        direction = "higher" if gap > 0 else "lower"
        parts.append(f"{_lower(group)} answer '{item_texts.get(item, item)}' {direction} than the others would predict")
    return "; ".join(parts)
