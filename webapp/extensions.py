"""Every Flask extension, created unbound; ``create_app`` binds them to an app.

Flask-Migrate is not among them: ``webapp.core.migrations`` loads it only when a migration runs.
"""

from __future__ import annotations

from typing import Any

from flask_babel import Babel
from flask_caching import Cache
from flask_login import LoginManager
from flask_sqlalchemy import SQLAlchemy
from flask_sqlalchemy.session import Session as FlaskSession
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import DeclarativeBase

__all__ = ["READ_ENGINE", "Base", "Session", "babel", "cache", "csrf", "db", "login_manager"]

READ_ENGINE = "read_engine"

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base whose constraint names are stable across databases (for Alembic)."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Session(FlaskSession):
    """Flask-SQLAlchemy's session; a read-only page may point it at a replica (core.replica)."""

    def get_bind(
        self, mapper: Any = None, clause: Any = None, bind: Any = None, **kwargs: Any
    ) -> Engine | Connection:
        """The replica engine set in ``info[READ_ENGINE]`` if any, else the primary."""
        engine = self.info.get(READ_ENGINE)
        if engine is not None and bind is None:
            return engine
        return super().get_bind(mapper, clause, bind, **kwargs)


db = SQLAlchemy(model_class=Base, session_options={"class_": Session})
login_manager = LoginManager()
csrf = CSRFProtect()
cache = Cache()
babel = Babel()
