"""Form widgets that render long, fixed option lists once per process, not once per request."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from markupsafe import Markup, escape
from wtforms import Field
from wtforms.fields.choices import SelectChoice
from wtforms.widgets import Select, html_params

__all__ = ["PrerenderedSelect"]

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
