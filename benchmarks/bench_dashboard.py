"""Dashboard benchmark: 100,000 submitted responses x 40 items (``BENCH_RESPONSES``; 1,000,000 on PostgreSQL).

Targets (design.md, issue 13): at 100,000 responses, data ready in under 2 s
cold and under 200 ms warm (cache hit), peak memory under 300 MB; at
1,000,000 (``make bench-postgres-1m``), under 10 s cold, 200 ms warm, 1.5 GB.

* cold: what the first manager after a restart waits for. A NEW process is
  started and timed from outside, from its start to its exit: interpreter
  start, imports, the app, reading the survey and computing every statistic
  (the dashboard cache emptied first, as a new submission invalidates it);
* recompute: the same computation in a process that has already served one
  (the cache invalidated by a submission while the worker runs) — reported;
* warm: a cache hit.

Peak memory is the cold process's ru_maxrss, libraries included.
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
import sys
import time

from backend import LABEL, uptime

N = int(os.environ.get("BENCH_RESPONSES", "100000"))
REPEAT = int(os.environ.get("BENCH_REPEAT", "3"))
TARGETS = (10.0, 200.0, 1536.0) if N >= 1_000_000 else (2.0, 200.0, 300.0)  # cold s, warm ms, peak MB
WAVES = 2 if N >= 1_000_000 else 1


def child(mode: str, url: str, instruments: str) -> dict[str, float]:
    from surveyapp import create_app
    from surveyapp.db import DashboardCache, db
    from surveyapp.services.dashboard import survey_dashboard
    from surveyapp.services.surveys import get_survey

    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "INSTRUMENTS_DIR": instruments})
    with app.app_context():
        survey = get_survey("bench")
        db.session.query(DashboardCache).delete()
        db.session.commit()
        result = survey_dashboard(survey, viewer=None)
        figures: dict[str, float] = {"responses": result["overview"]["submitted"]}
        if mode == "warm":
            db.session.query(DashboardCache).delete()
            db.session.commit()
            started = time.perf_counter()
            survey_dashboard(survey, viewer=None)
            figures["recompute_s"] = time.perf_counter() - started
            started = time.perf_counter()
            survey_dashboard(survey, viewer=None)
            figures["warm_ms"] = (time.perf_counter() - started) * 1000
    figures["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return figures


def main() -> int:
    if len(sys.argv) == 4:  # child: URL, instruments, mode
        print(json.dumps(child(sys.argv[3], sys.argv[1], sys.argv[2])))
        return 0
    from dataset import database

    url, instruments = database(N, WAVES)
    command = [sys.executable, __file__, url, str(instruments)]
    colds, peaks, warms, recomputes = [], [], [], []
    for _ in range(REPEAT):
        started = time.perf_counter()
        out = subprocess.run([*command, "cold"], capture_output=True, text=True, check=True)  # noqa: S603
        colds.append(time.perf_counter() - started)
        cold = json.loads(out.stdout.strip().splitlines()[-1])
        peaks.append(cold["peak_mb"])
        out = subprocess.run([*command, "warm"], capture_output=True, text=True, check=True)  # noqa: S603
        warm = json.loads(out.stdout.strip().splitlines()[-1])
        warms.append(warm["warm_ms"])
        recomputes.append(warm["recompute_s"])
    cold_s, warm_ms, peak_mb = statistics.median(colds), statistics.median(warms), statistics.median(peaks)
    ok = cold_s < TARGETS[0] and warm_ms < TARGETS[1] and peak_mb < TARGETS[2]
    print(
        f"{LABEL} dashboard  {cold['responses']:.0f} responses x 40 items: cold (new process) {cold_s:.2f} s "
        f"(target < {TARGETS[0]:g}), warm {warm_ms:.0f} ms (target < {TARGETS[1]:g}), peak {peak_mb:.0f} MB "
        f"(target < {TARGETS[2]:g}); recompute in a running process {statistics.median(recomputes):.2f} s; "
        f"medians of {REPEAT}; {uptime()}  {'OK' if ok else 'MISSED'}",
        flush=True,
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
