"""Import use cases: a dry run that plans every row, and applying a plan in one transaction.

``check`` reads the file, matches rows to stored accounts by number and validates each with
the account's own rules; it writes nothing. ``apply`` writes a clean plan (``writing``) and
refuses, writing nothing, when an account it matched has changed since the dry run. Nothing
here commits: the caller commits once, so the import is all or nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from webapp.accounts.models import Account
from webapp.accounts.models.account import FIELDS
from webapp.accounts.services import changed_fields
from webapp.core import validators
from webapp.core.models import Tag
from webapp.errors import ValidationError
from webapp.extensions import db
from webapp.imports import records
from webapp.imports.reading import MAX_BYTES, BadRow, Line, read
from webapp.imports.writing import Conflict, collector_paused, write

__all__ = ["Conflict", "Plan", "Update", "apply", "check", "plan_lines", "refuse_if_moved"]

LOOKUP_BATCH = 2000
Progress = Callable[[int], None]


@dataclass
class Update:
    """A stored account the file changes: its id, pinned revision, new record and changes."""

    id: int
    number: str
    revision: int
    record: dict[str, Any]
    changes: dict[str, list[Any]]


@dataclass
class Plan:
    """What applying the file would do, row by row, and every bad row."""

    creates: list[tuple[str | None, dict[str, Any]]] = field(default_factory=list)
    updates: list[Update] = field(default_factory=list)
    unchanged: int = 0
    bad: list[BadRow] = field(default_factory=list)
    pins: dict[str, int] = field(default_factory=dict)  # number → revision seen (0: absent)
    default_lines: list[int] = field(default_factory=list)  # rows whose account is the default

    def counts(self) -> dict[str, int]:
        """How many rows create, update, change nothing, and how many problems were found."""
        return {
            "create": len(self.creates),
            "update": len(self.updates),
            "unchanged": self.unchanged,
            "bad": len(self.bad),
        }


def check(
    data: bytes, filename: str = "", progress: Progress | None = None, max_bytes: int = MAX_BYTES
) -> Plan:
    """The dry run: what each row would do and every bad row; raises FileProblem for the file."""
    return plan_lines(read(data, filename, max_bytes), progress)


def plan_lines(items: Iterable[Line | BadRow], progress: Progress | None = None) -> Plan:
    """The dry run of rows already read (a file's, or a manifest's documents)."""
    plan = Plan()
    lines: list[Line] = []
    for item in items:
        if isinstance(item, BadRow):
            plan.bad.append(item)
        else:
            lines.append(item)
    numbers, repeated = _numbers(lines, plan)
    stored = _stored(numbers)
    with collector_paused():
        for done, line in enumerate(lines, start=1):
            if line.number not in repeated:
                _plan_line(plan, line, stored)
            if progress and done % 1000 == 0:
                progress(done)
    _one_default(plan)
    plan.bad.sort(key=lambda bad: bad.line)
    return plan


def _number(line: Line) -> str | None:
    return str(line.values.get("account_number") or "").strip() or None


def _numbers(lines: list[Line], plan: Plan) -> tuple[set[str], set[int]]:
    """The file's well-formed numbers, and the lines that repeat a number (each a bad row)."""
    first: dict[str, int] = {}
    repeated: set[int] = set()
    for line in lines:
        number = _number(line)
        if number and number in first:
            message = f"This account number is also on line {first[number]}; give each once."
            plan.bad.append(BadRow(line.number, "account_number", message))
            repeated.add(line.number)
        elif number:
            first[number] = line.number
    return {n for n in first if validators.ACCOUNT_NUMBER_RE.fullmatch(n)}, repeated


def _stored(numbers: set[str]) -> dict[str, SimpleNamespace]:
    """The stored accounts with these numbers: plain values (no ORM objects), tags included."""
    columns = [Account.id, Account.revision, Account.account_number]
    columns += [getattr(Account, name) for name in FIELDS]
    found: dict[str, SimpleNamespace] = {}
    ordered = sorted(numbers)
    for start in range(0, len(ordered), LOOKUP_BATCH):
        chunk = ordered[start : start + LOOKUP_BATCH]
        rows = db.session.execute(select(*columns).where(Account.account_number.in_(chunk)))
        for row in rows:
            found[row.account_number] = SimpleNamespace(**row._mapping, tags=set())
    _stored_tags({account.id: account for account in found.values()})
    return found


