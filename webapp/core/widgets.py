"""Form widgets that render long, fixed option lists once per process, not once per request."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import wtforms.widgets.core
from markupsafe import Markup, escape
from wtforms import Field, SelectField, ValidationError
from wtforms.fields.choices import SelectChoice
from wtforms.widgets import Select
from wtforms.widgets.core import clean_key

__all__ = ["LongSelectField", "PrerenderedSelect", "html_params", "speed_up_wtforms"]

WTFORMS_HTML_PARAMS = wtforms.widgets.core.html_params  # the original, for comparison


def html_params(**kwargs: Any) -> Markup:
    """WTForms' ``html_params`` with the same output, built with f-strings: the original's
    ``Markup.format`` per attribute was about a third of an account form page's time."""
    params = []
    for key, value in sorted(kwargs.items()):
        name = escape(clean_key(key))
        if value is True:
            params.append(str(name))
        elif value is not False:
            params.append(f'{name}="{escape(value)}"')
    return Markup(" ".join(params))


def speed_up_wtforms() -> None:
    """Make every WTForms widget render its attributes with the faster ``html_params``
    (inputs and buttons hold it as a static method, the others read the module's)."""
    core = wtforms.widgets.core
    core.html_params = html_params
    for widget in (core.Input, core.Button):
        widget.html_params = staticmethod(html_params)

_RENDERED: dict[int, tuple[Sequence[SelectChoice], list[tuple[str, str, str]]]] = {}


def _rendered(choices: Sequence[SelectChoice]) -> list[tuple[str, str, str]]:
    """Each choice as (value, its option tag, its option tag selected); built once per list."""
    entry = _RENDERED.get(id(choices))
    if entry is None or entry[0] is not choices:
        options = []
        for choice in choices:
            value, label = escape(choice.value), escape(choice.label or choice.value)
            options.append(
                (
                    str(choice.value),
                    f'<option value="{value}">{label}</option>',
                    f'<option selected value="{value}">{label}</option>',
                )
            )
        entry = _RENDERED[id(choices)] = (choices, options)
    return entry[1]


class PrerenderedSelect(Select):
    """A select over a cached list of a thousand choices (countries, time zones) that renders
    in microseconds; a current value outside the list is kept as the first option."""

    def __call__(self, field: Field, **kwargs: Any) -> Markup:
        kwargs.setdefault("id", field.id)
        if field.flags.required:
            kwargs.setdefault("required", True)
        current = "" if field.data is None else str(field.data)
        options = _rendered(field.choices)
        html = [f"<select {html_params(name=field.name, **kwargs)}>"]
        if current and all(value != current for value, _, _ in options):
            html.append(f'<option selected value="{escape(current)}">{escape(current)}</option>')
        html.extend(selected if value == current else plain for value, plain, selected in options)
        html.append("</select>")
        return Markup("".join(html))


_VALUES: dict[int, tuple[Sequence[SelectChoice], frozenset[str]]] = {}


def _values(choices: Sequence[SelectChoice]) -> frozenset[str]:
    """The values of a cached choice list, as a set built once."""
    entry = _VALUES.get(id(choices))
    if entry is None or entry[0] is not choices:
        entry = _VALUES[id(choices)] = (choices, frozenset(str(c.value) for c in choices))
    return entry[1]


class LongSelectField(SelectField):
    """A select over a long, fixed, cached list (countries, time zones): rendered from
    pre-built options and checked against a set, where WTForms normalises every choice on each
    request (about 40,000 objects per account form POST)."""

    widget = PrerenderedSelect()

    def pre_validate(self, form: Any) -> None:
        """Refuse a value that is not one of the choices (unless choices are not checked)."""
        if self.process_errors or not self.validate_choice:
            return
        if str(self.data) not in _values(self.choices):
            message = self.invalid_choice_message or self.gettext("Not a valid choice.")
            raise ValidationError(message)
