"""Storing instrument snapshots: a published version is never changed in place."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from ..db import InstrumentVersion, db
from ..instruments import Instrument, instrument_from_snapshot


class InstrumentChangedError(ValueError):
    """A file's content differs from the stored snapshot of the same version."""

    def __init__(self, instrument: Instrument) -> None:
        self.instrument = instrument
        super().__init__(
            f"instrument '{instrument.id}' version {instrument.version} is already stored and its file has changed "
            f"since (stored content differs). Published versions never change in place, so that scores stay "
            f"reproducible. Fix: bump 'version' in {instrument.id}.yaml (e.g. to {_next_patch(instrument.version)}) "
            f"or undo the edit."
        )


def _next_patch(version: str) -> str:
    major, minor, patch = version.split(".")
    return f"{major}.{minor}.{int(patch) + 1}"


@dataclass(frozen=True)
class Registered:
    key: str
    version: str
    added: bool
    row_id: int


def store_instrument(instrument: Instrument, now: datetime) -> Registered:
    """Store a snapshot of ``instrument`` unless that exact version is already stored.

    Does not commit: callers decide the unit of work.
    """
    row = db.session.scalar(
        select(InstrumentVersion).where(InstrumentVersion.key == instrument.id, InstrumentVersion.version == instrument.version)
    )
    if row is not None:
        if row.content_hash != instrument.content_hash:
            raise InstrumentChangedError(instrument)
        return Registered(instrument.id, instrument.version, added=False, row_id=row.id)
    row = InstrumentVersion(
        key=instrument.id,
        version=instrument.version,
        content_hash=instrument.content_hash,
        definition=dict(instrument.definition),
        loaded_at=now,
    )
    db.session.add(row)
    db.session.flush()
    return Registered(instrument.id, instrument.version, added=True, row_id=row.id)


def register_instruments(instruments: Iterable[Instrument], now: datetime) -> list[Registered]:
    """Store every instrument's snapshot in one transaction; all or nothing."""
    try:
        results = [store_instrument(i, now) for i in instruments]
    except InstrumentChangedError:
        db.session.rollback()
        raise
    db.session.commit()
    return results


def stored_instrument(row_id: int) -> Instrument:
    """The instrument exactly as it was stored, whatever the file says today."""
    row = db.session.get_one(InstrumentVersion, row_id)
    return instrument_from_snapshot(row.definition, f"{row.key} {row.version} (stored snapshot)")


def stored_versions() -> list[InstrumentVersion]:
    return list(db.session.scalars(select(InstrumentVersion).order_by(InstrumentVersion.key, InstrumentVersion.loaded_at)))
