"""Memory of a web import: the largest file the web form accepts, posted to the running app.

Target (issue 9; the figure in README, config.py and docs/exports.md): a web
import adds at most 12 MB to a worker per MB of the upload limit (under 200 MB
for the default 16 MB), whatever the file the web accepts
(SURVEYAPP_MAX_UPLOAD_MB and SURVEYAPP_WEB_IMPORT_MAX_ROWS), and a file over the
row limit is refused without being held in memory.

Each case runs in a fresh process: a fresh, migrated SQLite database holding
the benchmark survey (dataset.py's 40-item instrument), an admin signed in,
the upload's request built in memory; then RSS is read (``/proc/self/statm``)
and the request goes through the whole app (multipart parsing, the view, the
import service, the commit). The figure is the process's peak RSS
(``resource.getrusage``) minus its RSS just before the request.

The cases:

* ``wide``: the benchmark survey's own wide export format (response id,
  audience, language, wave, date, source, 40 answers, 8 scores), as many rows
  as the web accepts: the largest real file;
* ``narrow``: the issue's attack, 1.57 million two-cell rows in 15.7 MB, which
  the row limit refuses;
* ``narrow-at-limit``: the most rows the web accepts, two cells each.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import resource
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent
TARGET_MB_PER_LIMIT_MB = 12
CASES = ("wide", "narrow", "narrow-at-limit")


def rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


def wide_rows(header: list[str], rows: int) -> bytes:
    import numpy as np

    rng = np.random.default_rng(7)
    items = [i for i, name in enumerate(header) if name.startswith("bench40.q")]
    scores = [i for i, name in enumerate(header) if name.startswith("bench40.s")]
    lines = [",".join(header)]
    codes = rng.integers(1, 6, size=(rows, len(items)))
    audiences = rng.choice(["peer", "staff", "service_user"], size=rows)
    for r in range(rows):
        cells = [""] * len(header)
        cells[header.index("response_id")] = uuid.UUID(int=int(rng.integers(0, 2**62)) << 64 | r).hex
        cells[header.index("audience")] = str(audiences[r])
        cells[header.index("language")] = "en"
        cells[header.index("wave")] = "1"
        cells[header.index("submitted")] = "2026-11-20"
        cells[header.index("source")] = "web"
        for col, code in zip(items, codes[r], strict=True):
            cells[col] = str(code)
        for n, col in enumerate(scores):
            cells[col] = f"{codes[r, n * 5 : n * 5 + 5].mean():.1f}"
        lines.append(",".join(cells))
    return ("\r\n".join(lines) + "\r\n").encode()


def narrow_rows(rows: int) -> bytes:
    return ("audience,bench40.q00\r\n" + "staff,4\r\n" * rows).encode()


def measure(case: str) -> dict[str, object]:
    import logging

    from dataset import SPEC, instrument_yaml
    from flask_migrate import upgrade
    from werkzeug.test import EnvironBuilder, run_wsgi_app

    from surveyapp import create_app
    from surveyapp.db import db
    from surveyapp.reporting.exports import FORMATS, ExportOptions
    from surveyapp.services.accounts import create_user
    from surveyapp.services.export import export_plan
    from surveyapp.services.surveys import create_survey

    (HERE / ".data").mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(dir=HERE / ".data") as folder:
        instruments = Path(folder) / "instruments"
        instruments.mkdir()
        (instruments / "bench40.yaml").write_text(instrument_yaml(), encoding="utf-8")
        settings = {"DATABASE_URL": f"sqlite:///{folder}/import.db", "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False}
        app = create_app({**settings, "INSTRUMENTS_DIR": str(instruments)})
        logging.disable(logging.INFO)
        max_rows, max_bytes = app.config["WEB_IMPORT_MAX_ROWS"], app.config["MAX_UPLOAD_MB"] * 2**20
        with app.app_context():
            upgrade(directory=str(HERE.parent / "migrations"))
            now = dt.datetime(2026, 11, 24, tzinfo=dt.UTC)
            survey = create_survey(SPEC, "bench.yaml", instruments, now, None)
            header = b"".join(FORMATS["wide"].write(export_plan(survey), ExportOptions(raw=True))).decode()
            create_user("admin@example.org", "bench-password-long", "admin", now, None)
            db.session.remove()
        client = app.test_client()
        client.post("/login", data={"email": "admin@example.org", "password": "bench-password-long"})
        cookie = client.get_cookie("session").value
        if case == "wide":
            columns = header.strip().lstrip("\ufeff").split(",")
            data = wide_rows(columns, max_rows)
            while len(data) > max_bytes:  # as many rows as both limits allow
                data = wide_rows(columns, int(max_rows * max_bytes / len(data) * 0.999))
        elif case == "narrow":
            data = narrow_rows(1_570_000)
        else:
            data = narrow_rows(max_rows)
        rows = data.count(b"\n") - 1
        builder = EnvironBuilder(
            path="/admin/surveys/bench/import",
            method="POST",
            data={"file": (__import__("io").BytesIO(data), "responses.csv")},
            headers={"Cookie": f"session={cookie}"},
        )
        environ = builder.get_environ()
        del builder
        before = rss_mb()
        _, status, _ = run_wsgi_app(app, environ, buffered=True)
        grown = max(0.0, peak_mb() - before)
    megabytes = len(data) / 2**20
    return {
        "case": case,
        "rows": rows,
        "megabytes": round(megabytes, 1),
        "status": status,
        "grown_mb": round(grown),
        "mb_per_mb": round(grown / megabytes, 1),
        "budget_mb": TARGET_MB_PER_LIMIT_MB * max_bytes // 2**20,
    }


def main() -> int:
    if len(sys.argv) == 2:  # child
        print(json.dumps(measure(sys.argv[1])))
        return 0
    ok = True
    for case in CASES:
        out = subprocess.run([sys.executable, __file__, case], capture_output=True, text=True, check=False)  # noqa: S603
        if out.returncode != 0:
            print(f"import memory  {case}: failed\n{out.stderr[-2000:]}", flush=True)
            ok = False
            continue
        figures = json.loads(out.stdout.strip().splitlines()[-1])
        met = figures["grown_mb"] <= figures["budget_mb"]
        ok = ok and met
        print(
            f"import memory  {case}: {figures['rows']} rows, {figures['megabytes']} MB -> {figures['status']}; "
            f"worker grew {figures['grown_mb']} MB ({figures['mb_per_mb']} MB per MB of CSV; target <= "
            f"{figures['budget_mb']} MB = {TARGET_MB_PER_LIMIT_MB} x the upload limit)  {'OK' if met else 'MISSED'}",
            flush=True,
        )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
