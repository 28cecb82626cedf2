"""Our widgets write exactly WTForms' markup, every form uses them, and WTForms is left alone."""

from __future__ import annotations

import importlib
import inspect
from pathlib import Path

import pytest
import wtforms
import wtforms.widgets.core
from markupsafe import Markup
from wtforms.fields.choices import SelectChoice
from wtforms.fields.core import UnboundField
from wtforms.validators import DataRequired, Length

from webapp.core import fields, widgets
from webapp.core.widgets import html_params

WEBAPP = Path(fields.__file__).resolve().parents[1]


@pytest.mark.parametrize(
    "attrs",
    [
        {"name": "text1", "id": "f", "class_": "text"},
        {"checked": True, "readonly": False, "name": "t", "abc": "hello"},
        {"data_attr": "user.name", "aria_describedby": "a b", "data_searchable": "find"},
        {"value": 'say "hi" <b>&</b>', "placeholder": "it's", "maxlength": 14, "x": None},
        {"value": Markup("<em>kept</em>"), "for_": "id"},
        {},
    ],
)
def test_html_params_writes_what_wtforms_writes(attrs):
    assert html_params(**attrs) == wtforms.widgets.core.html_params(**attrs)
    assert isinstance(html_params(**attrs), Markup)


def test_wtforms_is_not_patched(app):
    """Creating the app changes nothing inside WTForms (an upgrade cannot break a patch)."""
    core = wtforms.widgets.core
    assert core.html_params is not html_params
    assert core.Input.html_params is not html_params
    assert core.Button.html_params is not html_params


CHOICES = [SelectChoice("a", "Alpha <1>"), SelectChoice("b", 'Beta "2"'), SelectChoice(True, "Yes")]


class Theirs(wtforms.Form):
    text = wtforms.StringField(validators=[DataRequired(), Length(max=20)])
    email = wtforms.EmailField(validators=[Length(min=3, max=320)])
    password = wtforms.PasswordField(validators=[DataRequired()])
    hidden = wtforms.HiddenField()
    flag = wtforms.BooleanField()
    submit = wtforms.SubmitField("Save & go")
    day = wtforms.DateField()
    area = wtforms.TextAreaField(validators=[Length(max=99)])
    pick = wtforms.SelectField(choices=CHOICES)


class Ours(wtforms.Form):
    text = fields.StringField(validators=[DataRequired(), Length(max=20)])
    email = fields.EmailField(validators=[Length(min=3, max=320)])
    password = fields.PasswordField(validators=[DataRequired()])
    hidden = fields.HiddenField()
    flag = fields.BooleanField()
    submit = fields.SubmitField("Save & go")
    day = fields.DateField()
    area = fields.TextAreaField(validators=[Length(max=99)])
    pick = fields.SelectField(choices=CHOICES)


DATA = {
    "text": 'say "hi" <b>',
    "email": "a@b.c",
    "password": "secret",
    "hidden": "7",
    "flag": True,
    "day": "2026-01-31",
    "area": "line one\n<two>",
    "pick": "b",
}


@pytest.mark.parametrize("name", list(DATA) + ["submit"])
@pytest.mark.parametrize("data", [None, DATA])
@pytest.mark.parametrize(
    "attrs",
    [{}, {"class_": "form-control is-invalid", "aria-describedby": "x-help", "required": True}],
)
def test_each_field_renders_exactly_as_wtforms(name, data, attrs):
    import datetime

    values = dict(data or {})
    if values:
        values["day"] = datetime.date(2026, 1, 31)
    theirs, ours = Theirs(data=values), Ours(data=values)
    assert ours[name](**attrs) == theirs[name](**attrs)
    assert ours[name].type == theirs[name].type  # the templates test it


def form_classes():
    """Every FlaskForm subclass the app defines."""
    from flask_wtf import FlaskForm

    found = set()
    for path in WEBAPP.glob("*/forms.py"):
        module = importlib.import_module(f"webapp.{path.parent.name}.forms")
        found.update(
            cls
            for _, cls in inspect.getmembers(module, inspect.isclass)
            if issubclass(cls, FlaskForm) and cls is not FlaskForm
        )
    return sorted(found, key=lambda cls: cls.__qualname__)


def test_every_form_renders_through_our_widgets():
    classes = form_classes()
    assert len(classes) >= 10
    for cls in classes:
        for name in dir(cls):
            unbound = getattr(cls, name)
            if not isinstance(unbound, UnboundField):
                continue
            widget = unbound.kwargs.get("widget") or getattr(unbound.field_class, "widget", None)
            if widget is not None:  # a field without one is never rendered
                assert type(widget).__module__ == widgets.__name__, (cls, name)
