"""E-mail invitations and reminders against a real SMTP server on 127.0.0.1 (aiosmtpd)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy import select, update

from surveyapp.db import Invitation, MailRecipient, db
from surveyapp.services.address_list import Addressee, AddressListError, read_addresses
from surveyapp.services.mail_messages import check_messages, default_messages
from surveyapp.services.mail_tokens import open_token
from surveyapp.services.mailing import add_addresses, purge_addresses, send_batch, sending_status, start_reminder
from surveyapp.services.smtp import SmtpSettings
from surveyapp.services.surveys import SurveyError
from surveyapp.services.tokens import hash_token
from tests.mail_helpers import NOW, SECRET, respond, token_in
from tests.smtp_server import SmtpServer, running_smtp_server

BASE = "https://survey.example.org"
LANGS = ["en", "he"]


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    yield from running_smtp_server()


def settings(server: SmtpServer) -> SmtpSettings:
    return SmtpSettings.from_config({**server.config(), "SMTP_TIMEOUT": 10})


def people(*emails: str, unit: str | None = None, language: str = "en") -> list[Addressee]:
    return [Addressee(e, unit, language) for e in emails]


def invite_all(slug: str, addressees: list[Addressee], audience: str = "peer") -> None:
    add_addresses(slug, audience, addressees, default_messages("invitation", LANGS), NOW, None, SECRET)


def drain(server: SmtpServer, slug: str = "mini-survey", now: dt.datetime = NOW, size: int = 25):
    results = []
    while True:
        result = send_batch(slug, settings(server), BASE, SECRET, now, size)
        results.append(result)
        if not result.waiting or result.error:
            return results


def test_each_address_gets_its_own_message_in_its_language(make_survey, smtp_server: SmtpServer) -> None:
    make_survey()
    invite_all("mini-survey", people("ana@example.org", unit="Ward 1") + people("dan@example.org", language="he"))
    [result] = drain(smtp_server)
    assert (result.sent, result.failed, result.waiting, result.error) == (2, 0, 0, None)
    by_to = {r.message["To"]: r for r in smtp_server.received}
    assert set(by_to) == {"ana@example.org", "dan@example.org"}
    ids = set()
    for address, received in by_to.items():
        message = received.message
        assert received.recipients == [address]  # one recipient per message: no list, no Bcc
        assert message["From"] == "Quality team <surveys@peerscope.example>"
        assert message.get_content_charset() == "utf-8"
        assert message["Message-ID"].endswith("@peerscope.example>")
        ids.add(message["Message-ID"])
        other = ({"ana@example.org", "dan@example.org"} - {address}).pop()
        assert other.encode() not in received.raw  # no other address travels in this message
        body = message.get_content()
        token = token_in(body)
        assert f"{BASE}/r/{token}" in body
        assert db.session.scalar(select(Invitation).where(Invitation.token_hash == hash_token(token))) is not None
    assert len(ids) == 2
    assert by_to["ana@example.org"].message["Subject"] == "Your views on peer support: Mini survey"
    assert by_to["ana@example.org"].message["Content-Language"] == "en"
    hebrew = by_to["dan@example.org"].message
    assert hebrew["Subject"] == "דעתך על תמיכת עמיתים: סקר קטן"
    assert "הקישור האישי שלך" in hebrew.get_content()
    assert hebrew["Content-Language"] == "he"


def test_a_refused_address_is_reported_and_the_others_are_sent(make_survey, smtp_server: SmtpServer) -> None:
    make_survey()
    invite_all("mini-survey", people("bounce-me@example.org", "ok@example.org"))
    [result] = drain(smtp_server)
    assert (result.sent, result.failed) == (1, 1)
    [failure] = sending_status(_survey()).failures
    assert failure[0] == "bounce-me@example.org"
    assert "550" in failure[2]
    assert "no such mailbox" in failure[2]
    assert [r.message["To"] for r in smtp_server.received] == ["ok@example.org"]


def _survey():
    from surveyapp.services.surveys import get_survey

    return get_survey("mini-survey")


def test_sending_goes_in_batches_and_carries_on_after_a_restart(app: Flask, make_survey, smtp_server: SmtpServer) -> None:
    make_survey()
    invite_all("mini-survey", people(*(f"p{i}@example.org" for i in range(5))))
    first = send_batch("mini-survey", settings(smtp_server), BASE, SECRET, NOW, 2)
    assert (first.sent, first.waiting) == (2, 3)
    db.session.remove()  # a restart: nothing is kept in memory
    assert sending_status(_survey()).waiting == 3
    drain(smtp_server, size=2)
    assert sorted(r.message["To"] for r in smtp_server.received) == [f"p{i}@example.org" for i in range(5)]


def test_a_batch_claimed_by_a_sender_that_died_is_sent_later_but_not_one_in_flight(make_survey, smtp_server) -> None:
    make_survey()
    invite_all("mini-survey", people("a@example.org", "b@example.org"))
    db.session.execute(update(MailRecipient).values(state="sending", claimed_at=NOW))
    db.session.commit()
    busy = send_batch("mini-survey", settings(smtp_server), BASE, SECRET, NOW + dt.timedelta(minutes=1), 10)
    assert (busy.sent, busy.waiting) == (0, 2)  # another host is sending them right now
    later = send_batch("mini-survey", settings(smtp_server), BASE, SECRET, NOW + dt.timedelta(minutes=11), 10)
    assert (later.sent, later.waiting) == (2, 0)


def test_a_mail_server_that_cannot_be_reached_keeps_every_message_waiting(make_survey) -> None:
    from tests.smtp_server import free_port

    make_survey()
    invite_all("mini-survey", people("a@example.org"))
    down = SmtpSettings("127.0.0.1", free_port(), "none", "", "", "surveys@peerscope.example", 5)
    result = send_batch("mini-survey", down, BASE, SECRET, NOW, 10)
    assert result.error
    assert "cannot reach the mail server" in result.error
    assert (result.sent, result.waiting) == (0, 1)


def test_sending_without_a_mail_server_configured_says_what_to_set(make_survey) -> None:
    make_survey()
    with pytest.raises(SurveyError, match="SURVEYAPP_SMTP_HOST"):
        send_batch("mini-survey", SmtpSettings("", 25, "none", "", "", "", 5), BASE, SECRET, NOW, 10)


def test_a_draft_survey_cannot_mail_links_that_would_not_work(make_survey) -> None:
    make_survey(status="draft")
    with pytest.raises(SurveyError, match="open it before e-mailing"):
        invite_all("mini-survey", people("a@example.org"))


def test_addresses_already_invited_are_left_out(make_survey, smtp_server) -> None:
    make_survey()
    invite_all("mini-survey", people("a@example.org"))
    again = add_addresses(
        "mini-survey", "staff", people("a@example.org", "b@example.org"), default_messages("invitation", LANGS), NOW, None, SECRET
    )
    assert (again.added, again.already_listed) == (1, 1)


@pytest.mark.parametrize("anonymity", ["anonymous", "identified"])
def test_reminders_go_only_to_those_who_have_not_submitted_at_most_n_times(make_survey, smtp_server, anonymity) -> None:
    make_survey(anonymity=anonymity)
    invite_all("mini-survey", people("done@example.org", "started@example.org", "silent@example.org"))
    drain(smtp_server)
    tokens = {r.message["To"]: token_in(r.message.get_content()) for r in smtp_server.received}
    respond(tokens["done@example.org"])
    respond(tokens["started@example.org"], submit=False)
    smtp_server.received.clear()

    reminders = default_messages("reminder", LANGS)
    mailing = start_reminder("mini-survey", reminders, NOW, None, SECRET, 2)
    assert mailing is not None
    assert mailing.recipients == 2
    drain(smtp_server)
    reminded = {r.message["To"]: r.message for r in smtp_server.received}
    assert set(reminded) == {"started@example.org", "silent@example.org"}
    assert reminded["silent@example.org"]["Subject"].startswith("Reminder:")
    assert token_in(reminded["silent@example.org"].get_content()) == tokens["silent@example.org"]  # the same link

    assert start_reminder("mini-survey", reminders, NOW, None, SECRET, 2) is not None  # the second
    drain(smtp_server)
    assert start_reminder("mini-survey", reminders, NOW, None, SECRET, 2) is None  # the limit reached
    assert len(smtp_server.received) == 4


def test_scheduled_reminders_wait_the_configured_days(make_survey, smtp_server) -> None:
    make_survey()
    invite_all("mini-survey", people("a@example.org"))
    drain(smtp_server)
    week = dt.timedelta(days=7)
    assert start_reminder("mini-survey", default_messages("reminder", LANGS), NOW, None, SECRET, 3, not_since=week) is None
    later = NOW + dt.timedelta(days=8)
    assert start_reminder("mini-survey", default_messages("reminder", LANGS), later, None, SECRET, 3, not_since=week)


def test_purged_addresses_are_gone_and_get_no_reminder(make_survey, smtp_server) -> None:
    make_survey()
    invite_all("mini-survey", people("a@example.org", "b@example.org", unit="Ward 2"))
    drain(smtp_server)
    assert purge_addresses("mini-survey", NOW, None) == 2
    rows = db.session.scalars(select(MailRecipient)).all()
    assert all(r.email is None and r.sealed_token is None for r in rows)
    assert [r.unit for r in rows] == ["Ward 2", "Ward 2"]  # what the response rates still count
    assert start_reminder("mini-survey", default_messages("reminder", LANGS), NOW, None, SECRET, 3) is None
    status = sending_status(_survey())
    assert (status.listed, status.purged) == (0, 2)


def test_a_recipient_row_pairs_with_no_invitation_for_a_reader_without_the_secret(make_survey, smtp_server) -> None:
    """Threat: a database reader holding the mail list pairs addresses with invitations (and so with responses
    in progress, or with the used-link marks once they learn a token). Control: the row keeps the token only
    sealed under the app's secret, never the invitation's id or the token's hash; invitations are written in
    another order than the addresses; anonymous surveys keep days only."""
    make_survey()
    emails = [f"p{i:02d}@example.org" for i in range(40)]
    invite_all("mini-survey", people(*emails))
    drain(smtp_server)
    tokens = [token_in(r.message.get_content()) for r in sorted(smtp_server.received, key=lambda r: r.message["To"])]
    recipients = db.session.scalars(select(MailRecipient).order_by(MailRecipient.id)).all()
    invitations = db.session.scalars(select(Invitation).order_by(Invitation.id)).all()
    hashes = {i.token_hash for i in invitations}
    columns = [c.name for c in MailRecipient.__table__.columns]
    assert not {"invitation_id", "token_hash"} & set(columns)
    for recipient, token in zip(recipients, tokens, strict=True):
        stored = b" ".join(str(getattr(recipient, c)).encode() for c in columns if c != "sealed_token")
        stored += recipient.sealed_token or b""
        assert token.encode() not in stored
        assert not any(h.encode() in stored for h in hashes)
        assert open_token(recipient.sealed_token, "another secret") is None
        assert open_token(recipient.sealed_token, SECRET) == token
        assert recipient.invited_at == dt.datetime(2026, 11, 24, tzinfo=dt.UTC).replace(tzinfo=recipient.invited_at.tzinfo)
    # the invitations' row order is not the addresses' order
    assert [hash_token(t) for t in tokens] != [i.token_hash for i in invitations]


def test_address_lists_name_the_row_and_column_of_each_problem() -> None:
    text = "email,unit,language\nana@example.org,Ward 1,en\nnot-an-address,Ward 1,en\nana@example.org,,he\nbo@example.org,,fr\n"
    with pytest.raises(AddressListError) as caught:
        read_addresses(text, LANGS, "staff.csv")
    assert caught.value.problems == [
        "staff.csv, row 3, column email: 'not-an-address' is not an e-mail address",
        "staff.csv, row 4, column email: ana@example.org is already on row 2",
        "staff.csv, row 5, column language: 'fr' is not one of the survey's languages (en, he)",
    ]
    with pytest.raises(AddressListError, match=r"row 1: no `email` column \(the columns are: mail, unit\)"):
        read_addresses("mail,unit\na@example.org,x\n", LANGS, "x.csv")
    pasted = read_addresses("A@Example.org\n\nb@example.org\n", LANGS)
    assert pasted == [Addressee("a@example.org", None, "en"), Addressee("b@example.org", None, "en")]
    semicolons = read_addresses("email;unit;language\nc@example.org;Ward 9;he\n", LANGS)
    assert semicolons == [Addressee("c@example.org", "Ward 9", "he")]


def test_a_message_needs_its_link_and_a_subject_on_one_line() -> None:
    with pytest.raises(SurveyError, match=r"the he message must contain \{link\}"):
        check_messages({"en": {"subject": "s", "body": "{link}"}, "he": {"subject": "s", "body": "no link"}}, LANGS)
    checked = check_messages({"en": {"subject": "Hi\r\nBcc: all@example.org", "body": "go: {link}"}}, ["en"])
    assert checked["en"]["subject"] == "Hi Bcc: all@example.org"  # one header line, no injected header
