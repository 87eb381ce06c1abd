"""What the importer hands to each database's writer: the responses in id order, and the answers rendered per response."""

from __future__ import annotations

import datetime as dt
import queue
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt

from ...db import item_key_ids
from .judging import Render, _Judged

_T = TypeVar("_T")


@dataclass(frozen=True)
class _Rows:
    """The responses to insert; ``order`` is id order, so the indexes on response ids grow at their right edge."""

    order: list[int]
    ids: list[str]
    audience_ids: list[int]
    languages: list[str]
    submitted: list[dt.datetime]
    vectors: npt.NDArray[np.float32]


class _Rendered:
    """Every answer to ``judged`` as ``render`` writes it, ready to be joined per response."""

    def __init__(self, judged: list[_Judged], render: Render, separator: str) -> None:
        # per item, per row: its answer followed by the separator, or "" (which joins to nothing)
        self.cells = [cells.rendered(render, end=separator) for cells in judged]
        self.cut = len(separator)

    def joined(self, picked: Sequence[int]) -> list[str]:
        """Per response in ``picked``, its answers joined by the separator ("" if it has none)."""
        if not self.cells:
            return [""] * len(picked)
        matrix = np.empty((len(picked), len(self.cells)), dtype=object)
        index = np.asarray(picked, dtype=np.intp)
        for k, column in enumerate(self.cells):
            matrix[:, k] = column[index]
        return ["".join(row)[: -self.cut] for row in matrix.tolist()]


def _numbered(judged: list[_Judged], numbers: dict[str, int] | None = None) -> list[_Judged]:
    """``judged`` with each ``key`` replaced by the item key's number (how answers refer to their question).

    ``numbers``: the numbers already looked up (:func:`item_key_ids` adds missing keys, so it runs once per import).
    """
    numbers = numbers if numbers is not None else item_key_ids(cells.key for cells in judged)
    return [replace(cells, key=str(numbers[cells.key])) for cells in judged]


def _made_ahead(items: Iterator[_T], depth: int = 2) -> Iterator[_T]:
    """``items``, made by a second thread up to ``depth`` ahead of the caller.

    The drivers let go of Python's interpreter lock while the database works
    (SQLite while it runs a statement, psycopg while it waits to send more of
    a ``COPY``), so the next batch is built while the database stores the
    last; ``depth`` bounds the memory. If the caller stops early (an error),
    the maker stops too.
    """
    ready: queue.Queue[tuple[str, Any]] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def offer(kind: str, value: Any) -> bool:
        while not stop.is_set():
            try:
                ready.put((kind, value), timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def make() -> None:
        try:
            for item in items:
                if not offer("item", item):
                    return
            offer("done", None)
        except BaseException as exc:
            offer("error", exc)

    maker = threading.Thread(target=make, name="import-json", daemon=True)
    maker.start()
    try:
        while True:
            kind, value = ready.get()
            if kind == "done":
                return
            if kind == "error":
                raise value
            yield value
    finally:
        stop.set()
        maker.join()
