"""Flask-Migrate, imported only when a migration runs.

Importing Flask-Migrate imports Alembic, Mako and Pygments: about 11 MB in every web worker,
which never migrates. The app gets a stand-in for ``app.extensions["migrate"]`` and a ``db``
command group that import Flask-Migrate on first use, so ``flask db upgrade`` and
``flask_migrate.upgrade()`` work as before.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

import click
from flask import Flask
from flask_sqlalchemy import SQLAlchemy

__all__ = ["init_migrations"]

OPTIONS = {"render_as_batch": True, "compare_type": True}


class MigrateConfig:
    """What Flask-Migrate and ``migrations/env.py`` read from ``app.extensions["migrate"]``."""

    def __init__(self, db: SQLAlchemy, directory: str) -> None:
        self.db = db
        self.directory = directory
        self.configure_args = dict(OPTIONS)

    @property
    def metadata(self) -> Any:
        """The models' metadata (older Flask-Migrate templates read it here)."""
        return self.db.metadata

    @cached_property
    def migrate(self) -> Any:
        """Flask-Migrate's ``Migrate``, built at the first migration command."""
        from flask_migrate import Migrate

        return Migrate(db=self.db, directory=self.directory, **OPTIONS)


class LazyMigrateGroup(click.Group):
    """Flask-Migrate's ``flask db`` group, imported when one of its commands runs."""

    def __init__(self) -> None:
        super().__init__("db", help="Perform database migrations.", callback=self._callback)

    @cached_property
    def _group(self) -> click.Group:
        from flask_migrate.cli import db

        return db

    def get_params(self, ctx: click.Context) -> list[click.Parameter]:
        """The real group's options (``--directory``, ``--x-arg``)."""
        return self._group.get_params(ctx)

    def list_commands(self, ctx: click.Context) -> list[str]:
        """The real group's command names."""
        return self._group.list_commands(ctx)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """One of the real group's commands."""
        return self._group.get_command(ctx, cmd_name)

    def _callback(self, **params: Any) -> Any:
        return click.get_current_context().invoke(self._group.callback, **params)


def init_migrations(app: Flask, db: SQLAlchemy, directory: str) -> None:
    """Register migrations on the app without importing Alembic."""
    app.extensions["migrate"] = MigrateConfig(db, directory)
    app.cli.add_command(LazyMigrateGroup())
