"""Our form widgets: WTForms' markup, with attributes written by a faster ``html_params``.

WTForms' own ``html_params`` builds each attribute with ``Markup.format``, about a third of an
account form page's time. Rather than replace it inside WTForms (a patch that a WTForms
upgrade would silently break), our widgets subclass WTForms' and write their attributes with
ours; a WTForms upgrade can at worst make them slower, never wrong.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from markupsafe import Markup, escape
from wtforms import Field, widgets
from wtforms.fields.choices import SelectChoice
from wtforms.widgets.core import clean_key

__all__ = [
    "CheckboxInput",
    "DataListInput",
    "DateInput",
    "EmailInput",
    "FileInput",
    "HiddenInput",
    "PasswordInput",
    "Select",
    "SubmitInput",
    "TextArea",
    "TextInput",
    "datalist_option",
    "html_params",
]


def html_params(**kwargs: Any) -> Markup:
    """WTForms' ``html_params`` with the same output, built with f-strings."""
    params = []
    for key, value in sorted(kwargs.items()):
        if value is True:
            params.append(_attribute(key))
        elif value is not False:
            params.append(f'{_attribute(key)}="{escape(value)}"')
    return Markup(" ".join(params))


@lru_cache(maxsize=512)
def _attribute(key: str) -> str:
    """An attribute's name from a keyword (``class_`` → class, ``data_x`` → data-x), escaped."""
    return str(escape(clean_key(key)))


class _OurParams:
    """WTForms' inputs and buttons write attributes with ``self.html_params``: use ours."""

    html_params = staticmethod(html_params)


class TextInput(_OurParams, widgets.TextInput):
    """``<input type="text">``."""


class EmailInput(_OurParams, widgets.EmailInput):
    """``<input type="email">``."""


class PasswordInput(_OurParams, widgets.PasswordInput):
    """``<input type="password">``, never echoing the value back."""


class HiddenInput(_OurParams, widgets.HiddenInput):
    """``<input type="hidden">``."""


class CheckboxInput(_OurParams, widgets.CheckboxInput):
    """``<input type="checkbox">``, checked when the field's data is true."""


class SubmitInput(_OurParams, widgets.SubmitInput):
    """``<input type="submit">`` labelled with the field's label."""


class DateInput(_OurParams, widgets.DateInput):
    """``<input type="date">``."""


class FileInput(_OurParams, widgets.FileInput):
    """``<input type="file">``, never echoing a value back."""


class TextArea(widgets.TextArea):
    """``<textarea>``, as WTForms writes it."""

    def __call__(self, field: Field, **kwargs: Any) -> Markup:
        kwargs.setdefault("id", field.id)
        _add_flags(field, self.validation_attrs, kwargs)
        params = html_params(name=field.name, **kwargs)
        return Markup(f"<textarea {params}>\r\n{escape(field._value())}</textarea>")


class Select(widgets.Select):
    """``<select>`` with its options, as WTForms writes it (option groups left to WTForms)."""

    def __call__(self, field: Field, **kwargs: Any) -> Markup:
        if self.multiple or field.has_groups():
            return super().__call__(field, **kwargs)
        kwargs.setdefault("id", field.id)
        _add_flags(field, self.validation_attrs, kwargs)
        options = "".join(map(_option, field.iter_choices()))
        return Markup(f"<select {html_params(name=field.name, **kwargs)}>{options}</select>")


def _option(choice: SelectChoice) -> str:
    value = str(choice.value) if isinstance(choice.value, bool) else choice.value
    attrs = {"value": value, **(choice.render_kw or {})}
    if choice.selected:
        attrs["selected"] = True
    return f"<option {html_params(**attrs)}>{escape(choice.label or choice.value)}</option>"


def _add_flags(field: Field, names: Iterable[str], kwargs: dict[str, Any]) -> None:
    """The field's flags (required, maxlength...) that this widget writes as attributes."""
    flags = vars(field.flags)
    for name in names:
        if name in flags and name not in kwargs:
            kwargs[name] = flags[name]


class DataListInput(TextInput):
    """A text input with a ``<datalist>`` of a few suggestions (and the current value), for a
    field whose full list is too long for every page: the browser fetches that one separately.

    The field provides ``suggestions`` (the options' HTML, built once) and ``label_of(value)``.
    """

    def __call__(self, field: Field, **kwargs: Any) -> Markup:
        list_id = f"{field.id}-options"
        kwargs.setdefault("list", list_id)
        kwargs.setdefault("autocomplete", "off")
        current = field._value()
        extra = ""
        if current and current not in field.suggested:
            extra = datalist_option(current, field.label_of(current))
        suggestions = f'<datalist id="{escape(list_id)}">{extra}{field.suggestions}</datalist>'
        return Markup(f"{super().__call__(field, **kwargs)}{suggestions}")


def datalist_option(value: str, label: str) -> str:
    """One ``<option>`` of a datalist (no text when the label is the value itself)."""
    text = "" if label == value else escape(label)
    return f'<option value="{escape(value)}">{text}</option>'
