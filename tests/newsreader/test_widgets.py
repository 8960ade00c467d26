"""newsreader.widgets: the same HTML as Django's own widgets, faster."""

import pytest
from django import forms

from newsreader.widgets import ListSelect
from search.forms import HighlightFilterForm, SearchForm

CHOICES = [
    ("", "Any story"),
    (1, "Plain"),
    (2, 'Quotes " and <tags> & ampersands'),
    ("x'y", "An apostrophe in the value"),
    ("Group <b>", [(3, "Inside a group"), (4, "Another")]),
    (5, 7),
]


@pytest.mark.parametrize("value", [None, "", 2, "x'y", 4, [1, 3]])
@pytest.mark.parametrize(
    "attrs",
    [
        None,
        {"id": "id_story", "aria-describedby": "errors-story"},
        {"required": True, "disabled": False, "data-x": '"<&>'},
    ],
)
def test_it_renders_what_the_select_template_renders(value, attrs):
    for multiple in (False, True):
        django_widget = forms.SelectMultiple if multiple else forms.Select
        ours = type("Ours", (ListSelect,), {"allow_multiple_selected": multiple})
        theirs = django_widget(choices=CHOICES).render("story", value, attrs)
        mine = ours(choices=CHOICES).render("story", value, attrs)
        assert mine == theirs


def test_it_is_what_the_long_filters_use():
    search = SearchForm(sources=[(1, "A source")], tags=["rust"])
    highlights = HighlightFilterForm(tags=["rust"])
    for field in (search["source"], search["tag"], highlights["tag"]):
        assert isinstance(field.field.widget, ListSelect)
        html = str(field)
        assert html.startswith("<select") and "<option" in html
