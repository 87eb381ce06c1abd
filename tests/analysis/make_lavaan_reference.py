"""Write fixtures/lavaan_data.csv and fixtures/lavaan_reference.json: R lavaan's numbers for a known structure.

R and lavaan are a test oracle only (Debian: ``apt-get install -y r-cran-lavaan``),
never a dependency of the application; the numbers are stored so that the tests
run where R is not installed. Run from the repository root after changing
lavaan_dataset.py or upgrading lavaan on purpose:

    .venv/bin/python -m tests.analysis.make_lavaan_reference
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

from tests.analysis.lavaan_dataset import FIXTURE, write_csv

SCRIPT = Path(__file__).resolve().parent / "fixtures" / "lavaan_reference.R"
REFERENCE = Path(__file__).resolve().parent / "fixtures" / "lavaan_reference.json"


def _nest(lines: list[str]) -> dict[str, Any]:
    """``configural.std.peer.x2\\t0.81`` -> {"configural": {"std": {"peer": {"x2": 0.81}}}}."""
    out: dict[str, Any] = {}
    for line in lines:
        key, value = line.split("\t")
        *path, last = key.split(".", 3) if key.split(".")[1] == "std" else key.split(".", 2)
        node = out
        for part in path:
            node = node.setdefault(part, {})
        node[last] = value if path == ["version"] else float(value)
    return out


def main() -> None:
    write_csv(FIXTURE)
    printed = subprocess.run(
        ["Rscript", str(SCRIPT), str(FIXTURE)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    reference = _nest([line for line in printed.splitlines() if line.strip()])
    REFERENCE.write_text(json.dumps(reference, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {REFERENCE.name} (lavaan {reference['version']['lavaan']})")


if __name__ == "__main__":
    main()
