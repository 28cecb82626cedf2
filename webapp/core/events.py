"""Session hooks that make every write path go through the models' rules and the cache.

- ``before_flush``: each new or changed object with a ``clean(session)`` method normalises
  and validates itself, so ``save()``, a plain ``commit()`` and ``add_all`` are checked alike.
- ``do_orm_execute``: bulk ``insert`` statements with parameter lists are cleaned row by row
  (``clean_row``); bulk ``update``/``delete`` statements outdate the model's cache entries.
- ``after_flush`` / ``after_commit``: cache keys of changed rows are outdated once the
  transaction commits, never before (a rolled-back change invalidates nothing).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session, SessionTransaction, UOWTransaction

from webapp.core.cache import MODEL_KEY
from webapp.errors import ValidationError
from webapp.extensions import Base

PENDING = "cache_pending"
# Past this many keys, a commit renews the model's token (one cache write) instead of each
# key's: a 10,000-row change would otherwise write 40,000 tokens (83 s with the file cache).
MANY_KEYS = 200
INTERNAL = "internal_statement"


def _pending(session: Session) -> dict[Any, set]:
    return session.info.setdefault(PENDING, {})


def changes_pending(session: Session, model_cache: Any) -> bool:
    """True while the session holds changes (flushed or not) not yet committed for this model."""
    pending = session.info.get(PENDING, {})
    return model_cache in pending or bool(session.new or session.dirty or session.deleted)


def mark_changed(session: Session, model_cache: Any, keys: set) -> None:
    """Remember cache keys to outdate when the session commits."""
    _pending(session).setdefault(model_cache, set()).update(keys)


@event.listens_for(Session, "before_flush")
def clean_before_flush(session: Session, context: UOWTransaction, instances: Any) -> None:
    for obj in [*session.new, *session.dirty]:
        clean = getattr(obj, "clean", None)
        if clean is not None:
            clean(session)


@event.listens_for(Session, "after_flush")
def collect_cache_keys(session: Session, context: UOWTransaction) -> None:
    for obj in [*session.new, *session.dirty, *session.deleted]:
        keys = getattr(obj, "cache_keys", None)
        if keys is not None:
            mark_changed(session, type(obj).cache, keys())


@event.listens_for(Session, "after_commit")
def invalidate_after_commit(session: Session) -> None:
    session.info.pop("pending_tags", None)
    for model_cache, keys in session.info.pop(PENDING, {}).items():
        if MODEL_KEY in keys or len(keys) > MANY_KEYS:
            model_cache.invalidate_model()
        else:
            model_cache.invalidate(keys)


@event.listens_for(Session, "after_soft_rollback")
def forget_after_rollback(session: Session, previous: SessionTransaction) -> None:
    if previous.parent is None:
        session.info.pop(PENDING, None)
        session.info.pop("pending_tags", None)


def _mapped_class(state: ORMExecuteState) -> type | None:
    """The model class a bulk statement writes to, for ORM and Core statements alike."""
    if state.bind_mapper is not None:
        return state.bind_mapper.class_
    table = getattr(state.statement, "table", None)
    return next((m.class_ for m in Base.registry.mappers if m.local_table is table), None)


def _updated_columns(state: ORMExecuteState) -> set[str]:
    names = {getattr(c, "key", str(c)) for c in (getattr(state.statement, "_values", None) or {})}
    params = state.parameters
    for row in params if isinstance(params, list) else [params or {}]:
        names.update(row)
    return names


@event.listens_for(Session, "do_orm_execute")
def check_bulk_statements(state: ORMExecuteState) -> Any:
    if state.execution_options.get(INTERNAL) or not (
        state.is_insert or state.is_update or state.is_delete
    ):
        return None
    cls = _mapped_class(state)
    if cls is None:
        return None
    if state.is_insert:
        clean_row = getattr(cls, "clean_row", None)
        params = state.parameters
        if clean_row is not None and params:
            rows = params if isinstance(params, list) else [params]
            for row in rows:
                row.update(clean_row(dict(row), state.session))
        return None
    frozen = set(getattr(cls, "IMMUTABLE_FIELDS", ())) & _updated_columns(state)
    if state.is_update and frozen:
        field = sorted(frozen)[0]
        raise ValidationError(field, "This field never changes after creation.")
    if hasattr(cls, "cache"):
        mark_changed(state.session, cls.cache, {MODEL_KEY})
    return None
