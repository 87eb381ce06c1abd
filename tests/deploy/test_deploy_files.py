"""The example deployment files in docs/deploy/ parse, and agree with gunicorn.conf.py and the app's limits."""

from __future__ import annotations

import configparser
import os
import re
import runpy
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

from surveyapp.config import load_config

ROOT = Path(__file__).resolve().parents[2]
UNIT = ROOT / "docs" / "deploy" / "peerscope.service"
NGINX = ROOT / "docs" / "deploy" / "nginx.conf"
GUNICORN = runpy.run_path(str(ROOT / "gunicorn.conf.py"))


def _unit() -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None, strict=True)
    parser.optionxform = str  # systemd keys are case-sensitive
    parser.read_string(UNIT.read_text(encoding="utf-8"))
    return parser


def test_the_systemd_unit_runs_the_shipped_gunicorn_configuration() -> None:
    unit = _unit()
    assert set(unit.sections()) == {"Unit", "Service", "Install"}
    service = unit["Service"]
    command = shlex.split(service["ExecStart"])
    assert command[0].endswith("/gunicorn")
    assert command[1:] == ["-c", "/srv/peerscope/gunicorn.conf.py", "wsgi:app"]
    assert service["ExecReload"] == "/bin/kill -s HUP $MAINPID"  # graceful reload
    assert service["EnvironmentFile"] == "/etc/peerscope/env"
    assert service["User"] != "root"
    # systemd waits longer than gunicorn gives its workers to finish their requests
    assert int(service["TimeoutStopSec"]) > GUNICORN["graceful_timeout"]
    assert unit["Install"]["WantedBy"] == "multi-user.target"


def _directives(text: str) -> list[str]:
    return [line.split("#", 1)[0].strip() for line in text.splitlines() if line.split("#", 1)[0].strip()]


def test_the_nginx_example_is_balanced_and_fits_the_app() -> None:
    text = NGINX.read_text(encoding="utf-8")
    code = "\n".join(_directives(text))
    assert code.count("{") == code.count("}")
    depth = 0
    for char in code:
        depth += {"{": 1, "}": -1}.get(char, 0)
        assert depth >= 0
    statements = [s.strip() for s in re.split(r"[{};]", code) if s.strip()]
    names = {s.split()[0] for s in statements}
    assert {"upstream", "server", "listen", "ssl_certificate", "proxy_pass", "proxy_read_timeout"} <= names
    settings = {s.split()[0]: s.split(None, 1)[1] if " " in s else "" for s in statements}
    assert int(settings["proxy_read_timeout"].rstrip("s")) >= GUNICORN["timeout"]
    assert int(settings["client_max_body_size"].rstrip("m")) > load_config({})["MAX_UPLOAD_MB"]
    for header in ("X-Forwarded-For", "X-Forwarded-Proto", "X-Forwarded-Host"):
        assert f"proxy_set_header {header}" in code
    # the access log never holds a token or a query string
    log_format = code[code.index("log_format") : code.index(";", code.index("log_format"))]
    for variable in ("$request_uri", "$request ", "$args", "$query_string", "$uri", "$http_referer"):
        assert variable not in log_format
    assert "$peerscope_logged_path" in log_format


def test_the_nginx_log_map_replaces_tokens() -> None:
    pattern = re.search(r"~(\^/\(\?<kind>.*\$)\s", NGINX.read_text(encoding="utf-8")).group(1).replace("(?<", "(?P<")
    found = re.match(pattern, "/r/AbC-123_xyz/p/2")
    assert found is not None
    assert f"/{found['kind']}/[token]{found['rest']}" == "/r/[token]/p/2"
    assert re.match(pattern, "/dashboard/mini-survey") is None


NGINX_BINARY = os.environ.get("NGINX") or shutil.which("nginx")


@pytest.mark.skipif(NGINX_BINARY is None, reason="nginx is not installed (apt-get install nginx; or NGINX=path)")
def test_nginx_accepts_the_example(tmp_path: Path) -> None:
    assert NGINX_BINARY is not None
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-subj",
            "/CN=test",
            "-days",
            "1",
            "-keyout",
            str(tmp_path / "key.pem"),
            "-out",
            str(tmp_path / "cert.pem"),
        ],
        check=True,
        capture_output=True,
    )
    site = NGINX.read_text(encoding="utf-8")
    site = site.replace("/etc/ssl/certs/surveys.example.org.pem", str(tmp_path / "cert.pem"))
    site = site.replace("/etc/ssl/private/surveys.example.org.key", str(tmp_path / "key.pem"))
    site = site.replace("/var/log/nginx/", f"{tmp_path}/")
    (tmp_path / "peerscope.conf").write_text(site, encoding="utf-8")
    temp = "".join(f" {kind}_temp_path {tmp_path}/{kind};\n" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    main = f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\n"
    (tmp_path / "nginx.conf").write_text(f"{main}http {{\n{temp} include peerscope.conf;\n}}\n")
    checked = subprocess.run(
        [NGINX_BINARY, "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")], capture_output=True, text=True
    )
    assert checked.returncode == 0, checked.stderr


def test_make_run_serves_through_the_shipped_gunicorn_and_make_dev_through_flask() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    run = makefile.split("\nrun:", 1)[1].split("\n\n", 1)[0]
    dev = makefile.split("\ndev:", 1)[1].split("\n\n", 1)[0]
    assert "surveyapp demo" in run  # the admin login and a respondent link, printed before serving
    assert "gunicorn -c gunicorn.conf.py -b 127.0.0.1:$(PORT) wsgi:app" in run
    assert "surveyapp run" not in run
    assert "surveyapp run --host 127.0.0.1" in dev


def test_gunicorn_defaults_are_loopback_and_workers_from_the_cores() -> None:
    assert GUNICORN["bind"] == ["127.0.0.1:5000"]
    if not os.environ.get("WEB_CONCURRENCY"):
        assert GUNICORN["workers"] == 2 * (os.cpu_count() or 1) + 1
    assert GUNICORN["timeout"] >= 120  # the largest web import on PostgreSQL took 112 s (docs/deploy.md)
    assert GUNICORN["graceful_timeout"] > 0
