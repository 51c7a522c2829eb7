"""The benchmark's URLconf: the product's URLs plus a bare view, the baseline of what one request
through the same middleware costs."""

from django.http import JsonResponse
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt


@csrf_exempt
def bare(request):
    return JsonResponse({"ok": True, "bytes": len(request.body)})


urlpatterns = [
    path("bench/bare", bare, name="bench_bare"),
    path("", include("protoplatform.urls")),
]
