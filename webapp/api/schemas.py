"""The API's JSON shapes (marshmallow): what it answers, and the types it accepts.

The input schemas check types only (a string where a string belongs, no unknown fields);
the rules on values are the forms' and the models', applied by ``webapp.api.validation``.
The same classes describe the API in OpenAPI (``webapp.api.openapi``).
"""

from __future__ import annotations

from typing import Any

from marshmallow import EXCLUDE, RAISE, Schema, fields, post_dump, validate

from webapp.accounts.queries import SORTS

__all__ = [
    "AccountIn",
    "AccountNew",
    "AccountOut",
    "AccountPage",
    "ContactArgs",
    "ContactIn",
    "ContactList",
    "ContactNew",
    "ContactOut",
    "ListArgs",
    "Problem",
]

TEXT_FIELDS = (
    "name",
    "description",
    "version",
    "phone_number",
    "address1",
    "address2",
    "city",
    "state",
    "postal_code",
    "country",
    "language",
    "timezone",
    "currency",
)


class StrictBoolean(fields.Boolean):
    """true or false, nothing else (marshmallow's Boolean also takes 1, "yes" and "on")."""

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> bool:
        if not isinstance(value, bool):
            raise self.make_error("invalid", input=value)
        return value


def _text(**kwargs: Any) -> fields.String:
    return fields.String(allow_none=True, **kwargs)


class AccountIn(Schema):
    """Fields a client may send to change an account (all optional: PATCH merges)."""

    class Meta:
        unknown = RAISE

    account_number = _text(metadata={"description": "####-####-####; never changes."})
    company_name = fields.String()
    annotations = fields.Dict(keys=fields.String(), metadata={"description": "String → scalar."})
    tags = fields.List(fields.String())
    is_active = StrictBoolean()
    is_default_account = StrictBoolean()
    locals().update({name: _text() for name in TEXT_FIELDS})


class AccountNew(AccountIn):
    """Fields of a new account: company_name at least; blank account_number is generated."""

    company_name = fields.String(required=True)


class AccountOut(Schema):
    """An account as the API answers it."""

    account_number = fields.String(required=True)
    revision = fields.Integer(required=True)
    company_name = fields.String(required=True)
    annotations = fields.Dict(keys=fields.String(), required=True)
    tags = fields.List(fields.String(), required=True)
    is_active = fields.Boolean(required=True)
    is_default_account = fields.Boolean(required=True)
    created_at = fields.AwareDateTime(required=True, allow_none=True)
    updated_at = fields.AwareDateTime(required=True, allow_none=True)
    locals().update({name: _text(required=True) for name in TEXT_FIELDS})

    @post_dump
    def sort_tags(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        data["tags"] = sorted(data["tags"])
        return data


class AccountPage(Schema):
    """One page of accounts and the cursor of the next (null on the last page)."""

    items = fields.List(fields.Nested(AccountOut), required=True)
    next_cursor = fields.String(required=True, allow_none=True)


SORT_CHOICES = [*SORTS, *(f"-{name}" for name in SORTS)]


class ListArgs(Schema):
    """The list's query: search, filters, order, page size and cursor (others are ignored)."""

    class Meta:
        unknown = EXCLUDE

    q = fields.String(validate=validate.Length(max=200))
    is_active = fields.String(validate=validate.OneOf(["true", "false"]))
    country = fields.String(validate=validate.Length(max=3))
    currency = fields.String(validate=validate.Length(max=3))
    sort = fields.String(validate=validate.OneOf(SORT_CHOICES))
    limit = fields.Integer(strict=False, validate=validate.Range(1, 100))
    cursor = fields.String(validate=validate.Length(max=400))


class ContactIn(Schema):
    """Fields a client may send to change a contact (all optional: PATCH merges)."""

    class Meta:
        unknown = RAISE

    first_name = fields.String()
    last_name = fields.String()
    email = fields.String()
    phone_number = _text()
    is_primary = StrictBoolean()
    is_test = StrictBoolean()
    welcomed = StrictBoolean()


class ContactNew(ContactIn):
    """Fields of a new contact: names and email at least."""

    first_name = fields.String(required=True)
    last_name = fields.String(required=True)
    email = fields.String(required=True)


class ContactOut(Schema):
    """A contact as the API answers it; its ETag is a hash of these fields."""

    id = fields.Integer(required=True)
    first_name = fields.String(required=True)
    last_name = fields.String(required=True)
    email = fields.String(required=True)
    phone_number = _text(required=True)
    is_primary = fields.Boolean(required=True)
    is_test = fields.Boolean(required=True)
    welcomed = fields.Boolean(required=True)


class ContactList(Schema):
    """A page of an account's contacts (oldest first) and the next page's cursor."""

    items = fields.List(fields.Nested(ContactOut), required=True)
    next_cursor = fields.String(required=True, allow_none=True)


class ContactArgs(Schema):
    """A contact page's size and cursor (other parameters are ignored)."""

    class Meta:
        unknown = EXCLUDE

    limit = fields.Integer(strict=False, validate=validate.Range(1, 100))
    cursor = fields.String(validate=validate.Length(max=100))


class Problem(Schema):
    """An RFC 9457 problem; ``errors`` maps fields to messages on 422."""

    type = fields.String(required=True)
    title = fields.String(required=True)
    status = fields.Integer(required=True)
    detail = fields.String(required=True)
    errors = fields.Dict(keys=fields.String(), values=fields.String())
