"""JSON in, the forms' cleaned values out: the API checks values with the very forms the
pages use (AccountForm, ContactForm), so no rule is written twice.

A JSON body is first type-checked by its schema (``webapp.api.schemas``), then laid over the
record's current values (PATCH) or the form's defaults (POST) and submitted to the form as
form data would be: tags as comma-separated text, annotations as JSON text, a checked box
for ``true``. The form's messages come back as ``errors`` of a 422 problem.
"""

from __future__ import annotations

import json
from typing import Any

from marshmallow import Schema
from marshmallow import ValidationError as SchemaError
from werkzeug.datastructures import MultiDict
from wtforms import Form

from webapp.accounts.forms import AccountForm
from webapp.accounts.models import Account, AccountContact
from webapp.accounts.models.account import FIELDS
from webapp.api.problems import ApiProblem
from webapp.contacts.forms import ContactForm
from webapp.core import validators
from webapp.errors import ValidationError

__all__ = [
    "account_values",
    "contact_values",
    "invalid",
    "typed",
    "typed_account",
    "typed_contact",
]

ACCOUNT_FORM_FIELDS = ("account_number", *FIELDS, "tags")
CONTACT_FORM_FIELDS = (
    "first_name",
    "last_name",
    "email",
    "phone_number",
    "is_primary",
    "is_test",
    "welcomed",
)
NO_CSRF = {"csrf": False}  # bearer-token requests carry no cookie a forger could ride on


def invalid(errors: dict[str, str]) -> ApiProblem:
    """A 422 problem listing a message per field."""
    return ApiProblem(422, "Some values are invalid; see errors.", errors=errors)


def typed(schema: Schema, payload: dict[str, Any]) -> dict[str, Any]:
    """The payload if its types fit the schema (unknown fields refused), else 422."""
    try:
        return schema.load(payload)
    except SchemaError as exc:
        raise invalid(_first_messages(exc.messages)) from None


def _first_messages(messages: Any) -> dict[str, str]:
    """marshmallow's nested messages as field → first message."""
    if not isinstance(messages, dict):
        return {"": str(messages)}
    out = {}
    for field, value in messages.items():
        while isinstance(value, (list, dict)) and value:
            value = value[0] if isinstance(value, list) else next(iter(value.values()))
        out[str(field)] = str(value)
    return out


def _formdata(values: dict[str, Any]) -> MultiDict:
    """Values as a browser would post them: a checked box is present, an unchecked one not."""
    data = MultiDict()
    for name, value in values.items():
        if value is True:
            data.add(name, "y")
        elif value not in (False, None):
            data.add(name, value)
    return data


def _submit(form: Form, values: dict[str, Any]) -> Form:
    """Run the form's validation on ``values``; 422 with its messages when they fail."""
    form.process(formdata=_formdata(values))
    if not form.validate():
        raise invalid({name: messages[0] for name, messages in form.errors.items()})
    return form


def _stored(form: Form, names: tuple[str, ...]) -> dict[str, Any]:
    return {name: form[name].data for name in names}


def account_values(given: dict[str, Any], account: Account | None) -> dict[str, Any]:
    """Cleaned account values: the typed payload over the stored values (or the defaults)."""
    form = AccountForm(formdata=None, meta=NO_CSRF)
    if account is not None:
        form.load(account)
        form.account_number.data = account.account_number
    values = {**_stored(form, ACCOUNT_FORM_FIELDS), **_as_form_text(given)}
    return _submit(form, values).cleaned


def typed_account(payload: dict[str, Any], new: bool) -> dict[str, Any]:
    """The account payload type-checked (tags checked as a list, so a comma cannot split one)."""
    from webapp.api.schemas import AccountIn, AccountNew

    given = typed(AccountNew() if new else AccountIn(), payload)
    if given.get("tags"):
        try:
            validators.tags(given["tags"])
        except ValidationError as exc:
            raise invalid(exc.errors) from None
    return given


def _as_form_text(given: dict[str, Any]) -> dict[str, Any]:
    """JSON values in the form's text shapes."""
    values = {k: ("" if v is None else v) for k, v in given.items()}
    if "tags" in values:
        values["tags"] = ", ".join(values["tags"])
    if "annotations" in values:
        values["annotations"] = json.dumps(values["annotations"])
    return values


def typed_contact(payload: dict[str, Any], new: bool) -> dict[str, Any]:
    """The contact payload type-checked."""
    from webapp.api.schemas import ContactIn, ContactNew

    return typed(ContactNew() if new else ContactIn(), payload)


def contact_values(
    given: dict[str, Any], account: Account, contact: AccountContact | None
) -> dict[str, Any]:
    """Cleaned contact values: the typed payload over the stored values (POST: over blanks)."""
    form = ContactForm(account, formdata=None, obj=contact, meta=NO_CSRF)
    values = {**_stored(form, CONTACT_FORM_FIELDS), **_as_form_text(given)}
    return _submit(form, values).cleaned
