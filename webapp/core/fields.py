"""Our form fields: WTForms' fields rendered by our widgets (``webapp.core.widgets``).

Forms import their fields from here, never from ``wtforms``, so every form renders the same
fast way; the class names are WTForms' own, which the templates test (``f.type``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Any

import wtforms
from flask_wtf import file

from webapp.core import widgets

__all__ = [
    "BooleanField",
    "DateField",
    "EmailField",
    "FileField",
    "HiddenField",
    "PasswordField",
    "SelectField",
    "StringField",
    "SubmitField",
    "SuggestField",
    "TextAreaField",
]

Choices = Callable[[], Sequence[tuple[str, str]]]


class StringField(wtforms.StringField):
    """A line of text."""

    widget = widgets.TextInput()


class TextAreaField(wtforms.TextAreaField):
    """Several lines of text."""

    widget = widgets.TextArea()


class EmailField(wtforms.EmailField):
    """An email address."""

    widget = widgets.EmailInput()


class FileField(file.FileField):
    """A file to upload (Flask-WTF's, which reads the request's files)."""

    widget = widgets.FileInput()


class PasswordField(wtforms.PasswordField):
    """A password, never sent back to the browser."""

    widget = widgets.PasswordInput()


class HiddenField(wtforms.HiddenField):
    """A value the form carries unseen (such as the record's revision)."""

    widget = widgets.HiddenInput()

    def __init__(self, label: str | None = "", **kwargs: Any) -> None:
        # A label is never shown; without one WTForms asks its translations for a title-cased
        # name, and Flask-WTF then reads WTForms' catalog file on every request.
        super().__init__(label, **kwargs)


class BooleanField(wtforms.BooleanField):
    """A checkbox."""

    widget = widgets.CheckboxInput()


class SubmitField(wtforms.SubmitField):
    """A submit button; its data says whether it was the one pressed."""

    widget = widgets.SubmitInput()


class DateField(wtforms.DateField):
    """A date (ISO 8601)."""

    widget = widgets.DateInput()


class SelectField(wtforms.SelectField):
    """A short list to pick one from."""

    widget = widgets.Select()


class SuggestField(StringField):
    """A code typed or picked from a long list (countries, time zones): a text input with the
    commonest choices and the current value as suggestions; the model's rule checks the value.

    ``choices`` returns the whole list as (value, label) pairs; ``suggest`` names the values
    the page lists (the rest comes from the JSON file that ``static/js/choices.js`` loads).
    """

    widget = widgets.DataListInput()

    def __init__(
        self, label: str | None = None, *, choices: Choices, suggest: Sequence[str], **kwargs: Any
    ) -> None:
        super().__init__(label, **kwargs)
        self.suggestions, self.suggested, self._labels = _suggestions(choices, tuple(suggest))

    def label_of(self, value: str) -> str:
        """The label of one value (the value itself when it is not in the list)."""
        return self._labels.get(value, value)


@lru_cache(maxsize=32)
def _suggestions(
    choices: Choices, suggest: tuple[str, ...]
) -> tuple[str, frozenset[str], dict[str, str]]:
    """The suggested options' HTML, their values and every label: built once per list."""
    labels = dict(choices())
    html = "".join(widgets.datalist_option(value, labels[value]) for value in suggest)
    return html, frozenset(suggest), labels
