"""Build small instrument texts for tests by editing the mini fixture."""

from __future__ import annotations

from pathlib import Path

import yaml

MINI = Path(__file__).resolve().parent.parent / "fixtures" / "mini.yaml"


def mini_data() -> dict:
    return yaml.safe_load(MINI.read_text(encoding="utf-8"))


def dump(data: dict) -> str:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
