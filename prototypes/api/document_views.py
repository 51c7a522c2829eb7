"""The OpenAPI document served as JSON for tools and drawn as a page for people."""

from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET

from prototypes.api.docs import markdown_html, outline, schema_rows
from prototypes.api.openapi import document
from prototypes.workspaces.access import public_view


@require_GET
@public_view
def openapi_document(request):
    """The OpenAPI document, for tools (code generators, Schemathesis, API clients)."""
    return JsonResponse(document(), json_dumps_params={"indent": 1})


@require_GET
@public_view
def openapi_page(request):
    """The same document drawn as a page for people."""
    doc = document()
    sections = outline(doc)
    for section in sections:
        section.html = markdown_html(section.description)
        for operation in section.operations:
            operation.html = markdown_html(operation.description)
    context = {
        "info": doc["info"],
        "intro": markdown_html(doc["info"]["description"]),
        "sections": sections,
        "schemas": list(schema_rows(doc)),
    }
    return render(request, "api/openapi.html", context)


@csrf_exempt
@public_view
def api_not_found(request):
    """Whatever path under /api/ no endpoint takes: a JSON 404, as the API's clients expect,
    rather than the site's page (a malformed id such as /api/v1/studies/x matches no route)."""
    return JsonResponse(
        {"error": "No such API endpoint. The endpoints are listed at /api/openapi.json."},
        status=404,
    )
