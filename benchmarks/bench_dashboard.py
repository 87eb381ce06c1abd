"""Dashboard benchmark: 100,000 submitted responses x 40 items.

Targets (design.md): data ready in under 2 s cold and under 200 ms warm (cache
hit), peak memory under 300 MB. Runs in a fresh process, as a server would:

* first: the very first dashboard of a new process (includes importing the
  statistics libraries) — reported, not a target;
* cold: the cache invalidated (as a new submission does) in a running
  process: reading the survey and computing every statistic again;
* warm: a cache hit.

Peak memory is the process's ru_maxrss, libraries included.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time

N = int(os.environ.get("BENCH_RESPONSES", "100000"))


def measure(url: str, instruments: str) -> dict[str, float]:
    from surveyapp import create_app
    from surveyapp.db import DashboardCache, db
    from surveyapp.services.dashboard import survey_dashboard
    from surveyapp.services.surveys import get_survey

    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "INSTRUMENTS_DIR": instruments})
    with app.app_context():
        db.session.query(DashboardCache).delete()
        db.session.commit()
        survey = get_survey("bench")
        started = time.perf_counter()
        survey_dashboard(survey, viewer=None)
        first = time.perf_counter() - started
        db.session.query(DashboardCache).delete()
        db.session.commit()
        started = time.perf_counter()
        result = survey_dashboard(survey, viewer=None)
        cold = time.perf_counter() - started
        started = time.perf_counter()
        survey_dashboard(survey, viewer=None)
        warm = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "responses": result["overview"]["submitted"],
        "first_s": round(first, 3),
        "cold_s": round(cold, 3),
        "warm_ms": round(warm * 1000, 1),
        "peak_mb": round(peak_mb, 1),
    }


def main() -> int:
    if len(sys.argv) == 3:  # child
        print(json.dumps(measure(sys.argv[1], sys.argv[2])))
        return 0
    from dataset import database

    url, instruments = database(N)
    child = [sys.executable, __file__, url, str(instruments)]
    out = subprocess.run(child, capture_output=True, text=True, check=True)  # noqa: S603 - our own script
    figures = json.loads(out.stdout.strip().splitlines()[-1])
    ok = figures["cold_s"] < 2.0 and figures["warm_ms"] < 200 and figures["peak_mb"] < 300
    print(
        f"dashboard  {figures['responses']} responses x 40 items: cold {figures['cold_s']} s (target < 2), "
        f"warm {figures['warm_ms']} ms (target < 200), peak {figures['peak_mb']} MB (target < 300); "
        f"first of a new process {figures['first_s']} s  "
        f"{'OK' if ok else 'MISSED'}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
