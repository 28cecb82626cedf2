"""The faster attribute renderer writes exactly what WTForms' own writes."""

from __future__ import annotations

import pytest
from markupsafe import Markup

from webapp.core.widgets import WTFORMS_HTML_PARAMS, html_params


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
def test_same_output_as_wtforms(attrs):
    assert html_params(**attrs) == WTFORMS_HTML_PARAMS(**attrs)
    assert isinstance(html_params(**attrs), Markup)


def test_the_app_renders_fields_with_it(app):
    import wtforms.widgets.core

    core = wtforms.widgets.core
    assert core.html_params is core.Input.html_params is core.Button.html_params is html_params
