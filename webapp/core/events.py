"""Session hooks that make every write path go through the models' rules and the cache.

- ``before_flush``: each new or changed object with a ``clean(session)`` method normalises
  and validates itself, so ``save()``, a plain ``commit()`` and ``add_all`` are checked alike.
- ``do_orm_execute``: bulk ``insert`` statements with parameter lists are cleaned row by row
  (``clean_row``); bulk statements mark their model changed.
- ``after_flush``: the cached models of changed rows are marked changed.
- ``before_commit``: the marked models' cache generations are bumped as the transaction's last
  statement (``webapp.core.generations``), so the invalidation commits with the change or not
  at all (a rolled-back change invalidates nothing), and no cache write is made.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session, SessionTransaction, UOWTransaction

from webapp.core import generations
from webapp.errors import ValidationError
from webapp.extensions import Base

INTERNAL = "internal_statement"


def _mark(session: Session, cls: type) -> None:
    model_cache = getattr(cls, "cache", None)
    if model_cache is not None:
        generations.mark_changed(session, model_cache.name)


@event.listens_for(Session, "before_flush")
def clean_before_flush(session: Session, context: UOWTransaction, instances: Any) -> None:
    for obj in [*session.new, *session.dirty]:
        clean = getattr(obj, "clean", None)
        if clean is not None:
            clean(session)


@event.listens_for(Session, "after_flush")
def collect_changed_models(session: Session, context: UOWTransaction) -> None:
    for cls in {type(obj) for obj in [*session.new, *session.dirty, *session.deleted]}:
        _mark(session, cls)


@event.listens_for(Session, "after_flush_postexec")
def bump_late_changes(session: Session, context: UOWTransaction) -> None:
    # A flush after the bump (another before_commit hook wrote rows) bumps for itself.
    if generations.bumped(session):
        generations.bump(session)


@event.listens_for(Session, "before_commit")
def bump_before_commit(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint: the outer transaction bumps when it commits
    session.flush()  # the commit's own flush runs after this hook: bring its changes in first
    generations.bump(session)


@event.listens_for(Session, "after_commit")
def refresh_after_commit(session: Session) -> None:
    session.info.pop("pending_tags", None)
    generations.committed(session)


@event.listens_for(Session, "after_soft_rollback")
def forget_after_rollback(session: Session, previous: SessionTransaction) -> None:
    if previous.parent is None:
        generations.forget(session)
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
    if not (state.is_insert or state.is_update or state.is_delete):
        return None
    cls = _mapped_class(state)
    if cls is None:
        return None
    _mark(state.session, cls)
    if state.execution_options.get(INTERNAL):
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
    return None
