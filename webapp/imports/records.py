"""One imported row checked by the account's own rules: the form's and the model's, not new ones.

A file's cells are text (CSV) or JSON values; ``given`` turns them into the values a form
would post (tags a set, annotations a dict, flags booleans), then ``Account.clean_values``
normalises the whole record, stored values filling the columns the file leaves out.
"""

from __future__ import annotations

from typing import Any

from webapp.accounts.models import Account
from webapp.accounts.models.account import FIELDS
from webapp.core import validators
from webapp.errors import ValidationError

__all__ = ["IGNORED", "clean", "given", "new_record"]

IGNORED = ("created_at", "updated_at")  # set by the system; exported, never imported
FLAG_WORDS = {
    "true": True, "1": True, "yes": True, "y": True,
    "false": False, "0": False, "no": False, "n": False,
}  # fmt: skip
BLANK = {field: None for field in FIELDS}


def _flag(field: str, value: Any) -> bool | None:
    """A checkbox's value from a cell: true/false (any case), 1/0, yes/no; blank → default."""
    if value is None or isinstance(value, bool):
        return value
    word = str(value).strip().lower()
    if not word:
        return None
    if word not in FLAG_WORDS:
        raise ValidationError(field, "Use true or false.")
    return FLAG_WORDS[word]


def _tags(value: Any) -> set[str]:
    if isinstance(value, str):
        value = value.replace(";", ",")  # the export separates tags with ';'
    elif not isinstance(value, list | None):
        raise ValidationError("tags", "Give a list of labels, or labels separated by ;.")
    return validators.tags(value)


def _annotations(value: Any) -> dict[str, Any]:
    if isinstance(value, str):
        return validators.annotations_json(value.strip() or "{}")
    return validators.annotations(value)


CONVERT = {
    "tags": _tags,
    "annotations": _annotations,
    "is_active": lambda v: _flag("is_active", v),
    "is_default_account": lambda v: _flag("is_default_account", v),
}


def given(values: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """The row's values in the form's shapes, and the errors of those that have none."""
    result: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for field, value in values.items():
        if field in IGNORED or field == "account_number":
            continue
        try:
            result[field] = CONVERT[field](value) if field in CONVERT else value
        except ValidationError as exc:
            errors[field] = exc.message
    return result, errors


def clean(stored: dict[str, Any] | None, values: dict[str, Any]) -> dict[str, Any]:
    """The whole record after the row: stored (or blank) values overlaid by the given ones."""
    base = stored if stored is not None else BLANK
    record = Account.clean_values({**base, **{k: v for k, v in values.items() if k != "tags"}})
    record["tags"] = values["tags"] if "tags" in values else set(base.get("tags") or ())
    return record


def new_record(values: dict[str, Any]) -> dict[str, Any]:
    """A new account's every field: the given values, defaults for the rest."""
    return clean(None, values)
