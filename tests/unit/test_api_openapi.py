"""The OpenAPI document: valid OpenAPI 3.1, complete, served as JSON and as a page, and the one
source of docs/api.md."""

import re

import pytest
from django.core.management import call_command
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from openapi_spec_validator import validate

from prototypes.api.docs import markdown, markdown_html
from prototypes.api.openapi import document
from prototypes.management.commands.api_docs import docs_path

# The routes of the public surface: every one must be in the document, and nothing else.
PUBLIC_SURFACE = re.compile(r"^(api/(?!openapi\.json$)(?!$)|r/|scripts/route/)")


def routes(patterns=None, prefix=""):
    for entry in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(entry, URLResolver):
            yield from routes(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern)


def as_openapi(route):
    return "/" + re.sub(r"<(?:\w+:)?\w+>", "{}", route)


def test_the_document_is_valid_openapi_3_1():
    spec = document()
    assert spec["openapi"].startswith("3.1")
    validate(spec)


def test_every_public_route_is_documented_and_nothing_else():
    in_urls = {as_openapi(route) for route in routes() if PUBLIC_SURFACE.match(route)}
    in_document = {re.sub(r"\{\w+\}", "{}", path) for path in document()["paths"]}
    assert in_urls == in_document


def test_documented_methods_are_the_views_methods():
    from prototypes.api.views import studies

    spec = document()["paths"]["/api/v1/studies"]
    assert set(studies.api_scopes) == {method.upper() for method in spec}
    for method, operation in spec.items():
        assert operation["x-scope"] == studies.api_scopes[method.upper()]


def test_the_document_is_served_as_json(client, db):
    response = client.get(reverse("openapi_document"))
    assert response.status_code == 200
    assert response.json() == document()


def test_the_document_is_drawn_as_a_page_without_scripts_or_outside_resources(client, db):
    response = client.get(reverse("openapi_page"))
    assert response.status_code == 200
    page = response.content.decode()
    for path in document()["paths"]:
        assert f"{path}</code>" in page
    assert "<h3>Schemas</h3>" not in page and 'id="schemas"' in page
    assert "<table>" in page and "<pre><code>" in page
    assert not re.search(r"""(src|href)=["']https?://""", page)
    assert "<script" not in page.split("</header>")[-1]


def test_docs_api_md_is_generated_from_the_document():
    assert docs_path().read_text(encoding="utf-8") == markdown(document()), (
        "docs/api.md is out of date: run `manage.py api_docs`."
    )
    call_command("api_docs", "--check")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a `<b>` and **bold**", "<p>a <code>&lt;b&gt;</code> and <strong>bold</strong></p>"),
        ("* one\n  two\n* three", "<ul><li>one two</li><li>three</li></ul>"),
        ('```json\n{"a": 1}\n```', "<pre><code>{&quot;a&quot;: 1}</code></pre>"),
        ("#### Idempotency", "<h5>Idempotency</h5>"),
        ("[docs](api-reports.md)", '<p><a href="api-reports.md">docs</a></p>'),
    ],
)
def test_descriptions_are_drawn_as_escaped_html(text, expected):
    assert str(markdown_html(text)) == expected


def test_a_table_becomes_a_table():
    drawn = str(markdown_html("| A | B |\n|---|---|\n| `x \\| y` | 2 |"))
    assert '<th scope="col">A</th>' in drawn and "<td><code>x | y</code></td>" in drawn
