"""Keeping respondents' link tokens out of every log.

A token in ``/r/<token>`` or ``/o/<token>`` is the key to one person's answers
(and an open link's key to a whole audience): whoever reads a log must not be
able to open or resume a response. Flask's error log ("Exception on /r/<token>/p/1"),
werkzeug's development request log and gunicorn's access and error logs (see
gunicorn.conf.py) all pass through :func:`redact_tokens`.
"""

from __future__ import annotations

import logging
import re

__all__ = ["TokenRedactingFilter", "redact_tokens"]

#: the path segment after /r/ or /o/ (tokens are URL-safe base64), wherever a path appears in a message
_TOKEN_PATH = re.compile(r"(/[ro]/)[A-Za-z0-9_%\-.~]+")
REDACTED = "[token]"


def redact_tokens(text: str, token: str | None = None) -> str:
    """``/r/AbC123.../p/1`` -> ``/r/[token]/p/1``; and ``token`` wherever else it appears."""
    if token:
        text = text.replace(token, REDACTED)
    return _TOKEN_PATH.sub(rf"\g<1>{REDACTED}", text)


def _current_token() -> str | None:
    """The token of the request being handled, if any: an exception's message may quote it outside a path."""
    from flask import has_request_context, request

    if has_request_context() and request.view_args:
        token = request.view_args.get("token")
        return token if isinstance(token, str) and token else None
    return None


class TokenRedactingFilter(logging.Filter):
    """Rewrites a record's message and its traceback text with tokens redacted, before any handler sees it."""

    def filter(self, record: logging.LogRecord) -> bool:
        token = _current_token()
        record.msg = redact_tokens(record.getMessage(), token)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact_tokens(record.exc_text, token)
        return True


def install(logger: logging.Logger) -> None:
    """Add the filter to ``logger`` once (create_app may run many times in one process)."""
    if not any(isinstance(f, TokenRedactingFilter) for f in logger.filters):
        logger.addFilter(TokenRedactingFilter())
