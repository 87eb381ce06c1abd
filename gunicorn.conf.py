"""gunicorn settings for Peerscope: ``gunicorn -c gunicorn.conf.py wsgi:app`` (`make run` and production alike).

gunicorn also reads this file by itself when started from this directory.
Command-line options (``-w``, ``-b``) override what is set here.

Workers: ``WEB_CONCURRENCY`` if set, else two per core plus one (sync
workers: a respondent's page save is short and mostly waits on the
database). Address: loopback only; a reverse proxy with TLS sits in front
(docs/deploy.md, "Serving"). ``kill -HUP <master pid>`` (``systemctl reload``)
starts new workers on the new code and configuration and lets the old ones
finish their requests: no request is cut off.

Logs: a respondent's link token (/r/<token>, /o/<token>) is the key to their
answers, so no log line may hold one. The access log format records no query
string and no referrer, and :class:`RedactingLogger` replaces every token in
the path, in every other atom and in the error log with ``[token]``
(surveyapp/redaction.py; tests/security/test_side_doors.py runs a real
gunicorn with this file and reads its logs).
"""

from __future__ import annotations

import os
from typing import Any

from gunicorn.glogging import Logger

from surveyapp.redaction import install, redact_tokens

bind = ["127.0.0.1:5000"]
workers = int(os.environ.get("WEB_CONCURRENCY") or 2 * (os.cpu_count() or 1) + 1)
# A request that takes longer is killed. The longest is a web import of the largest file the server accepts
# (SURVEYAPP_MAX_UPLOAD_MB 16 MB, at most SURVEYAPP_WEB_IMPORT_MAX_ROWS rows): 96,328 responses x 40 answers
# took 6 s on SQLite and 112 s on PostgreSQL on a busy 2-core machine, so 300 s. The proxy in front must
# wait as long (docs/deploy/nginx.conf: proxy_read_timeout). Larger files: `surveyapp responses import`.
timeout = 300
# on HUP or TERM, workers get this long to finish the requests they are serving
graceful_timeout = 30
# a connection kept open by a proxy between requests
keepalive = 5
# gunicorn 27's control socket is one path per user (~/.gunicorn/gunicorn.ctl): two instances on one machine
# (two ports, or `make run` beside a service) would take it from each other. Signals and systemd do its work.
control_socket_disable = True
# address, time, method, path (token redacted, no query string), protocol, status, bytes, milliseconds
access_log_format = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(M)sms'


class RedactingLogger(Logger):
    """gunicorn's logger with tokens redacted and query strings dropped from every access-log atom."""

    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        install(self.error_log)  # "Error handling request /r/<token>/..." and the like

    def atoms(self, resp: Any, req: Any, environ: dict[str, Any], request_time: Any) -> dict[str, Any]:
        atoms = super().atoms(resp, req, environ, request_time)
        path = redact_tokens(environ.get("PATH_INFO") or "")
        atoms["U"] = path
        atoms["r"] = f"{atoms['m']} {path} {atoms['H']}"  # the request line, without its query string
        atoms["q"] = ""
        atoms["f"] = "-"  # the referrer is a page address of this site, with its token
        return {key: redact_tokens(value) if isinstance(value, str) else value for key, value in atoms.items()}


logger_class = RedactingLogger
