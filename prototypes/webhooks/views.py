from django.contrib import messages
from django.db import transaction
from django.db.models import Prefetch
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from prototypes.webhooks.forms import EndpointEditForm, EndpointForm
from prototypes.webhooks.models import Delivery, DeliveryAttempt, Endpoint
from prototypes.webhooks.tasks import redeliver
from prototypes.workspaces.access import get_scoped_object_or_404, workspace_view
from prototypes.workspaces.http import WorkspaceRequest
from prototypes.workspaces.models import Role, Workspace

# The delivery log shows the latest deliveries; older ones stay in the database.
LOG_LENGTH = 50


@workspace_view(Role.OWNER)
def webhook_list(request: WorkspaceRequest, workspace_pk: int) -> HttpResponse:
    workspace = get_scoped_object_or_404(request, Workspace, pk=workspace_pk)
    form = EndpointForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        endpoint = form.save(commit=False)
        endpoint.workspace = workspace
        endpoint.created_by = request.user
        endpoint.save()
        messages.success(request, "Webhook added. Use its signing secret to verify what we send.")
        return redirect("webhook_detail", endpoint.pk)
    return render(
        request,
        "webhooks/list.html",
        {"workspace": workspace, "endpoints": workspace.webhooks.all(), "form": form},
    )


@workspace_view(Role.OWNER)
def webhook_detail(request: WorkspaceRequest, endpoint_pk: int) -> HttpResponse:
    endpoint = get_scoped_object_or_404(
        request, Endpoint.objects.select_related("workspace"), pk=endpoint_pk
    )
    form = EndpointEditForm(request.POST or None, instance=endpoint)
    if request.method == "POST" and form.is_valid():
        endpoint = form.save(commit=False)
        if endpoint.is_active:
            endpoint.failures_in_a_row = 0
            endpoint.disabled_at = None
            endpoint.disabled_reason = ""
        endpoint.save()
        messages.success(request, "Webhook saved.")
        return redirect("webhook_detail", endpoint.pk)
    deliveries = endpoint.deliveries.prefetch_related(
        Prefetch("attempt_log", queryset=DeliveryAttempt.objects.order_by("number"))
    )[:LOG_LENGTH]
    return render(
        request,
        "webhooks/detail.html",
        {"endpoint": endpoint, "form": form, "deliveries": deliveries},
    )


@require_POST
@workspace_view(Role.OWNER)
def webhook_delete(request: WorkspaceRequest, endpoint_pk: int) -> HttpResponse:
    endpoint = get_scoped_object_or_404(request, Endpoint, pk=endpoint_pk)
    endpoint.delete()
    messages.success(request, f"Webhook to {endpoint.url} deleted.")
    return redirect("webhook_list", endpoint.workspace_id)


@require_POST
@workspace_view(Role.OWNER)
def delivery_redeliver(request: WorkspaceRequest, delivery_pk: int) -> HttpResponse:
    delivery = get_scoped_object_or_404(
        request, Delivery.objects.select_related("endpoint"), pk=delivery_pk
    )
    with transaction.atomic():
        redeliver(delivery)
    messages.success(request, "Sent again: the log below shows the answer.")
    return redirect("webhook_detail", delivery.endpoint_id)
