"""Every form field is drawn one way: FORM_RENDERER's template, labels without a colon."""

from pathlib import Path

import pytest
from django import forms
from django.conf import settings
from django.contrib.auth.forms import SetPasswordForm

from prototypes.authoring.forms import PrototypeForm
from prototypes.forms import PlainLabels
from prototypes.studies.forms import ProblemForm
from prototypes.workspaces.forms import SignUpForm

ROOTS = [Path(settings.BASE_DIR) / "templates", Path(settings.BASE_DIR) / "prototypes/templates"]


def test_a_field_is_drawn_with_its_label_help_errors_and_input_in_one_box():
    form = ProblemForm(data={"title": ""})

    html = str(form["title"].as_field_group())

    assert html.lstrip().startswith('<div class="field has-errors">')
    assert '<label for="id_title">' in html
    assert "This field is required." in html
    assert html.index("<label") < html.index("errorlist") < html.index("<input")


class Agreement(PlainLabels, forms.Form):
    agree = forms.BooleanField(help_text="You can change your mind later.")


def test_a_checkbox_sits_inside_its_label():
    html = str(Agreement()["agree"].as_field_group())

    assert html.index("<label") < html.index('type="checkbox"') < html.index("</label>")
    assert 'id="id_agree_helptext"' in html


@pytest.mark.django_db
def test_labels_have_no_colon_even_on_django_s_own_forms(django_user_model):
    user = django_user_model(email="a@example.com")
    forms = [PrototypeForm(), ProblemForm(), SignUpForm(), SetPasswordForm(user)]

    for form in forms:
        for field in form.visible_fields():
            assert f"{field.label}:" not in str(field.as_field_group()), field.name


def test_help_is_tied_to_its_input_for_screen_readers():
    form = SetPasswordForm(None)
    field = form["new_password1"]

    html = str(field.as_field_group())

    assert 'id="id_new_password1_helptext"' in html
    assert 'aria-describedby="id_new_password1_helptext"' in html


def test_no_template_draws_a_field_by_hand_with_an_include():
    includes = [
        str(path)
        for root in ROOTS
        for path in root.rglob("*.html")
        if "_field.html" in path.read_text()
    ]

    assert includes == []
