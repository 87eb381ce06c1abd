"""`surveyapp invite` (links, e-mail, QR slips), `surveyapp remind` and `surveyapp mail`."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner

from tests.mail_helpers import respond, token_in
from tests.smtp_server import SmtpServer, running_smtp_server

BASE = "https://peers.example.org"


@pytest.fixture
def smtp_server(app: Flask) -> Iterator[SmtpServer]:
    for server in running_smtp_server():
        app.config.update(server.config(), BASE_URL=BASE, MAIL_BATCH_SIZE=2)
        yield server


def test_invite_by_email_then_remind_then_purge(runner: FlaskCliRunner, make_survey, smtp_server, tmp_path: Path) -> None:
    make_survey()
    listing = tmp_path / "staff.csv"
    listing.write_text("email,unit,language\nx@example.org,Ward 4,he\ny@example.org,Ward 4,en\nbounce@example.org,,en\n")
    sent = runner.invoke(args=["invite", "mini-survey", "--audience", "staff", "--emails", str(listing)])
    assert sent.exit_code == 0, sent.output
    assert "3 invitations queued; 0 addresses were already invited" in sent.output
    assert "2 sent, 1 failed, 0 to go" in sent.output
    assert "failed\tbounce@example.org\tstaff\trefused by the mail server (550)" in sent.output
    by_to = {r.message["To"]: r.message for r in smtp_server.received}
    assert set(by_to) == {"x@example.org", "y@example.org"}
    assert by_to["x@example.org"]["Content-Language"] == "he"
    assert f"{BASE}/r/" in by_to["y@example.org"].get_content()
    respond(token_in(by_to["y@example.org"].get_content()))

    smtp_server.received.clear()
    reminded = runner.invoke(args=["remind", "mini-survey"])
    assert reminded.exit_code == 0, reminded.output
    assert "reminder queued for 1 addresses" in reminded.output
    assert [r.message["To"] for r in smtp_server.received] == ["x@example.org"]
    scheduled = runner.invoke(args=["remind", "mini-survey", "--scheduled"])
    assert "nobody to remind" in scheduled.output  # reminded today: the schedule waits REMINDER_AFTER_DAYS

    status = runner.invoke(args=["mail", "status", "mini-survey"])
    assert "\treminder\tall\t1 addresses\t1 sent\t0 failed\t0 waiting" in status.output
    purged = runner.invoke(args=["mail", "purge", "mini-survey", "--yes"])
    assert purged.output.strip() == "deleted 3 addresses of mini-survey"


def invite_list(runner: FlaskCliRunner, path: Path, text: str):
    path.write_text(text)
    return runner.invoke(args=["invite", "mini-survey", "--audience", "peer", "--emails", str(path)])


def test_a_list_with_mistakes_names_row_and_column_and_sends_nothing(
    runner: FlaskCliRunner, make_survey, smtp_server, tmp_path: Path
) -> None:
    make_survey()
    result = invite_list(runner, tmp_path / "peers.csv", "email,language\nok@example.org,en\n,en\nz@example.org,fr\n")
    assert result.exit_code == 1
    assert "peers.csv, row 3, column email: empty (each row needs an address)" in result.output
    assert "peers.csv, row 4, column language: 'fr' is not one of the survey's languages (en, he)" in result.output
    assert smtp_server.received == []


def test_email_without_a_mail_server_says_what_to_set(runner: FlaskCliRunner, make_survey, tmp_path: Path) -> None:
    make_survey()
    result = invite_list(runner, tmp_path / "a.csv", "email\na@example.org\n")
    assert result.exit_code == 1
    assert "SURVEYAPP_SMTP_HOST" in result.output


def test_links_use_the_configured_base_url(app: Flask, runner: FlaskCliRunner, make_survey) -> None:
    make_survey()
    app.config["BASE_URL"] = "http://127.0.0.1:8080"
    result = runner.invoke(args=["invite", "mini-survey", "--audience", "peer", "--count", "2"])
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert lines[0] == "audience,link"
    assert all(line.startswith("peer,http://127.0.0.1:8080/r/") for line in lines[1:])
    assert ":5000" not in result.output


def test_base_url_comes_from_what_make_run_recorded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from surveyapp import _instance_base_url

    monkeypatch.delenv("SURVEYAPP_BASE_URL", raising=False)
    assert _instance_base_url(tmp_path) == "http://127.0.0.1:5000"
    (tmp_path / "base_url").write_text("http://127.0.0.1:8123\n")
    assert _instance_base_url(tmp_path) == "http://127.0.0.1:8123"


def test_make_run_records_the_address_it_serves_at() -> None:
    makefile = (Path(__file__).resolve().parent.parent / "Makefile").read_text()
    for target in ("run:", "dev:"):
        recipe = makefile.split(target, 1)[1].split("\n\n", 1)[0]
        assert "> instance/base_url" in recipe


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) not installed")
def test_qr_slips_as_pdf(app: Flask, runner: FlaskCliRunner, make_survey, tmp_path: Path) -> None:
    make_survey()
    app.config["BASE_URL"] = BASE
    out = tmp_path / "slips.pdf"
    result = runner.invoke(
        args=["invite", "mini-survey", "--audience", "peer", "--count", "10", "--format", "pdf", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert f"wrote {out}: 10 slips for peer, 8 a page, links to {BASE}" in result.output
    text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, check=True, text=True).stdout
    assert sum(line.strip().startswith(f"{BASE}/r/") for line in text.splitlines()) == 10
    assert text.count("\f") == 2  # two pages
    missing = runner.invoke(args=["invite", "mini-survey", "--audience", "peer", "--format", "pdf"])
    assert missing.exit_code == 2
    assert "--format pdf needs --out FILE.pdf" in missing.output
