"""The findings in words: the few clearest differences a dashboard shows, as sentences a manager reads first.

Input is a dashboard result compared by audience (services.dashboard), with suppression already applied;
nothing is recomputed from answers. A finding is reported only when the statistics the page shows call it
clear:

* a perception gap (analysis.gaps) whose reading is "self higher" or "others higher": its 95% interval
  excludes zero and it is at least half a scale point;
* a difference between two audiences on a subscale that is not such a gap: the pair's Games-Howell or
  Welch p-value under .05 and a Cliff's delta beyond "negligible" (analysis.comparisons).

Subscales where the test ran and found neither are said too ("no clear difference"). A group the page
hides has no figures in the result, and this module double-checks: it never names a hidden group, nor a
number the page does not show.

``_`` translates the message templates (flask_babel.gettext in the web layer, kept out of this pure module);
group and subscale names arrive already in the page's language.

The same difference in later waves (:func:`measure`, :func:`movement`) is read from each wave's own result:
the groups' means, SDs and sizes give the Welch interval of the difference, the same interval gaps.py
computes from the answers.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = [
    "MAX_SHOWN",
    "Finding",
    "Findings",
    "Measure",
    "Movement",
    "finding_key",
    "in_sentence",
    "measure",
    "movement",
    "pick_findings",
]

Translate = Callable[[str], str]
Result = Mapping[str, Any]

#: how many gaps and how many differences the summary names; the rest are counted and left to the tables
MAX_SHOWN = 3
SELF = "peer"


def _same(text: str) -> str:
    return text


@dataclass(frozen=True)
class Finding:
    key: str  # "gap|<instrument>.<subscale>|<a>|<b>" or "diff|...": what an action follows from wave to wave
    kind: str  # "gap" | "difference"
    instrument: str  # the instrument's full title
    subscale: str  # the subscale's name
    title: str  # the finding without numbers, e.g. "Role clarity: staff and peer specialists"
    sentence: str
    meaning: str
    anchor: str  # the evidence on the page: the subscale's section
    groups: tuple[str, str]  # the audiences' keys, (a, b) as in the key
    sizes: tuple[int, int]


@dataclass(frozen=True)
class Findings:
    stated: tuple[Finding, ...]  # the clear findings the summary states, gaps first
    more_gaps: int  # clear gaps beyond MAX_SHOWN, left to the gap table
    more_differences: int
    not_clear: tuple[dict[str, str], ...]  # {"subscale", "instrument", "anchor"}: tested, nothing clear
    too_few: tuple[dict[str, str], ...]  # subscales whose groups were too small to test
    available: bool  # False when the result is not compared by audience


def finding_key(kind: str, instrument: str, subscale: str, a: str, b: str) -> str:
    return f"{kind}|{instrument}.{subscale}|{a}|{b}"


def in_sentence(label: str) -> str:
    """A group's name inside a sentence: 'Staff' -> 'staff', but 'NHS staff' stays as written."""
    return label[:1].lower() + label[1:] if label[1:2].islower() else label


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _means(x: float, y: float) -> tuple[str, str]:
    """One decimal, or two when one would print a real difference as '4.1 vs 4.1'."""
    for digits in (1, 2):
        fx, fy = f"{x:.{digits}f}", f"{y:.{digits}f}"
        if fx != fy:
            return fx, fy
    return fx, fy


def _scale(subscale: Mapping[str, Any]) -> str:
    return f"{subscale['min']:g}–{subscale['max']:g}"


def _anchor(instrument: str, subscale: str) -> str:
    return f"s-{instrument}-{subscale}"


def _shown_groups(subscale: Mapping[str, Any], result: Result) -> dict[str, Mapping[str, Any]]:
    """The subscale's groups with figures on the page, by key (a group hidden anywhere in the result is left out)."""
    hidden_overall = {g["key"] for g in result.get("groups", []) if g.get("hidden")}
    return {
        g["key"]: g
        for g in subscale["groups"]
        if not g.get("hidden") and g.get("n") and g.get("mean") is not None and g["key"] not in hidden_overall
    }


