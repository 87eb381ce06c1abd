"""Extensions, created unbound; ``create_app`` binds them. ``db`` lives in db/base.py."""

from typing import Any

from flask_babel import Babel
from flask_compress import Compress
from flask_login import LoginManager
from flask_wtf import CSRFProtect

csrf = CSRFProtect()
babel = Babel()
login = LoginManager()
compress = Compress()  # web/assets.py binds it, for static files only


class MigrationSettings:
    """``app.extensions["migrate"]`` as Flask-Migrate's ``init_app`` sets it, with Alembic imported on first use.

    Flask-Migrate imports Alembic (about 0.3 s) as soon as it is imported: every web worker and every
    command paid for it, though only the migration commands and ``/readyz`` use it. The directory is
    known without it; anything else (``db``, ``migrate``, ``configure_args``, read by Flask-Migrate's
    commands and migrations/env.py) builds the real settings then.
    """

    def __init__(self, db: Any, directory: str) -> None:
        self.directory = directory
        self._db = db
        self._real: Any = None

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        if self._real is None:
            from flask_migrate import Migrate, _MigrateConfig

            migrate = Migrate(db=self._db, directory=self.directory, render_as_batch=True)
            self._real = _MigrateConfig(migrate, self._db, **migrate.alembic_ctx_kwargs)
        return getattr(self._real, name)
