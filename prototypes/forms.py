"""How every form is drawn: one field template for all pages, and labels without a colon.

After spookylukey/django-htmx-patterns' form_renderers.py: templates write
`{{ form.x.as_field_group }}`, and FORM_RENDERER decides what a field looks like.
"""

from django.forms.renderers import DjangoTemplates


class FormRenderer(DjangoTemplates):
    field_template_name = "forms/field.html"


class PlainLabels:
    """Labels without Django's trailing colon, as on the rest of the product."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
