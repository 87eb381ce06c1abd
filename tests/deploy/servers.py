"""Real gunicorn instances on loopback for the deployment tests, and a small stdlib browser to talk to them.

Every server runs the shipped ``gunicorn.conf.py`` and ``wsgi:app`` in its own process group, is waited
for on ``/healthz`` with a deadline, and is killed (the whole group) by the fixture's finalizer, whatever
the test did.
"""

from __future__ import annotations

import datetime as dt
import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures"
SECRET_KEY = "shared-by-every-host"
START_DEADLINE_S = 60
SPEC = {
    "slug": "mini-survey",
    "title": {"en": "Mini survey"},
    "instruments": ["mini"],
    "audiences": ["peer", "staff"],
    "languages": ["en"],
    "consent": {"en": "Please agree."},
    "min_cell_size": 2,  # two submissions publish a batch (services/publication.py)
}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def prepare(database_url: str, respondents: int, staff: dict[str, str] | None = None) -> list[str]:
    """Migrate ``database_url``, create the open mini survey and ``respondents`` invitations; staff accounts."""
    from flask_migrate import upgrade

    from surveyapp import create_app
    from surveyapp.db import db
    from surveyapp.services.accounts import create_user
    from surveyapp.services.invitations import issue_invitations
    from surveyapp.services.surveys import create_survey, set_status

    app = create_app({"DATABASE_URL": database_url, "SECRET_KEY": SECRET_KEY, "INSTRUMENTS_DIR": str(FIXTURES)})
    now = dt.datetime.now(dt.UTC)
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        create_survey(yaml.safe_dump(SPEC), "spec.yaml", FIXTURES, now, None)
        set_status("mini-survey", "open", now, None)
        tokens = issue_invitations("mini-survey", "peer", respondents, now, None) if respondents else []
        for email, role in (staff or {}).items():
            create_user(email, PASSWORD, role, now, None)
        db.session.remove()
        db.engine.dispose()
    return tokens


PASSWORD = "correct horse battery"


@dataclass
class Gunicorn:
    """One app host: ``gunicorn -c gunicorn.conf.py -w N -b 127.0.0.1:PORT wsgi:app``."""

    database_url: str
    workers: int
    logs: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    def start(self) -> Gunicorn:
        env = {
            **os.environ,
            "SURVEYAPP_DATABASE_URL": self.database_url,
            "SURVEYAPP_SECRET_KEY": SECRET_KEY,
            "SURVEYAPP_INSTRUMENTS_DIR": str(FIXTURES),
            "SURVEYAPP_BASE_URL": f"http://127.0.0.1:{self.port}",
        }
        env.pop("WEB_CONCURRENCY", None)
        self.logs.mkdir(parents=True, exist_ok=True)
        command = [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"), "-w", str(self.workers)]
        command += ["-b", f"127.0.0.1:{self.port}", "--error-logfile", str(self.logs / f"error-{self.port}.log"), "wsgi:app"]
        self.process = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)
        deadline = time.monotonic() + START_DEADLINE_S
        while True:
            try:
                if Browser(self.port).get("/healthz").status == 200:
                    return self
            except OSError:
                pass
            if time.monotonic() > deadline or self.process.poll() is not None:
                self.stop()
                raise RuntimeError(f"gunicorn did not start on port {self.port}: {self.error_log()}")
            time.sleep(0.2)

    def error_log(self) -> str:
        path = self.logs / f"error-{self.port}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def worker_pids(self) -> list[int]:
        assert self.process is not None
        out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(self.process.pid)], capture_output=True, text=True)
        return [int(pid) for pid in out.stdout.split()]

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
        except ProcessLookupError:
            pass


@dataclass
class Reply:
    status: int
    headers: http.client.HTTPMessage
    text: str

    @property
    def location(self) -> str:
        return self.headers.get("Location") or ""

    def csrf(self) -> str:
        found = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', self.text)
        assert found is not None, f"no form on the page ({self.status})"
        return found.group(1)


class Browser:
    """A phone or a laptop: keeps its cookies, follows no redirects, may be pointed at another host."""

    def __init__(self, port: int, timeout: float = 30) -> None:
        self.port = port
        self.timeout = timeout
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, form: dict[str, str | list[str]] | None = None) -> Reply:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
        headers = {"Accept-Language": "en"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            connection.request(method, path, body=body, headers=headers)
            reply = connection.getresponse()
            text = reply.read().decode("utf-8", errors="replace")
        finally:
            connection.close()
        for cookie in reply.headers.get_all("Set-Cookie") or []:
            name, _, rest = cookie.partition("=")
            value = rest.split(";", 1)[0]
            if value and "Max-Age=0" not in cookie and "expires=Thu, 01 Jan 1970" not in cookie:
                self.cookies[name] = value
            else:
                self.cookies.pop(name, None)
        return Reply(reply.status, reply.headers, text)

    def get(self, path: str) -> Reply:
        return self.request("GET", path)

    def post(self, path: str, form: dict[str, str | list[str]]) -> Reply:
        return self.request("POST", path, form)
