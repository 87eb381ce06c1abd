"""gunicorn settings for Peerscope: ``gunicorn -c gunicorn.conf.py wsgi:app``.

gunicorn also reads this file by itself when started from this directory.
Command-line options (workers, bind address) override what is set here.

Logs: a respondent's link token (/r/<token>, /o/<token>) is the key to their
answers, so no log line may hold one. The access log format records no query
string and no referrer, and :class:`RedactingLogger` replaces every token in
the path, in every other atom and in the error log with ``[token]``
(surveyapp/redaction.py; tests/security/test_side_doors.py runs a real
gunicorn with this file and reads its logs).
"""

from __future__ import annotations

from typing import Any

from gunicorn.glogging import Logger

from surveyapp.redaction import install, redact_tokens

# a request that takes longer is killed; web imports are bounded to fit (SURVEYAPP_WEB_IMPORT_MAX_ROWS)
timeout = 30
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
