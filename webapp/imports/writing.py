"""Writing a checked import plan with bulk statements, keeping every invariant of the model.

- New accounts go through the ORM's bulk INSERT, so ``Account.clean_row`` checks each row
  (``webapp.core.events``); blank numbers are drawn up front, in batches, free of collisions.
- Updates are one executemany UPDATE per batch, guarded by the revision the dry run saw: a
  row changed meanwhile matches nothing and the import stops (``Conflict``).
- The default flag moves as the form moves it: the old default is cleared first.
- Bulk statements mark the account cache changed, so the commit bumps its generation; the
  search document follows through the database's triggers. One audit event per account.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from sqlalchemy import bindparam, delete, insert, select, update

from webapp.accounts.models import Account
from webapp.accounts.models.account import FIELDS, random_account_number
from webapp.audit import services as audit
from webapp.core.models import Tag
from webapp.extensions import db

if TYPE_CHECKING:
    from webapp.imports.services import Plan, Update

__all__ = ["Conflict", "collector_paused", "write"]

BATCH = 2000
INTERNAL = {"internal_statement": True, "synchronize_session": False}
LINKS = Account.tag_links.property.secondary


class Conflict(Exception):
    """Accounts changed since the dry run; the message names them and nothing was written."""


def _batches(items: list[Any]) -> Iterator[list[Any]]:
    for start in range(0, len(items), BATCH):
        yield items[start : start + BATCH]


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while a file's rows are planned or written.

    Its full collections walk every live object, and a file holds 100,000 rows of them: the
    measured cost was a quarter to a half of each phase. The rows themselves are freed by
    reference counting; cyclic garbage made meanwhile waits for the next collection.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def write(plan: Plan, by: Any, progress: Callable[[int], None] | None = None) -> None:
    """Write every update and create of the plan, with tags and audit events (no commit)."""
    with collector_paused():
        _write(plan, by, progress)


def _write(plan: Plan, by: Any, progress: Callable[[int], None] | None) -> None:
    done = 0
    tag_ids = _tag_ids(plan)
    default = _new_default(plan)
    for batch in _batches(plan.updates):
        _update(batch, tag_ids, default, by)
        done += len(batch)
        if progress:
            progress(done)
    if default is not None:
        _clear_default()
    numbers = _numbers_for(plan)
    for batch in _batches(plan.creates):
        _create(batch, numbers, tag_ids, by)
        done += len(batch)
        if progress:
            progress(done)
    if isinstance(default, int):
        db.session.execute(
            update(Account).where(Account.id == default).values(is_default_account=True),
            execution_options=INTERNAL,
        )


def _new_default(plan: Plan) -> int | str | None:
    """The id of the stored account the file makes default, "new" for a new one, or None."""
    for change in plan.updates:
        if change.changes.get("is_default_account", [None, False])[1] is True:
            return change.id
    if any(record["is_default_account"] for _, record in plan.creates):
        return "new"
    return None


def _clear_default() -> None:
    """Clear the flag on the old default before the new one is written (one default at most)."""
    db.session.execute(
        update(Account)
        .where(Account.is_default_account.is_(True))
        .values(is_default_account=False, revision=Account.revision + 1),
        execution_options=INTERNAL,
    )


def _tag_ids(plan: Plan) -> dict[str, int]:
    """Every tag the plan writes, by name; missing tags are added."""
    names = {t for _, record in plan.creates for t in record["tags"]}
    names |= {t for u in plan.updates if "tags" in u.changes for t in u.record["tags"]}
    found = dict(db.session.execute(select(Tag.name, Tag.id).where(Tag.name.in_(names))).all())
    missing = sorted(names - set(found))
    if missing:
        db.session.execute(insert(Tag), [{"name": name} for name in missing])
        stmt = select(Tag.name, Tag.id).where(Tag.name.in_(missing))
        found.update(db.session.execute(stmt).all())
    return found


UPDATE = (
    update(Account.__table__)
    .where(
        Account.__table__.c.id == bindparam("b_id"),
        Account.__table__.c.revision == bindparam("b_revision"),
    )
    .values({name: bindparam(name) for name in FIELDS} | {"revision": bindparam("b_next")})
)


def _update(batch: list[Update], tag_ids: dict[str, int], default: Any, by: Any) -> None:
    """One guarded UPDATE for the batch; their changed tags relinked; one event each."""
    rows = []
    for change in batch:
        values = {name: change.record[name] for name in FIELDS}
        if change.id == default:
            values["is_default_account"] = False  # set once the old default is cleared
        rows.append({**values, "b_id": change.id, "b_revision": change.revision,
                     "b_next": change.revision + 1})  # fmt: skip
    result = db.session.execute(UPDATE, rows)
    if result.rowcount != len(rows):
        raise Conflict(
            "Someone changed an account of this file while it was being imported. "
            "Nothing was imported; check the file again."
        )
    retagged = [c for c in batch if "tags" in c.changes]
    if retagged:
        db.session.execute(delete(LINKS).where(LINKS.c.account_id.in_([c.id for c in retagged])))
        _link([(c.id, c.record["tags"]) for c in retagged], tag_ids)
    events = [("account.update", c.id, c.changes) for c in batch]
    audit.record_many(events, object_type="Account", actor=by)


def _numbers_for(plan: Plan) -> list[str]:
    """Fresh numbers for the new rows without one: unused, and not in the file either."""
    wanted = sum(1 for number, _ in plan.creates if not number)
    taken = {number for number, _ in plan.creates if number}
    fresh: set[str] = set()
    while len(fresh) < wanted:
        drawn = {random_account_number() for _ in range(wanted - len(fresh))} - taken
        for chunk in _batches(sorted(drawn)):
            stmt = select(Account.account_number).where(Account.account_number.in_(chunk))
            drawn.difference_update(db.session.scalars(stmt))
        fresh |= drawn
    return sorted(fresh)[:wanted]


def _create(
    batch: list[tuple[str | None, dict]], numbers: list[str], tag_ids: dict, by: Any
) -> None:
    """One bulk INSERT (each row checked by the model), the tags linked, one event each."""
    rows = [
        {"account_number": number or numbers.pop(), **{f: record[f] for f in FIELDS}}
        for number, record in batch
    ]
    db.session.execute(insert(Account), rows)  # no RETURNING: SQLite would go row by row
    numbers_in = [row["account_number"] for row in rows]
    stmt = select(Account.account_number, Account.id).where(Account.account_number.in_(numbers_in))
    found = dict(db.session.execute(stmt).all())
    ids = [found[number] for number in numbers_in]
    _link([(i, record["tags"]) for i, (_, record) in zip(ids, batch, strict=True)], tag_ids)
    events = [
        ("account.create", i, _created(row, record["tags"]))
        for i, row, (_, record) in zip(ids, rows, batch, strict=True)
    ]
    audit.record_many(events, object_type="Account", actor=by)


def _created(row: dict[str, Any], tags: set[str]) -> dict[str, list[Any]]:
    """A create's audit changes, as the form records them: every field from nothing."""
    changes = {name: [None, row[name]] for name in FIELDS}
    changes["tags"] = [None, sorted(tags)]
    return changes


def _link(pairs: list[tuple[int, set[str]]], tag_ids: dict[str, int]) -> None:
    links = [{"account_id": i, "tag_id": tag_ids[t]} for i, tags in pairs for t in sorted(tags)]
    if links:
        db.session.execute(insert(LINKS), links)
