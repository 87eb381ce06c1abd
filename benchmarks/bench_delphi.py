"""Delphi benchmark: creating round 2 from a round 1 of 30 role tasks answered by 1,000 respondents.

Target (issue 10): next-round creation under 2 s. Each run builds a fresh
SQLite database (migrated) with the example Delphi spec (docs/examples/role-delphi.yaml:
the shipped 30-task inventory, three audiences), 1,000 single-use links and
1,000 submitted synthetic responses, then times ``next_round`` alone: the
round-1 results it computes and snapshots, the copy of every link into round
2, the counters, the audit events and the commit. REPEAT runs; the median
and the slowest are printed, with OK/MISSED against the target.
"""

from __future__ import annotations

import datetime as dt
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_S = 2.0
REPEAT = 3
RESPONDENTS = 1000
NOW = dt.datetime(2026, 12, 7, 9, 0, tzinfo=dt.UTC)


def one_run(folder: Path) -> float:
    from flask_migrate import upgrade

    from surveyapp import create_app
    from surveyapp.services.delphi_rounds import next_round
    from surveyapp.services.demo import add_synthetic_responses
    from surveyapp.services.invitations import issue_invitations
    from surveyapp.services.surveys import create_survey, set_status

    app = create_app(
        {"DATABASE_URL": f"sqlite:///{folder / 'bench.db'}", "SECRET_KEY": "bench", "INSTRUMENTS_DIR": str(ROOT / "instruments")}
    )
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        spec = (ROOT / "docs" / "examples" / "role-delphi.yaml").read_text(encoding="utf-8")
        survey = create_survey(spec, "role-delphi.yaml", ROOT / "instruments", NOW, None)
        set_status(survey.slug, "open", NOW, None)
        for audience, share in (("peer", 0.2), ("staff", 0.5), ("service_user", 0.3)):
            issue_invitations(survey.slug, audience, int(RESPONDENTS * share), NOW, None)
        add_synthetic_responses(survey, RESPONDENTS, NOW)
        started = time.perf_counter()
        following = next_round(survey, None, NOW + dt.timedelta(days=7), "bench")
        elapsed = time.perf_counter() - started
        asked = len(following.round_feedback["tasks"])
        dropped = len(following.round_feedback["dropped"])
        print(f"  round 2 '{following.slug}': {asked} tasks asked, {dropped} settled and dropped; {elapsed:.3f} s")
    return elapsed


def main() -> int:
    print(f"next round: 30 tasks, {RESPONDENTS} respondents and links, SQLite; {REPEAT} runs")
    times = []
    for _ in range(REPEAT):
        with tempfile.TemporaryDirectory() as folder:
            times.append(one_run(Path(folder)))
    median, slowest = statistics.median(times), max(times)
    verdict = "OK" if slowest < TARGET_S else "MISSED"
    print(f"next_round: median {median:.3f} s, slowest {slowest:.3f} s (target < {TARGET_S:.0f} s): {verdict}")
    return 0 if verdict == "OK" else 1


if __name__ == "__main__":
    sys.exit(main())
