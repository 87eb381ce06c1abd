"""ruff's security rules (S, from bandit) stay on for the product's code, and every `# noqa: S...` that silences
one was reviewed: a new one fails here until someone says why it is safe."""

from __future__ import annotations

import re
import tomllib
from collections import Counter

from tests.conftest import ROOT

NOQA = re.compile(r"#\s*noqa:\s*([A-Z]+\d+(?:\s*,\s*[A-Z]+\d+)*)")
LINTED = ("surveyapp", "benchmarks", "wsgi.py")

# (file, rule) -> (how many, why it is safe). Reviewed for issue 9.
REVIEWED: dict[tuple[str, str], tuple[int, str]] = {
    ("surveyapp/services/groupings.py", "S101"): (
        1,
        "type narrowing: survey_dashboard refuses any `by` that grouping_options does not offer (single-choice "
        "items only) before this line; without asserts (-O) a broken invariant is an AttributeError, not a bypass",
    ),
    ("surveyapp/web/respond/views.py", "S101"): (
        2,
        "type narrowing: every caller has already returned the unknown-link page (the only state without a survey) "
        "or checked that the response exists; no check of access rests on them",
    ),
    ("benchmarks/bench_submit.py", "S603"): (1, "starts our own gunicorn on loopback with a fixed argument list"),
    ("benchmarks/bench_submit.py", "S311"): (1, "chooses answers to send, not secrets"),
    ("benchmarks/bench_import.py", "S603"): (2, "runs our own export command and benchmark script, fixed argument lists"),
    ("benchmarks/bench_export.py", "S603"): (1, "runs sqlite3/psql or our own command with fixed argument lists"),
    ("benchmarks/bench_dashboard.py", "S603"): (2, "runs our own benchmark script (cold, warm) with a fixed argument list"),
    ("benchmarks/bench_page_weight.py", "S603"): (2, "starts our own gunicorn on loopback and our db upgrade, fixed lists"),
    ("benchmarks/dataset.py", "S603"): (1, "reruns this script in a child process with a fixed argument list"),
    ("benchmarks/floor_app.py", "S608"): (1, "the floor's column names are fixed in the script; every value is bound"),
    ("benchmarks/profile_submit.py", "S311"): (2, "chooses answers to send, not secrets"),
    ("surveyapp/reporting/report_charts.py", "S704"): (
        2,
        "the report's SVG holds numbers and fixed palette colours formatted in code; its one text (the label) and "
        "the colour are escaped with Markup.escape",
    ),
    ("surveyapp/services/backup.py", "S608"): (
        1,
        "table names come from the database's own catalogue, quoted by the dialect; no user text reaches the statement",
    ),
    ("surveyapp/services/export_long.py", "S608"): (
        2,
        "the long export's statement is built from fixed SQL, the survey's integer id, item-key integers and the "
        "plan's labels as string constants escaped by _literal (quotes doubled, control characters as char()); "
        "respondents' answers are only read as columns, never spliced in. tests/services/test_export_long.py "
        "writes quotes, commas and formula text through it",
    ),
    ("surveyapp/services/importing/postgres.py", "S608"): (
        1,
        "the table name is one of three fixed names (survey, audience, item_key) in the importer's own loop; ids are bound",
    ),
    ("surveyapp/services/backup.py", "S603"): (
        2,
        "pg_dump/pg_restore found by path with a fixed argument list; the password goes in PGPASSWORD, never argv",
    ),
    ("benchmarks/bench_validation.py", "S101"): (1, "a benchmark of a fit that did not converge measures nothing"),
    ("benchmarks/bench_import_memory.py", "S603"): (1, "runs our own benchmark script with a fixed argument list"),
}


def test_security_rules_are_selected_for_the_product() -> None:
    lint = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["ruff"]["lint"]
    assert "S" in lint["select"]
    assert not [rule for rule in lint.get("ignore", []) if rule.startswith("S")], "no security rule is ignored everywhere"
    for pattern, rules in lint.get("per-file-ignores", {}).items():
        if any(rule.startswith("S") for rule in rules):
            assert pattern.startswith("tests/"), f"security rules are off only in tests, not in {pattern}"


def test_every_silenced_security_rule_was_reviewed() -> None:
    found: Counter[tuple[str, str]] = Counter()
    for top in LINTED:
        for path in sorted((ROOT / top).rglob("*.py")) if (ROOT / top).is_dir() else [ROOT / top]:
            for line in path.read_text(encoding="utf-8").splitlines():
                for codes in NOQA.findall(line):
                    for code in re.split(r"\s*,\s*", codes):
                        if code.startswith("S"):
                            found[(str(path.relative_to(ROOT)), code)] += 1
    reviewed = {key: count for key, (count, _why) in REVIEWED.items()}
    assert dict(found) == reviewed, (
        "A `# noqa: S...` was added or removed. Check that it hides no real problem, then update REVIEWED in "
        f"tests/security/test_lint_rules.py with why it is safe. Found: {dict(found)}"
    )
