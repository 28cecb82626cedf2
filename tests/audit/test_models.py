"""The database itself refuses to change or delete an audit event, through the ORM or SQL."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, select, update
from sqlalchemy.exc import DBAPIError

from webapp.audit.models import AuditEvent
from webapp.audit.services import record
from webapp.extensions import db


@pytest.fixture
def event_id(ctx) -> int:
    event = record("account.update", actor="ada@example.com", changes={"city": ["A", "B"]})
    db.session.commit()
    return event.id


def stored(event_id: int) -> tuple:
    db.session.expire_all()
    return db.session.execute(
        select(AuditEvent.actor, AuditEvent.changes).where(AuditEvent.id == event_id)
    ).one()


def test_an_orm_update_is_refused(event_id):
    event = db.session.get(AuditEvent, event_id)
    event.actor = "mallory@example.com"
    with pytest.raises(DBAPIError, match="never changed"):
        db.session.commit()
    db.session.rollback()
    assert stored(event_id) == ("ada@example.com", {"city": ["A", "B"]})


def test_an_orm_delete_is_refused(event_id):
    db.session.delete(db.session.get(AuditEvent, event_id))
    with pytest.raises(DBAPIError, match="never deleted"):
        db.session.commit()
    db.session.rollback()
    assert stored(event_id) == ("ada@example.com", {"city": ["A", "B"]})


@pytest.mark.parametrize(
    "statement",
    [
        update(AuditEvent).values(actor="mallory@example.com"),
        delete(AuditEvent),
    ],
    ids=["update", "delete"],
)
def test_bulk_statements_are_refused(event_id, statement):
    with pytest.raises(DBAPIError, match="never"):
        db.session.execute(statement)
        db.session.commit()
    db.session.rollback()
    assert stored(event_id) == ("ada@example.com", {"city": ["A", "B"]})


def test_new_events_are_still_written(event_id):
    record("login.success", actor="ada@example.com")
    db.session.commit()
    assert db.session.scalar(select(db.func.count()).select_from(AuditEvent)) == 2
