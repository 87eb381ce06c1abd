"""Documentation checked by tests: settings, commands and examples stay described."""

from __future__ import annotations

from pathlib import Path

import pytest

from surveyapp.cli import COMMANDS
from surveyapp.config import SETTINGS
from surveyapp.instruments import load_directory
from surveyapp.instruments.survey_spec import parse_survey_spec

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("setting", SETTINGS, ids=lambda s: s.name)
def test_every_setting_is_in_the_readme(setting) -> None:
    assert f"SURVEYAPP_{setting.name}" in README


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c.name)
def test_every_command_is_in_the_readme(command) -> None:
    assert f"surveyapp {command.name}" in README


@pytest.mark.parametrize("spec", sorted((ROOT / "docs" / "examples").glob("*.yaml")), ids=lambda p: p.name)
def test_example_specs_are_valid(spec: Path) -> None:
    parse_survey_spec(spec.read_text(encoding="utf-8"), spec.name, load_directory(ROOT / "instruments"))
