"""Judging item cells column by column: parse_answer once per distinct value and audience, spread by numpy."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from ...db import Survey
from ...instruments import PREFER_NOT_TO_ANSWER, Instrument, Item
from ...instruments.answers import SKIP, AnswerError, StoredValue, parse_answer
from .constants import BAD, EMPTY, MARKED, NOT_SHOWN_TEXT, SKIPPED, VALUE
from .report import _Problems


@dataclass(frozen=True)
class ColumnVerdict:
    """A numeric item's column judged: per row a state and a number, through the distinct (text, audience) pairs."""

    state: npt.NDArray[np.int8]  # per row: EMPTY, VALUE, SKIPPED, MARKED or BAD
    num: npt.NDArray[np.float64]  # per row: the stored number, NaN unless VALUE
    pair: npt.NDArray[np.intp]  # per row: its pair
    pair_state: npt.NDArray[np.int8]  # per pair
    literal: list[str]  # per pair: the stored number as text ("" unless VALUE)
    reasons: dict[int, str]  # per BAD pair: why

    def reason(self, row: int) -> str:
        return self.reasons[int(self.pair[row])]


#: how one answer is written for the insert: render(item key, kind, text), kind being "num", "text" or "skip"
Render = Callable[[str, str, str], str]


@dataclass
class _Judged:
    """One item's verdict on every row: what to store."""

    instrument: Instrument
    item: Item
    key: str
    state: npt.NDArray[np.int8]
    verdict: ColumnVerdict | None = None  # numeric items
    stored: dict[int, StoredValue] = field(default_factory=dict)  # text and multi items: row -> value
    columns: tuple[str, ...] = ()
    orders: tuple[int, ...] = ()

    @property
    def num(self) -> npt.NDArray[np.float64] | None:
        return self.verdict.num if self.verdict is not None else None

    def rendered(self, render: Render, end: str = "") -> npt.NDArray[np.object_]:
        """Per row, its answer as ``render`` writes it followed by ``end``; "" where nothing is stored."""
        n = len(self.state)
        out = np.full(n, "", dtype=object)

        def cell(kind: str, value: str) -> str:
            return render(self.key, kind, value) + end

        if self.verdict is not None:  # once per distinct pair, spread over the rows
            table = np.array(
                [cell("num", lit) if st == VALUE else cell("skip", "") if st == SKIPPED else ""
                 for st, lit in zip(self.verdict.pair_state.tolist(), self.verdict.literal, strict=True)],
                dtype=object,
            )  # fmt: skip
            out[:] = table[self.verdict.pair]
        else:
            for row, value in self.stored.items():
                out[row] = cell("skip", "") if value.skipped else cell("text", value.text or "")
        out[(self.state != VALUE) & (self.state != SKIPPED)] = ""
        return out

    def condition_value(self, row: int) -> Any:
        """The answer as show_if sees it ("prefer not to answer" is no answer)."""
        if self.state[row] != VALUE:
            return None
        if self.num is not None:
            value = float(self.num[row])
            return int(value) if value.is_integer() else value
        return self.stored[row].value


# --- items ---------------------------------------------------------------------------------------------------


def routable_items(survey: Survey) -> dict[str, frozenset[str]]:
    """Answer key -> the audiences for whom the survey's routing can skip the item's page."""
    from ..surveys import pages_for

    out: dict[str, set[str]] = {}
    for audience in survey.audiences:
        for page in pages_for(survey, audience.key):
            if page.skip_when is not None:
                for key in page.answer_keys():
                    out.setdefault(key, set()).add(audience.key)
    return {key: frozenset(audiences) for key, audiences in out.items()}


