"""Problems found in instrument files, and the exception that carries them."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

__all__ = ["InstrumentError", "Path", "Problem", "format_path"]

Path = tuple[str | int, ...]


def format_path(path: Path) -> str:
    """``("items", 3, "scale")`` -> ``items[3].scale``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else part
    return out or "(top level)"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one file, said so an instrument author can fix it."""

    file: str
    line: int | None
    path: Path
    message: str
    fix: str | None = None

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        text = f"{where}: {format_path(self.path)}: {self.message}"
        if self.fix:
            text += f" (fix: {self.fix})"
        return text


class InstrumentError(ValueError):
    """Raised with every problem found, not just the first."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems: Sequence[Problem] = tuple(problems)
        super().__init__("\n".join(str(p) for p in self.problems))
