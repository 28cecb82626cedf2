"""Form widgets that render long, fixed option lists once per process, not once per request."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import wtforms.widgets.core
from markupsafe import Markup, escape
from wtforms import Field, SelectField, ValidationError
from wtforms.fields.choices import SelectChoice
from wtforms.widgets import Select
from wtforms.widgets.core import clean_key

__all__ = ["LongSelectField", "PrerenderedSelect", "html_params", "speed_up_wtforms"]

T = TypeVar("T")
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


_BUILT: dict[tuple[int, str], tuple[Sequence[SelectChoice], Any]] = {}


def _once(choices: Sequence[SelectChoice], build: Callable[[Sequence[SelectChoice]], T]) -> T:
    """``build(choices)``, computed once per cached choice list (kept while the list lives)."""
    key = (id(choices), build.__name__)
    entry = _BUILT.get(key)
    if entry is None or entry[0] is not choices:
        entry = _BUILT[key] = (choices, build(choices))
    return entry[1]


def _options(choices: Sequence[SelectChoice]) -> list[tuple[str, str, str]]:
    """Each choice as (value, its option tag, its option tag selected)."""
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
    return options


def _values(choices: Sequence[SelectChoice]) -> frozenset[str]:
    """The values of the choices, as a set."""
    return frozenset(str(c.value) for c in choices)


class PrerenderedSelect(Select):
    """A select over a cached list of a thousand choices (countries, time zones) that renders
    in microseconds; a current value outside the list is kept as the first option."""

    def __call__(self, field: Field, **kwargs: Any) -> Markup:
        kwargs.setdefault("id", field.id)
        if field.flags.required:
            kwargs.setdefault("required", True)
        current = "" if field.data is None else str(field.data)
        options = _once(field.choices, _options)
        html = [f"<select {html_params(name=field.name, **kwargs)}>"]
        if current and all(value != current for value, _, _ in options):
            html.append(f'<option selected value="{escape(current)}">{escape(current)}</option>')
        html.extend(selected if value == current else plain for value, plain, selected in options)
        html.append("</select>")
        return Markup("".join(html))


class LongSelectField(SelectField):
    """A select over a long, fixed, cached list (countries, time zones): rendered from
    pre-built options and checked against a set, where WTForms normalises every choice on each
    request (about 40,000 objects per account form POST)."""

    widget = PrerenderedSelect()

    def pre_validate(self, form: Any) -> None:
        """Refuse a value that is not one of the choices (unless choices are not checked)."""
        if self.process_errors or not self.validate_choice:
            return
        if str(self.data) not in _once(self.choices, _values):
            message = self.invalid_choice_message or self.gettext("Not a valid choice.")
            raise ValidationError(message)
