"""The schema revisions this release's migration scripts know, read once per process."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from alembic.script import ScriptDirectory

__all__ = ["head_revisions", "known_revisions"]


@cache
def _script_directory(migrations_dir: str) -> ScriptDirectory:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", migrations_dir)
    return ScriptDirectory.from_config(config)


@cache
def head_revisions(migrations_dir: str) -> frozenset[str]:
    """The revision(s) a database migrated by this release is at."""
    return frozenset(_script_directory(migrations_dir).get_heads())


@cache
def known_revisions(migrations_dir: str) -> frozenset[str]:
    """Every revision of this release's scripts: a database at any of them can be upgraded to the head."""
    return frozenset(script.revision for script in _script_directory(migrations_dir).walk_revisions())
