"""Peerscope: surveys that define and improve the role of peer specialists."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

from .cli import register_commands
from .config import PROJECT_ROOT, load_config
from .db import db
from .extensions import csrf, migrate


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the application: settings, extensions, blueprints, CLI. Nothing else."""
    app = Flask(__name__, instance_path=str(PROJECT_ROOT / "instance"))
    settings = load_config(config)
    app.config.update(settings)
    app.config["SQLALCHEMY_DATABASE_URI"] = settings["DATABASE_URL"]
    app.config["SECRET_KEY"] = settings["SECRET_KEY"] or _instance_secret(Path(app.instance_path))
    register_extensions(app)
    register_blueprints(app)
    register_commands(app)
    return app


def _instance_secret(instance: Path) -> str:
    """A per-installation key kept in instance/secret_key, so restarts keep sessions valid."""
    path = instance / "secret_key"
    if not path.exists():
        instance.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def register_extensions(app: Flask) -> None:
    db.init_app(app)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)


def register_blueprints(app: Flask) -> None:
    from .web.public import bp as public_bp

    app.register_blueprint(public_bp)
