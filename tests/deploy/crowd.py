"""Many respondents at once through a real server, and what the database holds afterwards.

Each simulated respondent has a seeded generator: its answers and the pauses between its pages are
random but the same on every run. Answers name the respondent in the comment, so each stored response
can be matched to the one respondent who sent it (the survey is anonymous: nothing else links them).
"""

from __future__ import annotations

import http.client
import random
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from tests.deploy.servers import FIXTURES, SECRET_KEY, Browser

SEED = 20261207
#: a network error (a worker killed mid-request) is what a phone shows as "try again": the respondent presses again
ATTEMPTS = 5


@dataclass
class Respondent:
    number: int
    token: str
    port: int
    pause_s: float
    rng: random.Random = field(init=False)
    statuses: list[int] = field(default_factory=list)
    network_errors: int = 0
    acknowledged: bool = False

    def __post_init__(self) -> None:
        self.rng = random.Random(SEED + self.number)
        self.page1 = {key: str(self.rng.randint(1, 5)) for key in ("mini.clear", "mini.unclear", "mini.valued")}
        self.page2 = {
            "mini.years": str(self.rng.randint(0, 50)),
            "mini.tasks": sorted(self.rng.sample(["1", "2", "3"], self.rng.randint(1, 3))),
            "mini.comments": f"respondent {self.number}",
        }

    def expected(self) -> dict[str, object]:
        numbers = {key: float(value) for key, value in {**self.page1, "mini.years": self.page2["mini.years"]}.items()}
        return {**numbers, "mini.comments": self.page2["mini.comments"]}

    def _send(self, browser: Browser, method: str, path: str, form: dict | None = None):
        for _ in range(ATTEMPTS):
            try:
                reply = browser.request(method, path, form)
            except (OSError, http.client.HTTPException):
                self.network_errors += 1
                time.sleep(0.2)
                continue
            self.statuses.append(reply.status)
            return reply
        raise AssertionError(f"respondent {self.number}: {method} {path} failed {ATTEMPTS} times")

    def run(self) -> None:
        browser = Browser(self.port)
        token = self.token
        csrf = self._send(browser, "GET", f"/r/{token}/consent").csrf()
        steps = [  # the page the phone shows, then the form it sends
            (None, f"/r/{token}/consent", {"consent": "yes"}),
            (f"/r/{token}/p/1", f"/r/{token}/p/1", {"action": "next", **self.page1}),
            (f"/r/{token}/p/2", f"/r/{token}/p/2", {"action": "next", **self.page2}),
            (f"/r/{token}/review", f"/r/{token}/submit", {}),
        ]
        for shown, path, form in steps:
            if shown is not None and self._send(browser, "GET", shown).status != 200:
                return
            time.sleep(self.rng.uniform(0, self.pause_s))  # reading and answering the page
            reply = self._send(browser, "POST", path, {"csrf_token": csrf, **form})
            if reply.status != 302:
                return
        self.acknowledged = reply.location.endswith(f"/r/{token}/done")


def run_crowd(tokens: list[str], port: int, concurrency: int, pause_s: float, during: Callable[[], None] | None = None):
    """Every respondent answers the mini survey; ``during`` runs alongside (a fault); returns them and the seconds."""
    respondents = [Respondent(n, token, port, pause_s) for n, token in enumerate(tokens)]
    began = time.monotonic()
    with ThreadPoolExecutor(max_workers=concurrency + 1) as pool:
        fault = pool.submit(during) if during else None
        for future in [pool.submit(r.run) for r in respondents]:
            future.result()
        if fault is not None:
            fault.result()
    return respondents, time.monotonic() - began


def stored_responses(database_url: str) -> tuple[list[dict[str, object]], list[str]]:
    """Every submitted response's answers by key, and the problems found: a vector that does not match the
    response's answer rows, a response in progress holding part of a page."""
    from surveyapp import create_app
    from surveyapp.db import Response, Survey, db
    from surveyapp.services.responding import answers_of
    from surveyapp.services.survey_data import answer_vector, survey_columns

    app = create_app({"DATABASE_URL": database_url, "SECRET_KEY": SECRET_KEY, "INSTRUMENTS_DIR": str(FIXTURES)})
    pages = ({"mini.clear", "mini.unclear", "mini.valued"}, {"mini.years", "mini.tasks", "mini.comments"})
    submitted, problems = [], []
    with app.app_context():
        for response in db.session.scalars(db.select(Response)).all():
            answers = answers_of(response)
            for page in pages:
                if set(answers) & page and set(answers) & page != page:
                    problems.append(f"response {response.pk}: half a page stored ({sorted(set(answers) & page)})")
            if response.status != "submitted":
                continue
            expected_vector = answer_vector(survey_columns(db.session.get_one(Survey, response.survey_id)), answers)
            if response.vector != expected_vector:
                problems.append(f"response {response.pk}: vector does not match its answer rows")
            row: dict[str, object] = {key: value.num for key, value in answers.items() if value.num is not None}
            row["mini.comments"] = answers["mini.comments"].text if "mini.comments" in answers else None
            submitted.append(row)
        db.session.remove()
        db.engine.dispose()
    return submitted, problems


def check_nothing_lost(respondents: list[Respondent], database_url: str) -> dict[str, int]:
    """Every acknowledged response stored exactly once with every answer; nothing half-written; no 5xx."""
    submitted, problems = stored_responses(database_url)
    assert problems == []
    by_comment = Counter(str(row["mini.comments"]) for row in submitted)
    for respondent in respondents:
        name = f"respondent {respondent.number}"
        if respondent.acknowledged:
            assert by_comment[name] == 1, f"{name}: stored {by_comment[name]} times"
        assert by_comment[name] <= 1
    rows = {str(row["mini.comments"]): row for row in submitted}
    for respondent in respondents:
        if respondent.acknowledged:
            row = rows[f"respondent {respondent.number}"]
            assert {key: row.get(key) for key in respondent.expected()} == respondent.expected()
    statuses = Counter(status for r in respondents for status in r.statuses)
    return {
        "acknowledged": sum(r.acknowledged for r in respondents),
        "stored": len(submitted),
        "server_errors": sum(count for status, count in statuses.items() if status >= 500),
        "network_errors": sum(r.network_errors for r in respondents),
        "requests": sum(statuses.values()),
    }
