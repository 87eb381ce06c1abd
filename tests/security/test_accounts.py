"""Accounts against a curious insider or an outside guesser (issue 9, findings 7 and 8).

Each test is the attack as it was tried on the running app: it worked against the old code
(five wrong passwords locked the owner out for 15 minutes, 40 parallel tries got 8 password
checks against a limit of 5, a copied session cookie outlived sign-out by 8 hours).
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import Counter
from collections.abc import Callable

import pytest
from flask import Flask, g
from flask.testing import FlaskClient
from sqlalchemy import select

import surveyapp.services.accounts as accounts
from surveyapp.db import AuditEvent, User, db
from surveyapp.services.accounts import create_user

OWNER = "lee@example.org"
PASSWORD = "correct horse battery"
ATTACKER = "203.0.113.66"
OWNER_ADDRESS = "198.51.100.7"


class Clock:
    """The app's clock (``app.config["CLOCK"]``), moved by the test instead of sleeping."""

    def __init__(self) -> None:
        self.now = dt.datetime(2026, 12, 7, 9, 0, tzinfo=dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += dt.timedelta(**delta)


@pytest.fixture
def app(app: Flask) -> Flask:
    """Each request loads its user afresh, as in production: the test's app context (shared by the
    test client's requests) would otherwise keep the first request's user in ``g``."""

    @app.before_request
    def forget_loaded_user() -> None:
        g.pop("_login_user", None)

    return app


@pytest.fixture
def clock(app: Flask) -> Clock:
    clock = Clock()
    app.config["CLOCK"] = clock
    return clock


@pytest.fixture
def owner(app: Flask, clock: Clock) -> User:
    return create_user(OWNER, PASSWORD, "manager", clock.now, None)


@pytest.fixture
def checks(monkeypatch: pytest.MonkeyPatch) -> Counter:
    """Counts password verifications (the expensive, guessable step), thread-safe."""
    counted: Counter = Counter()
    lock = threading.Lock()
    real = accounts.check_password_hash

    def counting(hashed: str, password: str) -> bool:
        with lock:
            counted["checks"] += 1
        return real(hashed, password)

    monkeypatch.setattr(accounts, "check_password_hash", counting)
    return counted


def sign_in(client: FlaskClient, password: str = PASSWORD, address: str = OWNER_ADDRESS, email: str = OWNER):
    return client.post("/login", data={"email": email, "password": password}, environ_base={"REMOTE_ADDR": address})


# --- finding 7: nobody can lock the owner out; guessing and spraying are slowed ---------------------------


def test_wrong_passwords_from_an_attacker_do_not_lock_the_owner_out(app: Flask, clock: Clock, owner: User) -> None:
    attacker = app.test_client()
    statuses = Counter(sign_in(attacker, f"wrong password {i}", ATTACKER).status_code for i in range(12))
    assert statuses[401] == 5  # five guesses, then the attacker must wait
    assert statuses[429] == 7
    # the owner, signing in from their own address right away, is not held up at all
    assert sign_in(app.test_client()).status_code == 302


def test_an_attacker_guessing_for_an_hour_delays_the_owner_a_minute_at_most(
    app: Flask, clock: Clock, owner: User, checks: Counter
) -> None:
    attacker = app.test_client()
    for i in range(360):  # a try every 10 seconds for an hour
        sign_in(attacker, f"guess {i}", ATTACKER)
        clock.advance(seconds=10)
    assert checks["checks"] <= 16  # 5 free, then waits of 2, 4, 8 ... 512 s, then 15 minutes each
    owner_client, waited = app.test_client(), 0
    while (response := sign_in(owner_client)).status_code == 429:
        waited += int(response.headers["Retry-After"])
        clock.advance(seconds=int(response.headers["Retry-After"]))
    assert response.status_code == 302
    assert waited <= 60


def test_guesses_from_many_addresses_slow_the_account_but_never_lock_it(
    app: Flask, clock: Clock, owner: User, checks: Counter
) -> None:
    for n in range(40):  # a botnet: 40 addresses, 3 guesses each, all at once
        for i in range(3):
            sign_in(app.test_client(), f"guess {i}", f"192.0.2.{n}")
    assert checks["checks"] <= 10  # the account's own limit across all addresses
    owner_client, waited = app.test_client(), 0
    while (response := sign_in(owner_client)).status_code == 429:
        assert "Too many failed sign-ins for this account" in response.text
        waited += int(response.headers["Retry-After"])
        clock.advance(seconds=int(response.headers["Retry-After"]))
    assert response.status_code == 302
    assert waited <= 60


def test_spraying_many_accounts_from_one_address_is_slowed(app: Flask, clock: Clock, owner: User, checks: Counter) -> None:
    sprayer = app.test_client()
    statuses = [sign_in(sprayer, "Summer2026!", ATTACKER, f"staff{n}@example.org").status_code for n in range(60)]
    assert statuses.count(401) == 20  # one address: 20 tries across all accounts, then waits
    assert checks["checks"] == 20
    refused = sign_in(sprayer, "Summer2026!", ATTACKER, "another@example.org")
    assert refused.status_code == 429
    assert "from your network" in refused.text
    clock.advance(seconds=2)  # the wait grows: one more try after 2 s, then 4 s...
    assert sign_in(sprayer, "x", ATTACKER, "staff99@example.org").status_code == 401
    assert sign_in(sprayer, "x", ATTACKER, "staff98@example.org").status_code == 429
    assert int(sign_in(sprayer, "x", ATTACKER, "staff98@example.org").headers["Retry-After"]) == 4
    # someone else on another address is not affected
    assert sign_in(app.test_client()).status_code == 302


def _race(app: Flask, attempts: int, address_of: Callable[[int], str]) -> Counter:
    barrier = threading.Barrier(attempts)
    statuses: Counter = Counter()
    lock = threading.Lock()

    def attempt(n: int) -> None:
        client = app.test_client()
        barrier.wait()
        status = sign_in(client, f"parallel guess {n}", address_of(n)).status_code
        with lock:
            statuses[status] += 1

    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(attempts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statuses


@pytest.mark.parametrize(
    ("address_of", "allowed"),
    [(lambda n: ATTACKER, 5), (lambda n: f"192.0.2.{n}", 10)],
    ids=["one address", "forty addresses"],
)
def test_parallel_tries_get_no_more_password_checks_than_allowed(
    app: Flask, clock: Clock, owner: User, checks: Counter, address_of: Callable[[int], str], allowed: int
) -> None:
    statuses = _race(app, 40, address_of)
    assert checks["checks"] <= allowed  # never more; with every try at the same instant, exactly this many
    assert checks["checks"] == allowed
    assert statuses[401] == checks["checks"]
    assert statuses[401] + statuses[429] == 40


def test_every_attempt_is_audited_with_its_address_and_never_the_password(app: Flask, clock: Clock, owner: User) -> None:
    sign_in(app.test_client(), "wrong horse battery", ATTACKER)
    sign_in(app.test_client())
    events = db.session.execute(select(AuditEvent.action, AuditEvent.target, AuditEvent.detail)).all()
    attempts = [(a, t, d) for a, t, d in events if a.startswith("auth.")]
    assert attempts == [("auth.failed", OWNER, {"address": ATTACKER}), ("auth.login", OWNER, {"address": OWNER_ADDRESS})]
    assert "horse" not in repr(events)


# --- finding 8: sessions end for every copy; an absolute lifetime ---------------------------------------------


def _copy_of_session(client: FlaskClient) -> FlaskClient:
    thief = client.application.test_client()
    thief.set_cookie("session", client.get_cookie("session").value)
    return thief


def _signed_in(client: FlaskClient) -> bool:
    response = client.get("/dashboard/")
    assert response.status_code in (200, 302)
    return response.status_code == 200


def test_a_copied_cookie_stops_working_at_sign_out(app: Flask, clock: Clock, owner: User) -> None:
    client = app.test_client()
    sign_in(client)
    thief = _copy_of_session(client)
    assert _signed_in(thief)
    client.post("/logout")
    assert not _signed_in(client)
    assert not _signed_in(thief)


def test_a_copied_cookie_stops_working_at_password_change(app: Flask, clock: Clock, owner: User) -> None:
    client = app.test_client()
    sign_in(client)
    thief = _copy_of_session(client)
    new = "a different horse entirely"
    changed = client.post("/account/password", data={"current": PASSWORD, "new": new, "repeated": new})
    assert changed.status_code == 302
    assert _signed_in(client)  # the person who changed it stays signed in here
    assert not _signed_in(thief)
    assert sign_in(app.test_client(), PASSWORD).status_code == 401
    assert sign_in(app.test_client(), new).status_code == 302


def test_a_copied_cookie_stops_working_at_deactivation(app: Flask, clock: Clock, owner: User) -> None:
    client = app.test_client()
    sign_in(client)
    thief = _copy_of_session(client)
    admin = app.test_client()
    create_user("admin@example.org", PASSWORD, "admin", clock.now, None)
    sign_in(admin, email="admin@example.org")
    admin.post(f"/admin/users/{owner.id}/active", data={"active": "0"})
    assert not _signed_in(thief)
    admin.post(f"/admin/users/{owner.id}/active", data={"active": "1"})
    assert not _signed_in(thief)  # reactivating does not bring old sessions back
    assert not _signed_in(client)


def test_a_session_ends_after_its_absolute_lifetime_however_active(app: Flask, clock: Clock, owner: User) -> None:
    client = app.test_client()
    sign_in(client)
    for _ in range(15):  # a request every half hour for seven and a half hours
        clock.advance(minutes=30)
        assert _signed_in(client)
    clock.advance(minutes=31)  # 8 h and 1 minute after signing in
    assert not _signed_in(client)


def test_a_session_ends_after_an_hour_idle(app: Flask, clock: Clock, owner: User) -> None:
    client = app.test_client()
    sign_in(client)
    clock.advance(minutes=59)
    assert _signed_in(client)
    clock.advance(minutes=61)
    assert not _signed_in(client)


# --- password change and reset --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("new", "message"),
    [
        ("short one", "too short"),
        ("qwertyuiop123", "commonly used password"),
        ("Password2026!", "commonly used password with digits or symbols added"),
        ("iloveyou12345", "commonly used password with digits or symbols added"),
        ("lee likes long walks", "contains your e-mail name"),
    ],
)
def test_weak_new_passwords_are_refused_with_the_reason(app: Flask, clock: Clock, owner: User, new: str, message: str) -> None:
    client = app.test_client()
    sign_in(client)
    refused = client.post("/account/password", data={"current": PASSWORD, "new": new, "repeated": new})
    assert refused.status_code == 400
    assert message in refused.text
    assert sign_in(app.test_client()).status_code == 302  # the old password still works


def test_password_change_needs_the_current_password_and_the_new_one_twice(app: Flask, clock: Clock, owner: User) -> None:
    client = app.test_client()
    sign_in(client)
    new = "a different horse entirely"
    wrong = client.post("/account/password", data={"current": "not my password", "new": new, "repeated": new})
    assert "current password is not right" in wrong.text
    differ = client.post("/account/password", data={"current": PASSWORD, "new": new, "repeated": new + "!"})
    assert "two new passwords are not the same" in differ.text
    assert _signed_in(client)


def test_admin_reset_gives_a_temporary_password_that_must_be_replaced(app: Flask, clock: Clock, owner: User) -> None:
    member = app.test_client()
    sign_in(member)
    create_user("admin@example.org", PASSWORD, "admin", clock.now, None)
    admin = app.test_client()
    sign_in(admin, email="admin@example.org")
    page = admin.post(f"/admin/users/{owner.id}/reset")
    assert page.headers["Cache-Control"] == "no-store"
    temporary = page.text.split('<code class="secret">', 1)[1].split("<", 1)[0]
    assert not _signed_in(member)  # the reset ends the account's sessions
    fresh = app.test_client()
    first = sign_in(fresh, temporary)
    assert first.headers["Location"].endswith("/account/password")
    assert fresh.get("/dashboard/").headers["Location"].endswith("/account/password")  # nothing else until then
    new = "my own new passphrase"
    assert fresh.post("/account/password", data={"current": temporary, "new": new, "repeated": new}).status_code == 302
    assert _signed_in(fresh)
    assert sign_in(app.test_client(), temporary).status_code == 401  # replaced: the temporary password is gone


def test_csrf_stays_on_for_the_account_forms(database_url: str, tmp_path) -> None:
    from flask_migrate import upgrade

    from surveyapp import create_app
    from tests.conftest import ROOT

    app = create_app({"TESTING": True, "DATABASE_URL": database_url, "SECRET_KEY": "t", "INSTRUMENTS_DIR": str(ROOT)})
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        user = create_user(OWNER, PASSWORD, "admin", dt.datetime.now(dt.UTC), None)
        client = app.test_client()
        assert sign_in(client).status_code == 400  # no CSRF token
        with client.session_transaction() as session:  # signed in some other way: the forms still need a token
            session.update({"_user_id": user.get_id(), "signed_in_at": 1e10, "seen_at": 1e10, "_fresh": True})
        app.config["CLOCK"] = lambda: dt.datetime.fromtimestamp(1e10, dt.UTC)
        data = {"current": PASSWORD, "new": "another long phrase", "repeated": "another long phrase"}
        assert client.post("/account/password", data=data).status_code == 400
        assert client.post(f"/admin/users/{user.id}/reset").status_code == 400
        assert client.post("/logout").status_code == 400
        db.session.remove()
        db.engine.dispose()


@pytest.mark.parametrize("email", ["x" * 1000 + "@example.org", "lee\x00@example.org"], ids=["very long", "NUL"])
def test_a_hostile_e_mail_is_just_a_failed_sign_in(app: Flask, clock: Clock, owner: User, email: str) -> None:
    assert sign_in(app.test_client(), "not the password", email=email).status_code == 401
    assert sign_in(app.test_client()).status_code == 302
