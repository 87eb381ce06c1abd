"""The admin's invitations page: e-mail and reminders through a real SMTP server, printed slips and posters,
and the response rates on the results page."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from surveyapp.services.accounts import create_user
from tests.mail_helpers import respond, token_in
from tests.smtp_server import SmtpServer, running_smtp_server

PASSWORD = "correct horse battery staple"
BASE = "https://survey.example.org/peers"
MESSAGES = {
    "subject_en": "Please answer: {title}",
    "body_en": "Your link: {link}",
    "subject_he": "נא לענות: {title}",
    "body_he": "הקישור שלך: {link}",
}


@pytest.fixture
def smtp_server(app: Flask) -> Iterator[SmtpServer]:
    for server in running_smtp_server():
        app.config.update(server.config(), BASE_URL=BASE, MAIL_BATCH_SIZE=2)
        yield server


def sign_in(client: FlaskClient, role: str = "admin") -> None:
    email = f"{role}@example.org"
    create_user(email, PASSWORD, role, dt.datetime.now(dt.UTC), None)
    assert client.post("/login", data={"email": email, "password": PASSWORD}).status_code == 302


def test_admin_sends_invitations_in_batches_and_a_reminder(client: FlaskClient, make_survey, smtp_server) -> None:
    make_survey()
    sign_in(client)
    page = client.get("/admin/surveys/mini-survey/invitations/")
    assert page.status_code == 200
    assert "Invite by e-mail" in page.text
    assert "This is your personal link" in page.text  # the shipped English default, ready to edit
    listing = "email,unit,language\na@example.org,Ward 1,en\nb@example.org,Ward 1,he\nbounce@example.org,,en\n"
    sent = client.post(
        "/admin/surveys/mini-survey/invitations/email",
        data={"audience": "peer", "addresses": listing, **MESSAGES},
        follow_redirects=True,
    )
    assert "3 invitations queued." in sent.text
    assert "2 sent, 0 failed in this batch; 1 still to send." in sent.text
    assert 'id="continue-sending"' in sent.text
    more = client.post("/admin/surveys/mini-survey/invitations/send", follow_redirects=True)
    assert "All messages sent" in more.text
    assert "bounce@example.org" in more.text  # the failure, per address
    assert "no such mailbox" in more.text
    by_to = {r.message["To"]: r.message for r in smtp_server.received}
    assert set(by_to) == {"a@example.org", "b@example.org"}
    assert by_to["b@example.org"]["Subject"] == "נא לענות: סקר קטן"
    link = by_to["a@example.org"].get_content()
    assert f"{BASE}/r/" in link  # the configured base URL, never the embedded server's :5000
    respond(token_in(link))

    smtp_server.received.clear()
    reminder = {key: value.replace("Your link", "Still time") for key, value in MESSAGES.items()}
    reminded = client.post("/admin/surveys/mini-survey/invitations/remind", data=reminder, follow_redirects=True)
    assert "Reminder queued for 1 person who has not submitted." in reminded.text
    assert [r.message["To"] for r in smtp_server.received] == ["b@example.org"]

    purged = client.post("/admin/surveys/mini-survey/invitations/purge", follow_redirects=True)
    assert "3 addresses deleted." in purged.text
    assert "a@example.org" not in purged.text


def test_a_list_with_mistakes_sends_nothing_and_names_each_row(client: FlaskClient, make_survey, smtp_server) -> None:
    make_survey()
    sign_in(client)
    bad = client.post(
        "/admin/surveys/mini-survey/invitations/email",
        data={"audience": "peer", "addresses": "email\nok@example.org\nnope\n", **MESSAGES},
        follow_redirects=True,
    )
    assert "the pasted list, row 3, column email: &#39;nope&#39; is not an e-mail address" in bad.text
    assert smtp_server.received == []


def test_without_a_mail_server_the_page_says_what_to_set(client: FlaskClient, make_survey) -> None:
    make_survey()
    sign_in(client)
    page = client.get("/admin/surveys/mini-survey/invitations/")
    assert "set SURVEYAPP_SMTP_HOST" in page.text
    refused = client.post(
        "/admin/surveys/mini-survey/invitations/email",
        data={"audience": "peer", "addresses": "a@example.org", **MESSAGES},
        follow_redirects=True,
    )
    assert "E-mail is not set up" in refused.text


def pdf_text(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "out.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True, text=True).stdout


def decoded_qr(pdf: bytes, tmp_path: Path) -> list[str]:
    """Every QR code on the PDF's first page, read by zbarimg from a 150 dpi rendering."""
    path = tmp_path / "qr.pdf"
    path.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "150", "-png", "-f", "1", "-l", "1", str(path), str(tmp_path / "page")], check=True)
    [image] = tmp_path.glob("page*.png")
    found = subprocess.run(["zbarimg", "--quiet", "--raw", str(image)], capture_output=True, text=True, check=False)
    return found.stdout.split()