def _check_items(
    survey: Survey,
    instruments: Sequence[Instrument],
    variables: Sequence[Any],
    cells_of: Sequence[Sequence[str]],
    columns: dict[str, int],
    audience_index: npt.NDArray[np.intp],
    problems: _Problems,
) -> list[_Judged]:
    audiences = [a.key for a in survey.audiences]
    language = survey.languages[0]
    by_id = {i.id: i for i in instruments}
    routable = routable_items(survey)
    judged: list[_Judged] = []
    options: dict[str, list[Any]] = {}
    for variable in variables:
        if variable.kind == "option":
            options.setdefault(f"{variable.instrument}.{variable.item}", []).append(variable)
    done: set[str] = set()
    for variable in variables:
        if variable.kind not in ("item", "option"):
            continue
        instrument = by_id[variable.instrument]
        item = instrument.item(variable.item)
        key = f"{instrument.id}.{item.id}"
        if key in done:
            continue
        done.add(key)
        if variable.kind == "option":
            present = [(v, columns[v.name]) for v in options[key] if v.name in columns]
            if present:
                judged.append(
                    _judge_multi(
                        instrument,
                        item,
                        present,
                        cells_of,
                        audiences,
                        audience_index,
                        language,
                        problems,
                        routable.get(key, frozenset()),
                    )
                )
            continue
        if variable.name not in columns:
            continue
        order = columns[variable.name]
        if item.type in ("text", "longtext"):
            judged.append(
                _judge_text(
                    instrument,
                    item,
                    variable.name,
                    order,
                    cells_of[order],
                    audiences,
                    audience_index,
                    language,
                    problems,
                    routable.get(key, frozenset()),
                )
            )
            continue
        verdict = judge_column(item, cells_of[order], audience_index, audiences, language, routable.get(key, frozenset()))
        bad = np.flatnonzero(verdict.state == BAD)
        problems.add_many(bad, variable.name, order, [cells_of[order][i].strip() for i in bad], [verdict.reason(i) for i in bad])
        state = verdict.state.copy()  # show_if may still find problems
        judged.append(_Judged(instrument, item, key, state, verdict=verdict, columns=(variable.name,), orders=(order,)))
    return judged


