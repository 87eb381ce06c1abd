"""The app's routes, collected from the URL map, and a value for every URL parameter from a seeded world."""

from __future__ import annotations

from flask import url_for

from surveyapp import create_app
from tests.security.conftest import World

NEVER_ISSUED = "a-token-that-was-never-issued-x7Qp2"
# which respondent link each respondent route is tried with by its holder (default: a response in progress)
RESPONDENT_TOKEN = {"respond.open_link": "open", "respond.done": "done"}


def _routes() -> list[tuple[str, str, str]]:
    """(endpoint, method, rule) for every route, from a quiet app (building the URL map touches no database)."""
    app = create_app({"TESTING": True, "DATABASE_URL": "sqlite://", "SECRET_KEY": "collect"})
    return sorted(
        (rule.endpoint, method, rule.rule)
        for rule in app.url_map.iter_rules()
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"})  # type: ignore[operator]
    )


ROUTES = _routes()


def url(world: World, endpoint: str, token: str = NEVER_ISSUED, **overrides: object) -> str:
    """The endpoint's address on the seeded survey. A new URL parameter name needs a value here."""
    values: dict[str, object] = {
        "slug": world.slug,
        "token": token,
        "number": 1,
        "user_id": world.target_user_id,
        "name": "overview",
        "fmt": "wide",
        "filename": "peerscope.css",
        **overrides,
    }
    if endpoint.startswith("delphi.") or endpoint == "admin.next_round":  # pages of a Delphi: the seeded Delphi
        values = {**values, "slug": world.delphi_slug, "fmt": "md", **overrides}
    rule = next(r for r in world.app.url_map.iter_rules() if r.endpoint == endpoint)
    unknown = sorted(rule.arguments - set(values))
    assert not unknown, f"{endpoint}: give tests/security/routes.py url() a value for the URL parameter(s) {unknown}"
    with world.app.test_request_context():
        return url_for(endpoint, **{name: values[name] for name in rule.arguments})


def address(world: World, endpoint: str, actor: str, **overrides: object) -> str:
    """The address ``actor`` tries: the respondent with their own link, everyone else with one never issued."""
    token = world.tokens[RESPONDENT_TOKEN.get(endpoint, "started")] if actor == "respondent" else NEVER_ISSUED
    return url(world, endpoint, token, **overrides)
