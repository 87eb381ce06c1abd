"""Job-definition benchmark: the draft job definition of 30 tasks written as Word, Markdown, CSV and a print page.

Target (issue 10): the document builds in under 2 s. Each format is written
REPEAT times in this process after one warm-up; the median and the slowest
run are printed, with OK/MISSED against the target for Word (the slowest
format: python-docx loads its template and zips the package).
"""

from __future__ import annotations

import statistics
import sys
import time

from surveyapp.reporting.job_definition import WRITERS, DevelopmentItem, job_definition_from_tasks

TARGET_S = 2.0
REPEAT = 10
DOMAINS = ["One-to-one support", "Groups", "Clinical team", "Advocacy", "Education and training", "Records"]


def definition(language: str = "en"):
    tasks = []
    for i in range(30):
        verdict = ("included", "included", "included", "excluded", "open")[i % 5]
        tasks.append(
            {
                "task_id": f"t{i:02d}",
                "domain_id": f"d{i % 6}",
                "domain_title": DOMAINS[i % 6],
                "text": f"Task number {i}: a sentence of ordinary length describing what a peer specialist does here",
                "verdict": verdict,
                "round_settled": None if verdict == "open" else 1 + i % 2,
                "audiences": {
                    "peer": {"percent": 60.0 + i, "n": 58},
                    "staff": {"percent": 40.0 + i, "n": 140},
                    "service_user": {"percent": 50.0 + i, "n": 90},
                },
            }
        )
    plan = [
        DevelopmentItem("need", "item", f"Competency {i}", "Domain", "Staff", 4.0, 3.1, 58, 140, -0.9, -1.2, -0.6, 1, 5, 0.1)
        for i in range(20)
    ]
    return job_definition_from_tasks(
        tasks,
        title="Peer specialist: draft job definition",
        organisation="Benchmark service",
        language=language,
        purpose="Purpose of the role.",
        rounds=2,
        responses={"peer": 58, "staff": 140, "service_user": 90},
        development_plan=plan,
    )


def main() -> int:
    status = 0
    for language in ("en", "he"):
        built = definition(language)
        for name, writer in WRITERS.items():
            writer.write(built)  # warm-up: imports, templates
            times = []
            for _ in range(REPEAT):
                start = time.perf_counter()
                data = writer.write(built)
                times.append(time.perf_counter() - start)
            verdict = ""
            if name == "docx":
                ok = max(times) < TARGET_S
                status |= 0 if ok else 1
                verdict = f"  target < {TARGET_S:.0f} s: {'OK' if ok else 'MISSED'}"
            print(
                f"job definition {language} {name:5s} 30 tasks: median {statistics.median(times) * 1000:7.1f} ms, "
                f"max {max(times) * 1000:7.1f} ms, {len(data) / 1024:6.1f} KiB{verdict}"
            )
    return status


if __name__ == "__main__":
    sys.exit(main())