def judge_column(
    item: Item,
    cells: Sequence[str],
    audience_index: npt.NDArray[np.intp],
    audiences: Sequence[str],
    language: str = "en",
    routed: frozenset[str] = frozenset(),
) -> ColumnVerdict:
    """Judge one numeric item's column (likert, single, number) for every row at once.

    ``audience_index[row]`` indexes ``audiences``; ``len(audiences)`` marks a
    row whose audience is unknown (already reported), which is not judged.

    Each distinct (cell text, audience) pair is judged once by
    :func:`_verdict` (that is, by parse_answer); numpy spreads the verdicts
    over the rows. So the outcome equals calling parse_answer on every cell.
    """
    n = len(cells)
    lookup = {value: i for i, value in enumerate(dict.fromkeys(cells))}
    texts = list(lookup)
    width = len(audiences) + 1
    pair = np.fromiter(map(lookup.__getitem__, cells), dtype=np.intp, count=n) * width + audience_index
    size = len(texts) * width
    seen = np.zeros(size, dtype=bool)
    seen[pair] = True
    state_of = np.zeros(size, dtype=np.int8)
    num_of = np.full(size, np.nan)
    literal = [""] * size
    reasons: dict[int, str] = {}
    for p in np.flatnonzero(seen).tolist():
        a = p % width
        if a == len(audiences):
            continue
        state, stored, reason = _verdict(item, audiences[a], texts[p // width], language, codes=True, routed=routed)
        state_of[p] = state
        if state == BAD:
            reasons[p] = reason or "is not a valid answer"
        elif state == VALUE and stored is not None and stored.num is not None:
            num_of[p] = stored.num
            literal[p] = _number_text(stored.num)
    return ColumnVerdict(state_of[pair], num_of[pair], pair, state_of, literal, reasons)


def _number_text(value: float) -> str:
    """A number as JSON and PostgreSQL's COPY both read it."""
    return str(int(value)) if value.is_integer() else repr(value)


def _verdict(
    item: Item, audience: str, raw: str, language: str, codes: bool, routed: frozenset[str] = frozenset()
) -> tuple[int, StoredValue | None, str | None]:
    """One cell: what to store, or why not. ``codes``: the column holds codes, where -8 means "not shown".

    ``routed``: the audiences for whom the survey's routing can skip this item's page (checked per row later).
    """
    value = raw.strip()
    if not value:
        return EMPTY, None, None
    if codes and value == NOT_SHOWN_TEXT:
        if not item.asked_of(audience):
            return EMPTY, None, None
        if item.show_if is not None or audience in routed:
            return MARKED, None, None
        return BAD, None, _NOT_SHOWN_BUT_ASKED.format(audience=audience)
    if not item.asked_of(audience):
        return BAD, None, _NOT_ASKED.format(audience=audience)
    try:
        stored = parse_answer(item, audience, raw)
    except AnswerError as exc:
        return BAD, None, _reason(item, audience, value, exc, language)
    if stored is None:
        return EMPTY, None, None
    return (SKIPPED if stored.skipped else VALUE), stored, None


_NOT_ASKED = "is an answer, but this question is not asked of audience {audience} (leave the cell empty, or -8)"
_NOT_SHOWN_BUT_ASKED = (
    "means 'not shown', but this question is shown to audience {audience} (leave the cell empty if not answered)"
)


def _reason(item: Item, audience: str, value: str, error: AnswerError, language: str) -> str:
    allowed = _allowed(item, audience, language)
    if error.code == "not_an_option":
        try:
            code = int(value)
        except ValueError:
            return f"is not a numeric code ({allowed})"
        if item.scale is not None and any(o.code == code for o in item.scale.options + item.scale.missing_options):
            return f"is not an option for audience {audience} ({allowed})"
        return f"is not an option ({allowed})"
    if error.code == "not_a_number":
        return f"is not a number ({allowed})"
    if error.code == "not_whole":
        return f"is not a whole number ({allowed})"
    if error.code == "out_of_range":
        return f"is out of range ({allowed})"
    if error.code == "skip_not_allowed":
        return "is 'prefer not to answer', which this question does not offer (leave the cell empty if not answered)"
    if error.code == "too_long":
        return f"is too long: {len(value)} characters, at most {item.max_length}"
    if error.code == "nul_character":
        return "contains a NUL character (shown as \\x00), which cannot be stored: remove it from the file"
    return str(error)


def _allowed(item: Item, audience: str, language: str) -> str:
    parts: list[str] = []
    if item.scale is not None:
        parts.append(_code_list([o.code for o in item.scale.options if o.offered_to(audience)]))
        for option in item.scale.missing_options:
            if option.offered_to(audience):
                label = option.label.get(language) or next(iter(option.label.values()))
                parts.append(f"{option.code} {label[:1].lower()}{label[1:]}")
    elif item.type == "number":
        kind = "a whole number" if item.integer else "a number"
        if item.min is not None and item.max is not None:
            parts.append(f"{kind} from {item.min:g} to {item.max:g}")
        else:
            parts.append(kind)
    if item.allow_skip:
        parts.append(f"{PREFER_NOT_TO_ANSWER} prefer not to answer")
    return "allowed: " + ", ".join(parts)


def _code_list(codes: list[int]) -> str:
    if len(codes) > 2 and codes == list(range(codes[0], codes[-1] + 1)):
        return f"{codes[0]}-{codes[-1]}"
    return ", ".join(str(c) for c in codes)


def _judge_text(
    instrument: Instrument,
    item: Item,
    column: str,
    order: int,
    cells: Sequence[str],
    audiences: list[str],
    audience_index: npt.NDArray[np.intp],
    language: str,
    problems: _Problems,
    routed: frozenset[str] = frozenset(),
) -> _Judged:
    n = len(cells)
    state = np.zeros(n, dtype=np.int8)
    stored: dict[int, StoredValue] = {}
    for i in [i for i, c in enumerate(cells) if c]:
        a = int(audience_index[i])
        if a == len(audiences):
            continue
        verdict, value, reason = _verdict(item, audiences[a], cells[i], language, codes=False, routed=routed)
        state[i] = verdict
        if verdict == BAD:
            problems.add(i, column, order, cells[i].strip(), reason or "is not a valid answer")
        elif value is not None:
            stored[i] = value
    return _Judged(
        instrument,
        item,
        f"{instrument.id}.{item.id}",
        state,
        stored=stored,
        columns=(column,),
        orders=(order,),
    )


def _judge_multi(
    instrument: Instrument,
    item: Item,
    present: list[tuple[Any, int]],
    cells_of: Sequence[Sequence[str]],
    audiences: list[str],
    audience_index: npt.NDArray[np.intp],
    language: str,
    problems: _Problems,
    routed: frozenset[str] = frozenset(),
) -> _Judged:
    """A multi-choice item: one 0/1 column per option, judged per distinct combination of cells and audience."""
    n = len(audience_index)
    names = tuple(v.name for v, _ in present)
    orders = tuple(order for _, order in present)
    codes = [int(v.name.rsplit(".", 1)[1]) for v, _ in present]
    combos = list(zip(*(cells_of[order] for order in orders), strict=True))
    lookup = {combo: i for i, combo in enumerate(dict.fromkeys(combos))}
    distinct = list(lookup)
    width = len(audiences) + 1
    pair = np.fromiter(map(lookup.__getitem__, combos), dtype=np.intp, count=n) * width + audience_index
    verdicts: dict[int, tuple[int, StoredValue | None, list[tuple[int, str]]]] = {}
    for p in np.unique(pair).tolist():
        a = p % width
        if a < len(audiences):
            verdicts[p] = _multi_verdict(item, audiences[a], codes, distinct[p // width], language, routed)
    state = np.zeros(n, dtype=np.int8)
    stored: dict[int, StoredValue] = {}
    bad: dict[int, tuple[list[int], list[str], list[str]]] = {}
    for i, p in enumerate(pair.tolist()):
        verdict = verdicts.get(p)
        if verdict is None or verdict[0] == EMPTY:
            continue
        state[i] = verdict[0]
        value = verdict[1]
        if verdict[0] == BAD:
            for k, reason in verdict[2]:
                rows, values, reasons = bad.setdefault(k, ([], [], []))
                rows.append(i)
                values.append(combos[i][k].strip())
                reasons.append(reason)
        elif value is not None:
            stored[i] = value
    for k, (rows, values, reasons) in bad.items():
        problems.add_many(np.array(rows, dtype=np.intp), names[k], orders[k], values, reasons)
    return _Judged(instrument, item, f"{instrument.id}.{item.id}", state, stored=stored, columns=names, orders=orders)


def _multi_verdict(
    item: Item, audience: str, codes: list[int], cells: tuple[str, ...], language: str, routed: frozenset[str] = frozenset()
) -> tuple[int, StoredValue | None, list[tuple[int, str]]]:
    """One respondent's option cells: (state, stored value, [(option position, reason)])."""
    values = [c.strip() for c in cells]
    given = [k for k, v in enumerate(values) if v]
    if not given:
        return EMPTY, None, []
    if all(values[k] == NOT_SHOWN_TEXT for k in given):
        if not item.asked_of(audience):
            return EMPTY, None, []
        if item.show_if is not None or audience in routed:
            return MARKED, None, []
        return BAD, None, [(k, _NOT_SHOWN_BUT_ASKED.format(audience=audience)) for k in given]
    if not item.asked_of(audience):
        return BAD, None, [(k, _NOT_ASKED.format(audience=audience)) for k in given if values[k] != NOT_SHOWN_TEXT]
    if any(values[k] == SKIP for k in given):
        if not all(values[k] == SKIP for k in given):
            mixed = "mixes 'prefer not to answer' (-9) and answers in the options of one question"
            return BAD, None, [(k, mixed) for k in given if values[k] != SKIP][:1]
        try:
            return SKIPPED, parse_answer(item, audience, SKIP), []
        except AnswerError as exc:
            return BAD, None, [(given[0], _reason(item, audience, SKIP, exc, language))]
    problems: list[tuple[int, str]] = []
    chosen: list[int] = []
    for k in given:
        if values[k] not in ("0", "1"):
            problems.append((k, "is not 1 (chosen) or 0 (not chosen)"))
        elif values[k] == "1":
            if item.accepts_code(codes[k], audience):
                chosen.append(codes[k])
            else:
                problems.append((k, f"is chosen, but this option is not offered to audience {audience}"))
    if problems:
        return BAD, None, problems
    if not chosen:  # every option 0: nothing chosen is stored as "not answered", as the web form does
        return EMPTY, None, []
    try:
        return VALUE, parse_answer(item, audience, [str(c) for c in chosen]), []
    except AnswerError as exc:
        return BAD, None, [(given[0], _reason(item, audience, "1", exc, language))]
