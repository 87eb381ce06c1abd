"""Whether a cookie gets the Secure flag, as SURVEYAPP_SECURE_COOKIES says.

``request.is_secure`` alone is wrong behind a TLS-terminating proxy (the app
sees plain http) unless SURVEYAPP_TRUSTED_PROXIES lets ProxyFix read
X-Forwarded-Proto; an https BASE_URL settles it either way.
"""

from __future__ import annotations

from flask import Flask, current_app, has_request_context, request
from flask.sessions import SecureCookieSessionInterface


def secure_cookies() -> bool:
    choice = current_app.config["SECURE_COOKIES"]
    if choice in ("always", "never"):
        return choice == "always"
    return current_app.config["BASE_URL"].startswith("https://") or request.is_secure


class SessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, with the Secure flag decided per request like every other cookie."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return secure_cookies() if has_request_context() else super().get_cookie_secure(app)
