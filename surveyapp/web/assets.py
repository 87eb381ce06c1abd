"""Static files with versioned URLs, cached for a year, and compressed on the way out.

A results page used to download 5.3 MB on every first visit, 4.8 MB of it plotly.js. Each static URL now
carries ``?v=`` and the first 12 hex digits of the file's SHA-256: a browser keeps the file for a year
(``immutable``) and a new release, whose file changes, has a new URL. CSS, JavaScript, SVG and JSON leave
compressed (Flask-Compress: zstd, brotli or gzip, as the browser accepts). HTML is not compressed: staff
pages carry the CSRF token beside text an attacker can choose (query parameters shown back), which is the
shape the BREACH attack needs to read a secret from compressed sizes.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

from flask import Flask, Response, current_app, request, url_for

__all__ = ["COMPRESSED_TYPES", "asset_url", "init_app", "long_cache"]

YEAR = 365 * 24 * 60 * 60
COMPRESSED_TYPES = ["text/css", "text/javascript", "application/javascript", "application/json", "image/svg+xml"]


@lru_cache(maxsize=64)
def file_version(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12]


def asset_url(filename: str) -> str:
    """The URL of a file under static/, with its content version."""
    folder = Path(current_app.static_folder or "")
    return url_for("static", filename=filename, v=file_version(folder / filename))


def long_cache(response: Response) -> Response:
    """A versioned URL never changes content: the browser may keep it for a year without asking again."""
    if request.args.get("v") and response.status_code == 200:
        response.cache_control.public = True
        response.cache_control.max_age = YEAR
        response.cache_control.immutable = True
        response.cache_control.no_cache = None
    return response


def _read_static_whole(response: Response) -> Response:
    if request.endpoint == "static" and response.status_code == 200 and response.mimetype in COMPRESSED_TYPES:
        response.direct_passthrough = False
        response.make_sequence()  # reads the file and closes it when the response is closed
    return response


def init_app(app: Flask) -> None:
    from ..extensions import compress

    app.config.setdefault("COMPRESS_MIMETYPES", COMPRESSED_TYPES)
    # Streams are left alone: Flask-Compress's streaming path leaves the file of a static response unclosed.
    # Static files are small (plotly.js has its own route, compressed once), so they are read whole instead.
    app.config.setdefault("COMPRESS_STREAMS", False)
    compress.init_app(app)
    app.after_request(_read_static_whole)  # runs before the compressor (after_request runs in reverse order)
    app.jinja_env.globals["asset_url"] = asset_url
