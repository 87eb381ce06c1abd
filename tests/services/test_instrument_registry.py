"""Stored instrument versions are immutable snapshots."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner

from surveyapp.instruments import load_file, load_text
from surveyapp.services.instrument_registry import InstrumentChangedError, register_instruments, stored_instrument
from tests.instruments.helpers import MINI

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


def test_registering_twice_stores_once(app: Flask) -> None:
    first = register_instruments([load_file(MINI)], NOW)
    second = register_instruments([load_file(MINI)], NOW)
    assert first[0].added
    assert not second[0].added
    assert first[0].row_id == second[0].row_id


def test_snapshot_survives_later_edits_of_the_file(app: Flask) -> None:
    [registered] = register_instruments([load_file(MINI)], NOW)
    edited = load_text(MINI.read_text(encoding="utf-8").replace("I know my tasks.", "I know my duties."), "mini.yaml")
    with pytest.raises(InstrumentChangedError, match=r"mini.yaml \(e.g. to 1.0.1\)"):
        register_instruments([edited], NOW)
    snapshot = stored_instrument(registered.row_id)
    assert snapshot.item("clear").text_for("peer", "en") == "I know my tasks."
    assert snapshot.content_hash == load_file(MINI).content_hash


def test_bumped_version_is_stored_beside_the_old(app: Flask) -> None:
    register_instruments([load_file(MINI)], NOW)
    text = MINI.read_text(encoding="utf-8").replace('version: "1.0.0"', 'version: "1.0.1"').replace("I know my tasks.", "Duties.")
    [result] = register_instruments([load_text(text, "mini.yaml")], NOW)
    assert result.added


def test_cli_load_stores_every_shipped_instrument(runner: FlaskCliRunner) -> None:
    result = runner.invoke(args=["instruments", "load"])
    assert result.exit_code == 0, result.output
    assert "stored    p-role 1.1.0" in result.output
    again = runner.invoke(args=["instruments", "load"])
    assert "unchanged p-role 1.1.0" in again.output