def pick_findings(result: Result, _: Translate = _same, limit: int = MAX_SHOWN) -> Findings:
    """The clearest gaps and differences of a dashboard ``result`` compared by audience, in sentences."""
    if result.get("by") != "audience":
        return Findings((), 0, 0, (), (), available=False)
    blocks = {b["id"]: b for b in result["instruments"]}
    gaps, covered = [], set()
    for gap in result.get("gaps", []):
        if gap["level"] != "subscale" or gap["reading"] not in ("others_higher", "self_higher"):
            continue
        block = blocks.get(gap["instrument_id"])
        subscale = next((s for s in block["subscales"] if s["id"] == gap["id"]), None) if block else None
        if subscale is None:
            continue
        shown = _shown_groups(subscale, result)
        if SELF not in shown or gap["other"] not in shown:
            continue  # never a group the page hides
        covered.add((block["id"], subscale["id"], frozenset((SELF, gap["other"]))))
        gaps.append(_gap_finding(gap, block, subscale, shown, _))
    differences, not_clear, too_few = [], [], []
    for block in result["instruments"]:
        for subscale in block["subscales"]:
            shown = _shown_groups(subscale, result)
            place = {"subscale": subscale["label"], "instrument": block["title"], "anchor": _anchor(block["id"], subscale["id"])}
            comparison = subscale["comparison"]
            if comparison["status"] == "too_few" and len(shown) > 1:
                too_few.append(place)
                continue
            if comparison["status"] != "ok":
                continue
            by_label = {g["label"]: key for key, g in shown.items()}
            clear = [p for p in comparison["pairs"] if p["a"] in by_label and p["b"] in by_label and _clear_pair(p)]
            fresh = [
                p for p in clear if (block["id"], subscale["id"], frozenset((by_label[p["a"]], by_label[p["b"]]))) not in covered
            ]
            differences.extend(_difference_finding(p, block, subscale, shown, by_label, _) for p in fresh)
            if not clear and not any(c[:2] == (block["id"], subscale["id"]) for c in covered):
                not_clear.append(place)
    gaps.sort(key=lambda f: -f[0])
    differences.sort(key=lambda f: -f[0])
    return Findings(
        stated=tuple(f for _size, f in gaps[:limit]) + tuple(f for _size, f in differences[:limit]),
        more_gaps=max(0, len(gaps) - limit),
        more_differences=max(0, len(differences) - limit),
        not_clear=tuple(not_clear),
        too_few=tuple(too_few),
        available=True,
    )


def _clear_pair(pair: Mapping[str, Any]) -> bool:
    return pair.get("p_value") is not None and pair["p_value"] < 0.05 and pair["magnitude"] != "negligible"


def _gap_finding(
    gap: Mapping[str, Any], block: Mapping[str, Any], subscale: Mapping[str, Any], shown: Mapping[str, Any], _: Translate
) -> tuple[float, Finding]:
    me, other = shown[SELF], shown[gap["other"]]
    higher = gap["reading"] == "others_higher"
    mine, theirs = _means(gap["mean_self"], gap["mean_other"])
    values = {
        "other": _capital(in_sentence(other["label"])),
        "self": in_sentence(me["label"]),
        "subject": in_sentence(subscale["label"]),
        "theirs": theirs,
        "mine": mine,
        "scale": _scale(subscale),
        "n_other": gap["n_other"],
        "n_self": gap["n_self"],
        "other_group": in_sentence(other["label"]),
    }
    template = (
        _(
            "%(other)s rate %(subject)s higher than %(self)s do themselves: %(theirs)s vs %(mine)s on a %(scale)s scale "
            "(%(n_other)s %(other_group)s, %(n_self)s %(self)s)."
        )
        if higher
        else _(
            "%(other)s rate %(subject)s lower than %(self)s do themselves: %(theirs)s vs %(mine)s on a %(scale)s scale "
            "(%(n_other)s %(other_group)s, %(n_self)s %(self)s)."
        )
    )
    meaning = (
        _("Peer specialists experience less of this than others see: worth asking peers what gets in the way.")
        if higher
        else _("Others may not see this part of peer specialists' work: worth showing what it looks like in practice.")
    )
    if gap.get("measured_alike") == "no":
        meaning += " " + _(
            "The audiences read some of these questions differently, so part of the gap may come from the wording."
        )
    finding = Finding(
        key=finding_key("gap", block["id"], subscale["id"], SELF, gap["other"]),
        kind="gap",
        instrument=block["title"],
        subscale=subscale["label"],
        title=_("%(subscale)s: %(other)s and %(self)s")
        % {"subscale": subscale["label"], "other": values["other_group"], "self": values["self"]},
        sentence=template % values,
        meaning=meaning,
        anchor=_anchor(block["id"], subscale["id"]),
        groups=(SELF, gap["other"]),
        sizes=(int(gap["n_self"]), int(gap["n_other"])),
    )
    return abs(gap["diff"]) / max(subscale["max"] - subscale["min"], 1), finding


