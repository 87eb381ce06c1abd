"""Finding 9: YAML that expands without limit (aliases, "billion laughs"), never ends (recursive aliases) or
overflows the parser's stack (deep nesting) is refused with the file, the line and the fix, before any node is
built: through the admin upload, the CLI, and instrument files alike."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from surveyapp.instruments import InstrumentError, load_text
from surveyapp.instruments.survey_spec import MAX_SPEC_CHARS, parse_survey_spec
from surveyapp.instruments.yamlread import MAX_DEPTH, read_yaml
from surveyapp.services.accounts import create_user
from tests.conftest import FIXTURES, MINI_SPEC

PASSWORD = "tangerine-ocelot-quarry-58"


def laughs(levels: int) -> str:
    """The classic: each level is nine references to the one before; ``levels=9`` is a billion strings."""
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for level in range(1, levels + 1):
        before, name = chr(96 + level), chr(97 + level)
        lines.append(f"{name}: &{name} [" + ",".join(f"*{before}" for _ in range(9)) + "]")
    return "\n".join(lines) + "\n"


RECURSIVE = "title: &loop [*loop]\n"
DEEP = "title: " + "[" * 20_000 + "]" * 20_000 + "\n"
ALIAS_ONLY = MINI_SPEC + "thank_you: *nowhere\n"


def problem_of(text: str, source: str = "spec.yaml"):
    with pytest.raises(InstrumentError) as caught:
        parse_survey_spec(text, source, {})
    (problem,) = caught.value.problems
    return problem


def test_billion_laughs_is_refused_at_the_first_anchor() -> None:
    problem = problem_of(laughs(9), "laughs.yaml")  # about 3 GB once expanded, by the old reader
    assert problem.file == "laughs.yaml"
    assert problem.line == 1
    assert "anchor ('&a')" in problem.message
    assert "write out in full" in (problem.fix or "")


def test_a_recursive_alias_is_refused_not_a_crash() -> None:
    problem = problem_of(RECURSIVE)
    assert problem.line == 1
    assert "anchor" in problem.message


def test_an_alias_without_anchor_is_named_with_its_line() -> None:
    problem = problem_of(ALIAS_ONLY)
    assert "alias ('*nowhere')" in problem.message
    assert problem.line == len(MINI_SPEC.splitlines()) + 1


def test_deep_nesting_is_refused_where_it_gets_too_deep() -> None:
    problem = problem_of(DEEP)
    assert problem.line == 1
    assert f"more than {MAX_DEPTH} levels" in problem.message


def test_nesting_up_to_the_limit_is_still_read() -> None:
    depth = MAX_DEPTH - 1  # the top-level mapping is one level
    data, _ = read_yaml("title: " + "[" * depth + "]" * depth + "\n", "ok.yaml")
    assert "title" in data


def test_an_overlong_spec_is_refused_before_parsing() -> None:
    text = MINI_SPEC + "# " + "x" * MAX_SPEC_CHARS + "\n"
    problem = problem_of(text)
    assert "too long" in problem.message


def test_instrument_files_refuse_aliases_too() -> None:
    text = (FIXTURES / "mini.yaml").read_text(encoding="utf-8")
    text = text.replace("scales:\n  agree5:", "scales:\n  agree5: &agree")
    with pytest.raises(InstrumentError) as caught:
        load_text(text, "mini.yaml", "mini")
    assert "anchor ('&agree')" in str(caught.value)
    assert "mini.yaml:" in str(caught.value)


@pytest.fixture
def admin_client(app: Flask, client: FlaskClient) -> FlaskClient:
    app.config["INSTRUMENTS_DIR"] = str(FIXTURES)
    create_user("admin@example.org", PASSWORD, "admin", dt.datetime.now(dt.UTC), None)
    assert client.post("/login", data={"email": "admin@example.org", "password": PASSWORD}).status_code == 302
    return client


@pytest.mark.parametrize("text", [laughs(9), RECURSIVE, DEEP], ids=["billion-laughs", "recursive", "deep"])
def test_admin_spec_upload_refuses_with_file_line_and_fix(admin_client: FlaskClient, text: str) -> None:
    import io

    response = admin_client.post(
        "/admin/surveys/new",
        data={"spec_file": (io.BytesIO(text.encode()), "attack.yaml")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400  # a message, not a 500 and not a worker grown by gigabytes
    assert "the uploaded file attack.yaml, line 1:" in response.text
    assert "fix:" in response.text


def test_typed_spec_with_an_alias_is_refused(admin_client: FlaskClient) -> None:
    response = admin_client.post("/admin/surveys/new", data={"spec": ALIAS_ONLY})
    assert response.status_code == 400
    assert "the survey spec typed above, line" in response.text
    assert "alias" in response.text


def test_cli_refuses_an_aliased_spec(app: Flask, tmp_path: Path) -> None:
    app.config["INSTRUMENTS_DIR"] = str(FIXTURES)
    spec = tmp_path / "attack.yaml"
    spec.write_text(RECURSIVE, encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["survey", "create", str(spec)])
    assert result.exit_code != 0
    assert f"{spec}:1:" in result.output
    assert "anchor" in result.output
