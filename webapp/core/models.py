"""The metadata base that accounts (and later models) share, and the tag vocabulary."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Column,
    ForeignKey,
    Index,
    String,
    Table,
    Text,
    inspect,
    select,
    text,
    update,
)
from sqlalchemy.ext.associationproxy import AssociationProxy, association_proxy
from sqlalchemy.ext.mutable import MutableDict
from sqlalchemy.orm import Mapped, Session, declared_attr, mapped_column, relationship

from webapp.core import validators
from webapp.core.i18n import gettext as _
from webapp.core.types import UTCDateTime, utcnow
from webapp.errors import ValidationError
from webapp.extensions import db

__all__ = [
    "METADATA_RULES",
    "MetadataMixin",
    "Tag",
    "TimestampMixin",
    "changed_after_creation",
    "clear_flag_elsewhere",
    "unique_when_true",
]


class Tag(db.Model):
    """A short label, shared by every record that carries it."""

    __tablename__ = "tag"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(validators.MAX_TAG_LENGTH), unique=True)

    def __repr__(self) -> str:
        return f"<Tag {self.name}>"

    @classmethod
    def named(cls, label: str) -> Tag:
        """The tag with this label: the stored one, one pending in this session, or a new one."""
        (name,) = validators.tags([label]) or {None}
        if name is None:
            raise ValidationError("tags", _("A tag cannot be empty."))
        session = db.session()
        pending = session.info.setdefault("pending_tags", {})
        if name in pending:
            return pending[name]
        with session.no_autoflush:
            tag = session.scalar(select(cls).where(cls.name == name))
        pending[name] = tag or cls(name=name)
        return pending[name]


METADATA_RULES: dict[str, validators.Rule] = {
    "name": lambda v, row: (
        validators.camel_name(v)
        if v
        else validators.derive_camel_name(row.get("company_name") or row.get("title") or "")
    ),
    "description": lambda v, row: validators.bounded_text("description", v, 100_000),
    "version": lambda v, row: validators.semantic_version(v or "1.0.0"),
    "annotations": lambda v, row: validators.annotations(v),
}


def unique_when_true(name: str, *columns: str, flag: str) -> Index:
    """A partial unique index: among rows with ``flag`` true, ``columns`` are unique."""
    condition = text(flag)
    return Index(name, *columns, unique=True, sqlite_where=condition, postgresql_where=condition)


class Annotations(MutableDict):
    """A JSON object whose in-place changes are tracked; anything but a dict is refused."""

    @classmethod
    def coerce(cls, key: str, value: Any) -> Any:
        if value is not None and not isinstance(value, dict):
            validators.annotations(value)
        return super().coerce(key, value)


class TimestampMixin:
    """``created_at`` and ``updated_at``: set by the system, timezone-aware UTC, indexed."""

    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, onupdate=utcnow, index=True
    )


class MetadataMixin(TimestampMixin):
    """Name, description, version, annotations and tags, validated the same way everywhere."""

    name: Mapped[str] = mapped_column(String(255), index=True, active_history=True)
    description: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[str] = mapped_column(String(64), default="1.0.0")
    annotations: Mapped[dict[str, Any]] = mapped_column(Annotations.as_mutable(JSON), default=dict)

    @declared_attr
    def tag_links(cls) -> Mapped[set[Tag]]:
        """The association rows to ``tag``, in a table named after the owner's table."""
        owner = cls.__tablename__
        table = Table(
            f"{owner}_tag",
            db.metadata,
            Column(f"{owner}_id", ForeignKey(f"{owner}.id", ondelete="CASCADE"), primary_key=True),
            Column(
                "tag_id", ForeignKey("tag.id", ondelete="CASCADE"), primary_key=True, index=True
            ),
        )
        return relationship(Tag, secondary=table, collection_class=set, passive_deletes=True)

    tags: AssociationProxy[set[str]] = association_proxy("tag_links", "name", creator=Tag.named)


def changed_after_creation(obj: Any, *attributes: str) -> str | None:
    """The first of these attributes that a persistent object was asked to change, if any."""
    state = inspect(obj)
    if state.key is None:
        return None
    for name in attributes:
        history = state.attrs[name].history
        if history.deleted and history.added and history.deleted[0] != history.added[0]:
            return name
    return None


def clear_flag_elsewhere(session: Session, obj: Any, flag: str, *scope: Any) -> list[Any]:
    """Set ``flag`` false on every other row of the model in ``scope``, in this transaction.

    Runs as one UPDATE before the flush writes ``obj``, so a partial unique index on the flag
    never sees two rows set. Returns the rows changed (loaded, with the flag now false).
    """
    model = type(obj)
    column = getattr(model, flag)
    with session.no_autoflush:
        others = session.scalars(
            select(model).where(column.is_(True), model.id != (obj.id or 0), *scope)
        ).all()
    if not others:
        return []
    values: dict[str, Any] = {flag: False}
    version = getattr(model, "revision", None)
    if version is not None:
        values["revision"] = version + 1
    session.execute(
        update(model)
        .where(model.id.in_([o.id for o in others]))
        .values(**values)
        .execution_options(synchronize_session=False, internal_statement=True)
    )
    for other in others:
        session.expire(other, [flag, *(["revision"] if version is not None else [])])
    return list(others)
