"""Export benchmark: the wide CSV of 100,000 responses x 40 items.

Targets (issue): streamed, peak memory under 150 MB (the whole process,
libraries included), and within 2x the time of a raw `sqlite3 -csv` dump of
the answer table. Both run in fresh processes.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time

N = int(os.environ.get("BENCH_RESPONSES", "100000"))


def measure(url: str, instruments: str, out: str) -> dict[str, float]:
    from surveyapp import create_app
    from surveyapp.reporting.exports import FORMATS, ExportOptions
    from surveyapp.services.export import export_plan
    from surveyapp.services.surveys import get_survey

    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "INSTRUMENTS_DIR": instruments})
    with app.app_context():
        started = time.perf_counter()
        size = 0
        with open(out, "wb") as target:
            for chunk in FORMATS["wide"].write(export_plan(get_survey("bench")), ExportOptions()):
                size += target.write(chunk)
        seconds = time.perf_counter() - started
    return {
        "seconds": round(seconds, 2),
        "bytes": size,
        "peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def main() -> int:
    if len(sys.argv) == 4:  # child
        print(json.dumps(measure(*sys.argv[1:])))
        return 0
    from dataset import database

    url, instruments = database(N)
    sqlite3 = shutil.which("sqlite3")
    if sqlite3 is None:
        print("export: the sqlite3 command is missing (apt-get install sqlite3); `make bench` installs it")
        return 1
    path = url.removeprefix("sqlite:///")
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        with open(os.path.join(tmp, "answers.csv"), "wb") as dump:
            subprocess.run([sqlite3, "-csv", path, "SELECT * FROM answer;"], stdout=dump, check=True)  # noqa: S603
        floor = time.perf_counter() - started
        child = [sys.executable, __file__, url, str(instruments), os.path.join(tmp, "wide.csv")]
        figures = json.loads(subprocess.run(child, capture_output=True, text=True, check=True).stdout.splitlines()[-1])  # noqa: S603
    ratio = figures["seconds"] / floor
    ok = figures["peak_mb"] < 150 and ratio <= 2.0
    print(
        f"export     wide CSV of {N} responses x 40 items: {figures['seconds']} s vs sqlite3 -csv dump of the answer "
        f"table {floor:.2f} s = {ratio:.2f}x (target <= 2x), peak {figures['peak_mb']} MB (target < 150), "
        f"{figures['bytes'] / 1e6:.0f} MB written  {'OK' if ok else 'MISSED'}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
