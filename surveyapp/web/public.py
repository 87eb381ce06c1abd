"""Public pages that need no account."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template

from ..instruments import load_directory

bp = Blueprint("public", __name__)


@bp.get("/")
def index() -> str:
    instruments = load_directory(current_app.config["INSTRUMENTS_DIR"])
    return render_template("public/index.html", instruments=sorted(instruments.values(), key=lambda i: i.id))
