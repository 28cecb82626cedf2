"""Accounts as YAML manifests (``kind: Account``): describe one, apply one or several.

``describe`` puts the metadata fields (name, description, version, tags, annotations) under
``metadata`` and the rest, account number included, under ``spec``. ``apply`` turns each
document into an import row, so a manifest is checked, matched and written exactly as an
imported line is: describe → apply changes nothing.
"""

from __future__ import annotations

from typing import Any

import yaml

from webapp.accounts.models import Account
from webapp.accounts.models.account import FIELDS
from webapp.imports.reading import BadRow, Line
from webapp.imports.records import CONVERT

__all__ = ["ManifestProblem", "describe", "documents", "key_of"]

KIND = "Account"
METADATA = ("name", "description", "version", "tags", "annotations")
SPEC = ("account_number", *(f for f in FIELDS if f not in METADATA))


class ManifestProblem(ValueError):
    """The manifest cannot be read as YAML at all."""


def describe(account: Account) -> str:
    """The account as a YAML manifest."""
    plain = {"tags": sorted(account.tags), "annotations": dict(account.annotations or {})}
    metadata = {name: plain.get(name, getattr(account, name)) for name in METADATA}
    spec = {name: getattr(account, name) for name in SPEC}
    document = {"kind": KIND, "metadata": metadata, "spec": spec}
    return yaml.safe_dump(document, sort_keys=False, allow_unicode=True)


def documents(text: str) -> list[Line | BadRow]:
    """Each YAML document as an import row (its number is its place in the file), or its problem."""
    try:
        loaded = [doc for doc in yaml.safe_load_all(text) if doc is not None]
    except yaml.YAMLError as exc:
        raise ManifestProblem(f"Not valid YAML: {exc}") from None
    if not loaded:
        raise ManifestProblem("The file holds no manifest.")
    return [_row(number, doc) for number, doc in enumerate(loaded, start=1)]


def _row(number: int, doc: Any) -> Line | BadRow:
    """One document's fields, flattened; the first problem of its shape otherwise."""
    if not isinstance(doc, dict):
        return BadRow(number, "", "A manifest is a mapping with kind, metadata and spec.")
    unknown = sorted(set(doc) - {"kind", "metadata", "spec"})
    if unknown:
        return BadRow(number, str(unknown[0]), "Unknown key.")
    if doc.get("kind") != KIND:
        return BadRow(number, "kind", f"Must be {KIND} (found {doc.get('kind')!r}).")
    values: dict[str, Any] = {}
    for part, allowed in (("metadata", METADATA), ("spec", SPEC)):
        section = doc.get(part) or {}
        if not isinstance(section, dict):
            return BadRow(number, part, "Must be a mapping of field names to values.")
        extra = sorted(str(key) for key in section if key not in allowed)
        if extra:
            return BadRow(number, f"{part}.{extra[0]}", "Unknown key.")
        numeric = sorted(key for key, value in section.items() if _read_as_number(key, value))
        if numeric:
            message = "Must be text: put it in quotes (YAML read a number, which drops a +)."
            return BadRow(number, f"{part}.{numeric[0]}", message)
        values.update(section)
    return Line(number, values, False)


def _read_as_number(key: str, value: Any) -> bool:
    """True for a text field that YAML read as a number (an unquoted phone or postal code)."""
    return key not in CONVERT and not isinstance(value, bool) and isinstance(value, int | float)


def key_of(field: str) -> str:
    """Where a field sits in a manifest: ``metadata.name``, ``spec.country``."""
    if not field or "." in field or field in ("kind", "metadata", "spec"):
        return field
    return f"metadata.{field}" if field in METADATA else f"spec.{field}"
