"""Reading a list of addresses: a CSV file with an ``email`` column (optionally ``unit`` and ``language``),
or addresses pasted one a line. Every problem names its row and column; nothing is half-read."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass

__all__ = ["AddressListError", "Addressee", "read_addresses"]

#: deliberately plain: one @, no spaces or angle brackets, a dot in the domain (the mail server has the last word)
EMAIL = re.compile(r"^[^@\s<>,;\"]+@[^@\s<>,;\"]+\.[^@\s<>,;\".]+$")
COLUMNS = ("email", "unit", "language")
MAX_ADDRESSES = 20_000


class AddressListError(ValueError):
    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Addressee:
    email: str
    unit: str | None
    language: str


def read_addresses(text: str, languages: list[str], source: str = "the list") -> list[Addressee]:
    """Addresses with unit and language (default: the survey's first language). Raises AddressListError."""
    text = text.lstrip("\ufeff").replace("\x00", "")
    lines = text.splitlines()
    first = next((line for line in lines if line.strip()), "")
    if not first:
        raise AddressListError([f"{source} is empty: give an `email` column, or one address a line"])
    if "@" in first and "email" not in first.lower():
        rows = [(number, {"email": line.strip()}) for number, line in enumerate(lines, 1) if line.strip()]
    else:
        rows = _csv_rows(text, source)
    problems: list[str] = []
    seen: dict[str, int] = {}
    found: list[Addressee] = []
    for number, row in rows:
        email = (row.get("email") or "").strip().lower()
        unit = " ".join((row.get("unit") or "").split())[:80] or None
        language = (row.get("language") or "").strip().lower() or languages[0]
        where = f"{source}, row {number}"
        if not email:
            problems.append(f"{where}, column email: empty (each row needs an address)")
        elif not EMAIL.match(email) or len(email) > 320:
            problems.append(f"{where}, column email: '{email[:80]}' is not an e-mail address")
        elif email in seen:
            problems.append(f"{where}, column email: {email} is already on row {seen[email]}")
        if language not in languages:
            problems.append(
                f"{where}, column language: '{language[:20]}' is not one of the survey's languages ({', '.join(languages)})"
            )
        seen.setdefault(email, number)
        found.append(Addressee(email, unit, language))
    if len(found) > MAX_ADDRESSES:
        problems.append(f"{source} has {len(found)} addresses; send at most {MAX_ADDRESSES} at once")
    if problems:
        raise AddressListError(problems)
    return found


def _csv_rows(text: str, source: str) -> list[tuple[int, dict[str, str]]]:
    sample = text[:4096]
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    header = [h.strip().lower() for h in next(reader, [])]
    if "email" not in header:
        raise AddressListError(
            [f"{source}, row 1: no `email` column (the columns are: {', '.join(h for h in header if h) or 'none'})"]
        )
    unknown = [h for h in header if h and h not in COLUMNS]
    if unknown:
        raise AddressListError(
            [f"{source}, row 1: unknown column(s) {', '.join(unknown)}; the columns are email, and optionally unit and language"]
        )
    rows = []
    for record in reader:
        if not any(cell.strip() for cell in record):
            continue
        rows.append((reader.line_num, dict(zip(header, record, strict=False))))
    return rows
