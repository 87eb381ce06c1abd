"""Response rates: invited, started and submitted per audience and unit, small counts protected."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterator

import pytest

from surveyapp.services.address_list import Addressee
from surveyapp.services.mail_messages import default_messages
from surveyapp.services.mailing import add_addresses, purge_addresses, send_batch, start_reminder
from surveyapp.services.response_rates import response_rates
from surveyapp.services.smtp import SmtpSettings
from surveyapp.services.surveys import get_survey
from tests.mail_helpers import NOW, SECRET, respond, token_in
from tests.smtp_server import SmtpServer, running_smtp_server

LANGS = ["en", "he"]


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    yield from running_smtp_server()


def mail(server: SmtpServer, audience: str, units: dict[str, int]) -> dict[str, list[str]]:
    """Invite ``units[u]`` addresses per unit; returns each unit's tokens as the messages carried them."""
    addressees = [
        Addressee(f"{audience}-{u}-{i}@example.org".replace(" ", ""), u, "en") for u, n in units.items() for i in range(n)
    ]
    add_addresses("mini-survey", audience, addressees, default_messages("invitation", LANGS), NOW, None, SECRET)
    settings = SmtpSettings.from_config({**server.config(), "SMTP_TIMEOUT": 10})
    while send_batch("mini-survey", settings, "http://h", SECRET, NOW, 50).waiting:
        pass
    tokens: dict[str, list[str]] = {u: [] for u in units}
    for received in server.received:
        to = received.message["To"]
        for u in units:
            if to.startswith(f"{audience}-{u.replace(' ', '')}-"):
                tokens[u].append(token_in(received.message.get_content()))
    server.received.clear()
    return tokens


def shown_numbers_isolate_nobody(rates: dict, k: int) -> None:
    """The attacker: every shown count and every difference of two or three shown counts of nested groups."""
    for row in [*rates["audiences"], rates["total"]]:
        groups = [row, *row.get("units", [])]
        values = [g[m] for g in groups for m in ("started", "submitted") if g[m] is not None]
        assert all(v == 0 or v >= k for v in values), values
        if row["started"] is not None and row["submitted"] is not None:
            assert not 0 < row["started"] - row["submitted"] < k
        for measure in ("started", "submitted"):
            total = row[measure]
            parts = [u[measure] for u in row.get("units", [])]
            if total is None or not parts:
                continue
            if all(p is not None for p in parts):  # every unit shown: the rest came through other links
                assert not 0 < total - sum(parts) < k
            for a, b in itertools.combinations([p for p in parts if p is not None], 2):
                assert not 0 < total - a - b < k or len(parts) > 2


def test_counts_per_audience_and_unit(make_survey, smtp_server) -> None:
    make_survey()
    peers = mail(smtp_server, "peer", {"Ward A": 8, "Ward B": 7})
    for token in peers["Ward A"][:6]:
        respond(token)
    for token in peers["Ward B"][:6]:
        respond(token)
    respond(peers["Ward B"][6], submit=False)
    rates = response_rates(get_survey("mini-survey"), SECRET)
    peer = rates["audiences"][0]
    assert (peer["audience"], peer["invited"], peer["submitted"], peer["share"]) == ("peer", 15, 12, 80)
    assert peer["started"] is None  # 13 started, 12 submitted: the one in progress would be 13 - 12
    units = {u["unit"]: u for u in peer["units"]}
    assert (units["Ward A"]["invited"], units["Ward A"]["submitted"], units["Ward A"]["share"]) == (8, 6, 75)
    assert (units["Ward B"]["invited"], units["Ward B"]["submitted"]) == (7, 6)
    staff = rates["audiences"][1]
    assert (staff["invited"], staff["started"], staff["submitted"], staff["share"]) == (0, 0, 0, None)
    shown_numbers_isolate_nobody(rates, 5)


def test_a_unit_with_fewer_than_the_minimum_is_hidden_with_a_second_one(make_survey, smtp_server) -> None:
    make_survey()
    peers = mail(smtp_server, "peer", {"Ward A": 6, "Ward B": 7, "Ward C": 3})
    for token in peers["Ward A"] + peers["Ward B"] + peers["Ward C"][:1]:
        respond(token)
    rates = response_rates(get_survey("mini-survey"), SECRET)
    peer = rates["audiences"][0]
    units = {u["unit"]: u for u in peer["units"]}
    assert units["Ward C"]["submitted"] is None  # one person
    assert units["Ward C"]["invited"] == 3  # invitations are not people who answered: shown
    assert units["Ward A"]["submitted"] is None  # else 14 - 6 - 7 = 1 would show Ward C's
    assert peer["submitted"] == 14
    shown_numbers_isolate_nobody(rates, 5)


def test_over_time_moves_in_steps_of_the_minimum(make_survey, smtp_server) -> None:
    make_survey()
    peers = mail(smtp_server, "peer", {"Ward A": 9})
    for day, token in enumerate(peers["Ward A"][:7]):
        respond(token, now=NOW + dt.timedelta(days=day))
    series = response_rates(get_survey("mini-survey"), SECRET)["over_time"]
    submitted = [point["audiences"]["peer"]["submitted"] for point in series]
    assert all(s % 5 == 0 for s in submitted)
    assert submitted[-1] == 5
    assert {point["audiences"]["peer"]["invited"] for point in series} == {9}
    assert all(not 0 < b - a < 5 for a, b in itertools.pairwise(submitted))


def test_reminders_and_lagging_units_are_shown_and_purging_ends_unit_counts(make_survey, smtp_server) -> None:
    make_survey()
    peers = mail(smtp_server, "peer", {"Ward A": 10, "Ward B": 10})
    for token in peers["Ward A"][:9] + peers["Ward B"][:5]:
        respond(token)
    start_reminder("mini-survey", default_messages("reminder", LANGS), NOW, None, SECRET, 2)
    settings = SmtpSettings.from_config({**smtp_server.config(), "SMTP_TIMEOUT": 10})
    send_batch("mini-survey", settings, "http://h", SECRET, NOW, 50)
    rates = response_rates(get_survey("mini-survey"), SECRET)
    assert rates["reminders"] == [{"date": "2026-11-24", "audience": None, "addresses": 6, "sent": 6}]
    units = {u["unit"]: u for u in rates["audiences"][0]["units"]}
    assert (units["Ward A"]["share"], units["Ward B"]["share"]) == (90, 50)
    assert units["Ward B"]["behind"]
    assert not units["Ward A"]["behind"]
    purge_addresses("mini-survey", NOW, None)
    after = response_rates(get_survey("mini-survey"), SECRET)
    assert not after["units_known"]
    assert {u["unit"]: (u["invited"], u["submitted"]) for u in after["audiences"][0]["units"]} == {
        "Ward A": (10, None),
        "Ward B": (10, None),
    }


def test_the_shared_cache_follows_every_start_and_submission(make_survey, smtp_server) -> None:
    make_survey()
    peers = mail(smtp_server, "peer", {"Ward A": 12})
    for token in peers["Ward A"][:5]:
        respond(token)
    before = response_rates(get_survey("mini-survey"), SECRET)
    assert before == response_rates(get_survey("mini-survey"), SECRET)  # the second read comes from the cache
    for token in peers["Ward A"][5:10]:
        respond(token, submit=False)
    started = response_rates(get_survey("mini-survey"), SECRET)["audiences"][0]
    assert (started["started"], started["submitted"]) == (10, 5)
    for token in peers["Ward A"][5:10]:
        respond(token)
    submitted = response_rates(get_survey("mini-survey"), SECRET)["audiences"][0]
    assert (submitted["started"], submitted["submitted"]) == (10, 10)