def _difference_finding(
    pair: Mapping[str, Any],
    block: Mapping[str, Any],
    subscale: Mapping[str, Any],
    shown: Mapping[str, Any],
    by_label: Mapping[str, str],
    _: Translate,
) -> tuple[float, Finding]:
    a, b = by_label[pair["a"]], by_label[pair["b"]]
    if pair["diff"] >= 0:
        high, low, mean_high, mean_low, n_high, n_low = b, a, pair["mean_b"], pair["mean_a"], pair["n_b"], pair["n_a"]
    else:
        high, low, mean_high, mean_low, n_high, n_low = a, b, pair["mean_a"], pair["mean_b"], pair["n_a"], pair["n_b"]
    shown_high, shown_low = _means(mean_high, mean_low)
    values = {
        "high": _capital(in_sentence(shown[high]["label"])),
        "low": in_sentence(shown[low]["label"]),
        "high_group": in_sentence(shown[high]["label"]),
        "subject": in_sentence(subscale["label"]),
        "mean_high": shown_high,
        "mean_low": shown_low,
        "scale": _scale(subscale),
        "n_high": n_high,
        "n_low": n_low,
    }
    finding = Finding(
        key=finding_key("diff", block["id"], subscale["id"], a, b),
        kind="difference",
        instrument=block["title"],
        subscale=subscale["label"],
        title=_("%(subscale)s: %(a)s and %(b)s")
        % {"subscale": subscale["label"], "a": in_sentence(shown[a]["label"]), "b": in_sentence(shown[b]["label"])},
        sentence=_(
            "%(high)s rate %(subject)s higher than %(low)s do: %(mean_high)s vs %(mean_low)s on a %(scale)s scale "
            "(%(n_high)s %(high_group)s, %(n_low)s %(low)s)."
        )
        % values,
        meaning=_("The two groups experience this differently: worth hearing from each what lies behind their answers."),
        anchor=_anchor(block["id"], subscale["id"]),
        groups=(a, b),
        sizes=(int(pair["n_a"]), int(pair["n_b"])),
    )
    return abs(pair["diff"]) / max(subscale["max"] - subscale["min"], 1), finding


# --- the same finding, wave by wave ----------------------------------------------------------------------


@dataclass(frozen=True)
class Measure:
    """One wave's figure for a finding: mean_b - mean_a with its Welch 95% interval."""

    diff: float
    ci_low: float | None
    ci_high: float | None
    n_a: int
    n_b: int
    mean_a: float
    mean_b: float
    scale: str
    se: float | None


def _welch_interval(a: Mapping[str, Any], b: Mapping[str, Any]) -> tuple[float | None, float | None, float | None]:
    """(ci_low, ci_high, se) of mean_b - mean_a from the groups' sizes and SDs (None when neither varies)."""
    from scipy import stats

    n_a, n_b, sd_a, sd_b = a["n"], b["n"], a.get("sd"), b.get("sd")
    if n_a < 2 or n_b < 2 or sd_a is None or sd_b is None or (sd_a == 0 and sd_b == 0):
        return None, None, None
    se_a, se_b = sd_a**2 / n_a, sd_b**2 / n_b
    df = (se_a + se_b) ** 2 / (se_a**2 / (n_a - 1) + se_b**2 / (n_b - 1))
    se = math.sqrt(se_a + se_b)
    half = float(stats.t.ppf(0.975, df)) * se
    diff = b["mean"] - a["mean"]
    return diff - half, diff + half, se


def measure(result: Result, key: str) -> Measure | None:
    """The finding ``key``'s difference in one wave's ``result`` (by audience); None when the page does not show it."""
    _kind, place, a, b = key.split("|")
    instrument, subscale_id = place.split(".", 1)
    block = next((blk for blk in result.get("instruments", []) if blk["id"] == instrument), None)
    subscale = next((s for s in block["subscales"] if s["id"] == subscale_id), None) if block else None
    if subscale is None or result.get("by") != "audience":
        return None
    shown = _shown_groups(subscale, result)
    if a not in shown or b not in shown:
        return None
    low, high, se = _welch_interval(shown[a], shown[b])
    return Measure(
        diff=shown[b]["mean"] - shown[a]["mean"],
        ci_low=low,
        ci_high=high,
        n_a=int(shown[a]["n"]),
        n_b=int(shown[b]["n"]),
        mean_a=shown[a]["mean"],
        mean_b=shown[b]["mean"],
        scale=_scale(subscale),
        se=se,
    )


@dataclass(frozen=True)
class Movement:
    verdict: str  # "narrowed" | "widened" | "reversed" | "no_clear_change" | "one_wave"
    change: float | None  # |last diff| - |first diff|, in scale points
    ci_low: float | None  # interval of last diff - first diff (independent waves, normal approximation)
    ci_high: float | None


def movement(measures: Sequence[Measure | None]) -> Movement:
    """Whether a finding moved between the first and the last wave that show it.

    The waves are independent samples, so the difference of the two differences has a standard error of
    sqrt(se1² + se2²); the change is called clear when its 95% interval (normal approximation, fine for the
    group sizes a dashboard shows) excludes zero.
    """
    known = [m for m in measures if m is not None]
    if len(known) < 2:
        return Movement("one_wave", None, None, None)
    first, last = known[0], known[-1]
    change = abs(last.diff) - abs(first.diff)
    if first.se is None or last.se is None:
        return Movement("no_clear_change", change, None, None)
    delta = last.diff - first.diff
    half = 1.959963984540054 * math.hypot(first.se, last.se)
    low, high = delta - half, delta + half
    if low <= 0.0 <= high:
        return Movement("no_clear_change", change, low, high)
    if first.diff * last.diff < 0 and (last.ci_low or 0) * (last.ci_high or 0) > 0:
        return Movement("reversed", change, low, high)
    return Movement("narrowed" if change < 0 else "widened", change, low, high)