needs_poppler = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) not installed")


@needs_poppler
def test_printed_slips_carry_each_personal_link_and_a_qr_code_of_it(
    app: Flask, client: FlaskClient, make_survey, tmp_path: Path
) -> None:
    app.config["BASE_URL"] = BASE
    make_survey(status="draft")  # slips can be printed before the survey opens
    sign_in(client)
    response = client.post("/admin/surveys/mini-survey/invitations/slips", data={"audience": "staff", "count": "3"})
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert 'filename="mini-survey-staff-slips.pdf"' in response.headers["Content-Disposition"]
    text = pdf_text(response.data, tmp_path)
    links = [line.strip() for line in text.splitlines() if line.strip().startswith(f"{BASE}/r/")]
    assert len(set(links)) == 3
    assert "Mini survey" in text
    assert "סקר קטן" in text  # Hebrew comes out as text, in reading order
    assert "הקישור האישי שלך לסקר" in text
    if shutil.which("zbarimg"):
        assert sorted(decoded_qr(response.data, tmp_path)) == sorted(links)
    else:  # no decoder: at least the code segno draws for each link holds that link
        import segno

        assert all(segno.make(link, error="m").designator for link in links)


@needs_poppler
def test_the_poster_carries_the_audiences_open_link(app: Flask, client: FlaskClient, make_survey, tmp_path: Path) -> None:
    app.config["BASE_URL"] = BASE
    make_survey()
    sign_in(client)
    response = client.post("/admin/surveys/mini-survey/invitations/poster", data={"audience": "peer"})
    assert response.mimetype == "application/pdf"
    text = pdf_text(response.data, tmp_path)
    [link] = [line.strip() for line in text.splitlines() if line.strip().startswith(f"{BASE}/o/")]
    if shutil.which("zbarimg"):
        assert decoded_qr(response.data, tmp_path) == [link]
    assert client.get(link.removeprefix(BASE)).status_code in (200, 302)


def test_managers_cannot_send_invitations(client: FlaskClient, make_survey) -> None:
    make_survey()
    sign_in(client, "manager")
    assert client.get("/admin/surveys/mini-survey/invitations/").status_code == 403
    assert client.post("/admin/surveys/mini-survey/invitations/email", data={"addresses": "a@example.org"}).status_code == 403


def test_results_page_shows_response_rates_per_audience(client: FlaskClient, make_survey, smtp_server) -> None:
    make_survey()
    sign_in(client)
    listing = "email,unit\n" + "".join(f"p{i}@example.org,Ward {i % 2}\n" for i in range(12))
    client.post("/admin/surveys/mini-survey/invitations/email", data={"audience": "peer", "addresses": listing, **MESSAGES})
    while 'id="continue-sending"' in client.get("/admin/surveys/mini-survey/invitations/").text:
        client.post("/admin/surveys/mini-survey/invitations/send")
    for received in smtp_server.received[:11]:
        respond(token_in(received.message.get_content()))
    page = client.get("/dashboard/mini-survey")
    assert page.status_code == 200
    assert 'id="response-rates"' in page.text
    assert "<td>12</td><td>11</td><td>11</td><td>92%</td>" in page.text.replace("\n", "")
    assert "Ward 0" in page.text


def test_a_mail_server_outage_pauses_sending_without_a_retry_loop(app: Flask, client: FlaskClient, make_survey) -> None:
    from tests.smtp_server import free_port

    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=free_port(), SMTP_TLS="none", SMTP_FROM="surveys@peerscope.example")
    make_survey()
    sign_in(client)
    paused = client.post(
        "/admin/surveys/mini-survey/invitations/email",
        data={"audience": "peer", "addresses": "a@example.org", **MESSAGES},
        follow_redirects=True,
    )
    assert "Sending paused: cannot reach the mail server" in paused.text
    assert 'id="continue-sending" data-auto="0"' in paused.text  # the button waits for the admin
    assert "1 message still to send." in paused.text
