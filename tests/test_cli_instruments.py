"""`surveyapp instruments ...` as an instrument author uses it."""

from __future__ import annotations

from pathlib import Path

from flask.testing import FlaskCliRunner

from tests.instruments.helpers import MINI


def test_check_passes_on_shipped_files(runner: FlaskCliRunner) -> None:
    result = runner.invoke(args=["instruments", "check"])
    assert result.exit_code == 0, result.output
    assert "ok    p-role 1.1.0" in result.output


def test_check_refuses_broken_copies_and_names_each_file(runner: FlaskCliRunner, tmp_path: Path) -> None:
    text = MINI.read_text(encoding="utf-8")
    unknown = tmp_path / "mini.yaml"
    unknown.write_text(text.replace("citation:", "citaton:"), encoding="utf-8")
    truncated = tmp_path / "cut" / "mini.yaml"
    truncated.parent.mkdir()
    truncated.write_text(text[: len(text) // 3], encoding="utf-8")
    bad_yaml = tmp_path / "bad.yaml"
    bad_yaml.write_text("id: bad\n title: x\n", encoding="utf-8")
    result = runner.invoke(args=["instruments", "check", str(unknown), str(truncated), str(bad_yaml), str(MINI)])
    assert result.exit_code == 1
    assert f"{unknown}:7: citaton: unknown key 'citaton'" in result.output
    assert "did you mean 'citation'?" in result.output
    assert f"{truncated}:" in result.output
    assert f"{bad_yaml}:2: (top level): this is not valid YAML" in result.output
    assert "ok    mini 1.0.0" in result.output
    assert "problem(s) in 3 file(s); 1 file(s) ok." in result.output


def test_list_shows_items_per_audience(runner: FlaskCliRunner) -> None:
    result = runner.invoke(args=["instruments", "list"])
    assert result.exit_code == 0, result.output
    assert "p-role" in result.output
    assert "peer 18, staff 13, service_user 9" in result.output
    assert "not yet validated" in result.output


def test_check_counts_role_tasks_and_explains_a_broken_task(runner: FlaskCliRunner, tmp_path: Path) -> None:
    tasks = Path(__file__).resolve().parent / "fixtures" / "tasks-mini.yaml"
    result = runner.invoke(args=["instruments", "check", str(tasks)])
    assert result.exit_code == 0, result.output
    assert "ok    tasks-mini 1.0.0  (3 role tasks in 2 domains, 1 other item)" in result.output
    broken = tmp_path / "tasks-mini.yaml"
    text = tasks.read_text(encoding="utf-8")
    wrong = text.replace("    domain: team\n    comment: false", "    domain: groups\n    comment: false")
    broken.write_text(wrong, encoding="utf-8")
    result = runner.invoke(args=["instruments", "check", str(broken)])
    assert result.exit_code == 1
    line = text.splitlines().index("    domain: team", text.splitlines().index("  - id: records")) + 1
    assert f"{broken}:{line}: items[2].domain: unknown domain 'groups' (fix: use one of: one_to_one, team)" in result.output
