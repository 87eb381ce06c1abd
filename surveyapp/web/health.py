"""Health checks for load balancers and orchestrators: no sign-in, no CSRF, never cached.

``/healthz``: the process answers (touches nothing else, so a database outage
does not get healthy workers restarted). ``/readyz``: this host can serve
(database, schema, instruments; see services/readiness.py).
"""

from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify

from ..db import db
from ..extensions import csrf
from ..services.readiness import readiness

bp = Blueprint("health", __name__)
csrf.exempt(bp)


def _reply(body: dict[str, object], status: int) -> Response:
    response = jsonify(body)
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/healthz")
def healthz() -> Response:
    return _reply({"status": "ok"}, 200)


@bp.get("/readyz")
def readyz() -> Response:
    migrations = current_app.extensions["migrate"].directory
    checks = readiness(db.engine, migrations, current_app.config["INSTRUMENTS_DIR"])
    failed = {check.name: check.detail for check in checks if not check.ok}
    if failed:
        return _reply({"status": "not ready", "failed": failed}, 503)
    return _reply({"status": "ready", "checks": {check.name: check.detail for check in checks}}, 200)
