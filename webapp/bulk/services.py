"""Bulk changes: select accounts, preview each row's change, apply all in one transaction.

Changes go through the ORM row by row, so the model's ``clean`` runs at flush and the
commit bumps the accounts' cache generation once (``webapp.core.generations``), however many
rows changed; nothing here commits.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select
from sqlalchemy.orm import selectinload

from webapp.accounts.models import Account
from webapp.accounts.models.account import RULES
from webapp.accounts.queries import ListQuery
from webapp.audit import services as audit
from webapp.audit.models import AuditEvent
from webapp.core import validators
from webapp.core.i18n import gettext as _
from webapp.core.i18n import lazy_gettext as _l
from webapp.errors import ValidationError
from webapp.extensions import db

__all__ = ["ACTIONS", "BOUND", "Selection", "apply", "clean_value", "preview"]

BOUND = 10_000  # the most accounts one bulk change may touch
BATCH = 500  # accounts loaded (and flushed) at a time
PREVIEW_ROWS = 100  # changed rows listed on the preview page; the counts are always exact


@dataclass(frozen=True)
class Action:
    """One bulk action: its label, the account field it changes, and what value it takes."""

    label: Any  # lazily translated
    field: str
    wants: Any = ""  # a description of the value it needs; empty when it takes none


ACTIONS: dict[str, Action] = {
    "activate": Action(_l("Activate"), "is_active"),
    "deactivate": Action(_l("Deactivate"), "is_active"),
    "add-tag": Action(_l("Add tag"), "tags", _l("a tag, such as vip")),
    "remove-tag": Action(_l("Remove tag"), "tags", _l("a tag, such as vip")),
    "set-country": Action(_l("Set country"), "country", _l("a country code, such as FRA or FR")),
    "set-currency": Action(_l("Set currency"), "currency", _l("a currency code, such as EUR")),
    "set-timezone": Action(
        _l("Set time zone"), "timezone", _l("a time zone, such as Europe/Paris")
    ),
    "set-language": Action(_l("Set language"), "language", _l("a language tag, such as en-US")),
}


def clean_value(action: str, raw: str | None) -> Any:
    """The action's value checked by the account's own field rules (None when it takes none)."""
    spec = ACTIONS[action]
    if not spec.wants:
        return None
    text = (raw or "").strip()
    try:
        if spec.field == "tags":
            labels = validators.tags(text)
            if not labels:
                raise ValidationError("value", _("Enter %(value)s.", value=spec.wants))
            return frozenset(labels)
        if not text:
            raise ValidationError("value", _("Enter %(value)s.", value=spec.wants))
        return RULES[spec.field](text, {})
    except ValidationError as exc:
        raise ValidationError("value", exc.message) from None


@dataclass(frozen=True)
class Selection:
    """Which accounts: the numbers ticked on the list, or all that the list's query matches."""

    numbers: tuple[str, ...] = ()
    query: ListQuery = field(default_factory=ListQuery)
    all_matching: bool = False

    def statement(self) -> Select:
        """The selected accounts in the list's order."""
        if self.all_matching:
            return self.query.ordered()
        ordered = ListQuery(sort=self.query.sort).ordered()
        return ordered.where(Account.account_number.in_(self.numbers))

    def ids(self) -> list[int]:
        """The selected accounts' ids in list order; refused when none or more than BOUND."""
        stmt = self.statement().with_only_columns(Account.id).limit(BOUND + 1)
        ids = list(db.session.scalars(stmt))
        if len(ids) > BOUND:
            raise ValidationError(
                "selected",
                f"More than {BOUND:,} accounts are selected, and a bulk change handles at most "
                f"{BOUND:,}. Narrow the search or filters, then try again. Nothing was changed.",
            )
        if not ids and self.all_matching:
            message = _("No account matches the list's search and filters.")
            raise ValidationError("selected", message)
        if not ids:
            raise ValidationError("selected", _("None of the ticked accounts exists any more."))
        return ids

    def batches(self) -> Iterator[list[Account]]:
        """The selected accounts with their tags, BATCH at a time, in list order."""
        ids = self.ids()
        for start in range(0, len(ids), BATCH):
            chunk = ids[start : start + BATCH]
            stmt = self.statement().where(Account.id.in_(chunk))
            yield list(db.session.scalars(stmt.options(selectinload(Account.tag_links))))


def changes_for(account: Account, action: str, value: Any) -> dict[str, list[Any]]:
    """What the action would change on this account, {field: [old, new]}; empty if nothing."""
    name = ACTIONS[action].field
    if name == "tags":
        old = set(account.tags)
        new = old | value if action == "add-tag" else old - value
        return {"tags": [sorted(old), sorted(new)]} if new != old else {}
    old = getattr(account, name)
    new = (action == "activate") if name == "is_active" else value
    return {name: [old, new]} if old != new else {}


def _change(account: Account, action: str, value: Any) -> None:
    """Set the new value on the account (tags one by one, so untouched links stay)."""
    name = ACTIONS[action].field
    if action == "add-tag":
        for label in sorted(value):
            account.tags.add(label)
    elif action == "remove-tag":
        for label in value:
            account.tags.discard(label)
    else:
        setattr(account, name, (action == "activate") if name == "is_active" else value)


@dataclass
class Row:
    """One account of the preview and its change."""

    account_number: str
    company_name: str
    changes: dict[str, list[Any]]


@dataclass
class Preview:
    """The first changed rows, and exact counts of the rows that change and that do not."""

    rows: list[Row] = field(default_factory=list)
    changed: int = 0
    unchanged: int = 0


def preview(selection: Selection, action: str, value: Any) -> Preview:
    """What applying the action would do, row by row, without changing anything."""
    result = Preview()
    for batch in selection.batches():
        for account in batch:
            changes = changes_for(account, action, value)
            if not changes:
                result.unchanged += 1
                continue
            result.changed += 1
            if len(result.rows) < PREVIEW_ROWS:
                result.rows.append(Row(account.account_number, account.company_name, changes))
    return result


def apply(
    selection: Selection, action: str, value: Any, by: Any
) -> tuple[int, int, AuditEvent | None]:
    """Change every selected account and audit each changed row, all in one batch;
    returns (changed, unchanged, the batch's first event, to offer an undo for)."""
    changed = unchanged = 0
    batch, first = audit.new_batch(), None
    for rows in selection.batches():
        for account in rows:
            changes = changes_for(account, action, value)
            if not changes:
                unchanged += 1
                continue
            _change(account, action, value)
            event = audit.record(
                f"account.bulk-{action}", actor=by, obj=account, changes=changes, batch=batch
            )
            first = first or event
            changed += 1
        _flush()
    return changed, unchanged, first


def _flush() -> None:
    """Write the batch; the model's rules run here, and flushed rows need not stay in memory."""
    try:
        db.session.flush()
    except ValidationError as exc:
        raise ValidationError(
            "selected",
            f"A selected account breaks a rule ({exc.field}: {exc.message}) and must be "
            "corrected on its own page first. Nothing was changed.",
        ) from None