def _stored_tags(by_id: dict[int, SimpleNamespace]) -> None:
    links = Account.tag_links.property.secondary
    ids = sorted(by_id)
    for start in range(0, len(ids), LOOKUP_BATCH):
        stmt = (
            select(links.c.account_id, Tag.name)
            .join(Tag, Tag.id == links.c.tag_id)
            .where(links.c.account_id.in_(ids[start : start + LOOKUP_BATCH]))
        )
        for account_id, name in db.session.execute(stmt):
            by_id[account_id].tags.add(name)


def _plan_line(plan: Plan, line: Line, stored: dict[str, SimpleNamespace]) -> None:
    """Add one row to the plan: a create, an update, unchanged, or its problems."""
    number = _number(line)
    account = stored.get(number) if number else None
    record = _record(plan, line, number, account)
    if record is None:
        return
    if record["is_default_account"]:
        plan.default_lines.append(line.number)
    if account is None:
        plan.creates.append((number, record))
        if number:
            plan.pins[number] = 0  # absent: a number that appears meanwhile is a conflict
        return
    plan.pins[account.account_number] = account.revision
    changes = changed_fields(account, record)  # type: ignore[arg-type]
    if changes:
        plan.updates.append(
            Update(account.id, account.account_number, account.revision, record, changes)
        )
    else:
        plan.unchanged += 1


def _record(
    plan: Plan, line: Line, number: str | None, account: SimpleNamespace | None
) -> dict[str, Any] | None:
    """The row's whole record after the file's values, or None once its problems are noted."""
    values, errors = records.given(line.values)
    record = None
    try:
        if number and account is None:
            validators.account_number(number)
        record = records.clean(vars(account) if account else None, values)
    except ValidationError as exc:
        errors = {**exc.errors, **errors}
    if errors:
        plan.bad.extend(BadRow(line.number, f, m) for f, m in errors.items())
        return None
    return record


def _one_default(plan: Plan) -> None:
    """At most one account is the default: a second row that asks for it is a bad row."""
    asking = plan.default_lines
    for number in asking[1:]:
        message = f"Only one account can be the default; line {asking[0]} already asks for it."
        plan.bad.append(BadRow(number, "is_default_account", message))


def apply(
    plan: Plan, by: Any, pins: dict[str, int] | None = None, progress: Progress | None = None
) -> dict[str, int]:
    """Write a clean plan (no commit); Conflict when a matched account changed since ``pins``."""
    moved = sorted(n for n, revision in (pins or {}).items() if plan.pins.get(n) != revision)
    if moved:
        raise Conflict(_moved_message(moved))
    if plan.bad:
        raise ValidationError("file", "The file has bad rows; correct them and check it again.")
    try:
        write(plan, by, progress)
    except IntegrityError as exc:  # a number or the default flag taken by a write meanwhile
        raise Conflict(
            "Another change landed while the file was being imported (a number or the default "
            "flag was taken). Nothing was imported; check the file again."
        ) from exc
    return plan.counts()


def refuse_if_moved(pins: dict[str, int]) -> None:
    """Conflict when an account pinned by the dry run changed (or appeared) since; quick."""
    current: dict[str, int] = {}
    numbers = sorted(pins)
    for start in range(0, len(numbers), LOOKUP_BATCH):
        stmt = select(Account.account_number, Account.revision).where(
            Account.account_number.in_(numbers[start : start + LOOKUP_BATCH])
        )
        current.update(db.session.execute(stmt).all())
    moved = [number for number in numbers if current.get(number, 0) != pins[number]]
    if moved:
        raise Conflict(_moved_message(moved))


def _moved_message(numbers: list[str]) -> str:
    more = f" and {len(numbers) - 10:,} more" if len(numbers) > 10 else ""
    shown = ", ".join(numbers[:10]) + more
    return (
        f"Someone changed or added account {shown} after the dry run. Nothing was imported; "
        "check the file again to see the changes it would make now."
    )
