import json

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import urlencode
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from prototypes.ratelimit import Limit, client_ip, rate_limited
from prototypes.recruitment import csv_import, funnel, panel, privacy
from prototypes.recruitment.forms import (
    ConfirmImportForm,
    ContactFilterForm,
    EraseForm,
    InviteForm,
    LinkForm,
    PanelSettingsForm,
    PrivacySearchForm,
    ScreenerQuestionForm,
    SegmentForm,
    StudyRecruitmentForm,
    UploadForm,
)
from prototypes.recruitment.models import (
    ConsentText,
    Contact,
    ContactImport,
    LinkSettings,
    ScreenerQuestion,
    Segment,
    StudyInvitation,
)
from prototypes.sessions.models import ParticipantSession
from prototypes.studies import participants
from prototypes.studies.models import ShareLink, Study
from prototypes.tokens import undo_revoke
from prototypes.workspaces.access import (
    get_scoped_object_or_404,
    public_view,
    require_workspace,
    workspace_view,
)
from prototypes.workspaces.models import Role

CONTACTS_PER_PAGE = 50
INVITATIONS_PER_PAGE = 100
# Personal links and unsubscribe links are opened by people, a few times each.
PARTICIPANT_LINKS_LIMIT = Limit("recruitment-links", requests=30, seconds=60)


def _study(request, study_pk):
    return get_scoped_object_or_404(
        request, Study.objects.select_related("workspace", "prototype_version"), pk=study_pk
    )


def _posted(request):
    return request.POST if request.method == "POST" else None


def _to_recruitment(study, anchor=""):
    url = reverse("study_recruitment", args=[study.pk])
    return redirect(url + (f"#{anchor}" if anchor else ""))


def _can(request, workspace_id, role):
    return request.memberships[workspace_id].has_role(role)


# A study's recruitment.


def _funnel_context(study):
    return {
        "study": study,
        "funnel": funnel.study_funnel(study),
        "refusals": funnel.refusal_counts(study),
        "polling": study.state in (Study.State.LIVE, Study.State.PAUSED),
    }


@workspace_view(Role.VIEWER)
def study_recruitment(request, study_pk):
    study = _study(request, study_pk)
    recruitment = panel.recruitment_of(study)
    context = _funnel_context(study)
    link_settings = {row.link_id: row for row in LinkSettings.objects.filter(link__study=study)}
    context.update(
        recruitment=recruitment,
        links=[
            (
                link,
                settings.SITE_URL + link.get_absolute_url(),
                link_settings.get(link.pk),
                participants.closing_reason(link),
            )
            for link in context["funnel"].links
        ],
        questions=list(study.screener_questions.prefetch_related("segments")),
        can_edit=_can(request, study.workspace_id, Role.DESIGNER),
        now=timezone.now(),
    )
    return render(request, "recruitment/study_recruitment.html", context)


@workspace_view(Role.VIEWER)
def recruitment_funnel(request, study_pk):
    study = _study(request, study_pk)
    return render(request, "recruitment/study_recruitment.html#funnel", _funnel_context(study))


@workspace_view(Role.DESIGNER)
def recruitment_settings(request, study_pk):
    study = _study(request, study_pk)
    form = StudyRecruitmentForm(_posted(request), instance=panel.recruitment_of(study))
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Recruitment settings saved.")
        return _to_recruitment(study, "settings")
    return render(
        request,
        "recruitment/form_page.html",
        {
            "study": study,
            "form": form,
            "title": "Recruitment settings",
            "intro": "The study's overall quota, and the email sent to contacts you invite.",
            "submit_label": "Save",
            "cancel_url": reverse("study_recruitment", args=[study.pk]) + "#settings",
        },
    )


# Share links.


def _link(request, link_pk):
    return get_scoped_object_or_404(
        request, ShareLink.objects.select_related("study__workspace"), pk=link_pk
    )


def _link_page(request, study, form, *, title, submit_label):
    return render(
        request,
        "recruitment/form_page.html",
        {
            "study": study,
            "form": form,
            "title": title,
            "intro": "Make one link per place you share the study, so results can be split "
            "by source.",
            "submit_label": submit_label,
            "cancel_url": reverse("study_recruitment", args=[study.pk]) + "#links",
        },
    )


@workspace_view(Role.DESIGNER)
def link_create(request, study_pk):
    study = _study(request, study_pk)
    form = LinkForm(_posted(request), instance=ShareLink(study=study, name=""))
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            link = form.save()
        messages.success(request, f"Link “{link.name}” created: copy it below.")
        return _to_recruitment(study, "links")
    return _link_page(request, study, form, title="Add a share link", submit_label="Add the link")


@workspace_view(Role.DESIGNER)
def link_edit(request, link_pk):
    link = _link(request, link_pk)
    form = LinkForm(_posted(request), instance=link)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            form.save()
        messages.success(request, f"Link “{link.name}” saved.")
        return _to_recruitment(link.study, "links")
    return _link_page(
        request, link.study, form, title=f"Edit the link “{link.name}”", submit_label="Save"
    )


@require_POST
@workspace_view(Role.DESIGNER)
def link_revoke(request, link_pk):
    link = _link(request, link_pk)
    if link.revoked_at is None:
        ShareLink.objects.filter(pk=link.pk, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
        messages.success(
            request,
            f"Link “{link.name}” revoked: it takes nobody new. Those who started can finish. "
            "You can undo this for the next 15 minutes.",
        )
    return _to_recruitment(link.study, "links")


@require_POST
@workspace_view(Role.DESIGNER)
def link_restore(request, link_pk):
    link = _link(request, link_pk)
    if undo_revoke(ShareLink.objects.filter(pk=link.pk)):
        messages.success(request, f"Link “{link.name}” works again.")
    else:
        messages.error(
            request, f"Link “{link.name}” was revoked too long ago to bring back: add a new one."
        )
    return _to_recruitment(link.study, "links")


# Screener and segments.


def _screener_page(request, study, form, *, title, submit_label):
    return render(
        request,
        "recruitment/screener_form.html",
        {"study": study, "form": form, "title": title, "submit_label": submit_label},
    )


@workspace_view(Role.DESIGNER)
def screener_create(request, study_pk):
    study = _study(request, study_pk)
    form = ScreenerQuestionForm(_posted(request), study=study)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            form.save()
        messages.success(request, "Screener question added.")
        return _to_recruitment(study, "screener")
    return _screener_page(
        request, study, form, title="Add a screener question", submit_label="Add the question"
    )


def _screener_question(request, screener_pk):
    return get_scoped_object_or_404(
        request, ScreenerQuestion.objects.select_related("study__workspace"), pk=screener_pk
    )


@workspace_view(Role.DESIGNER)
def screener_edit(request, screener_pk):
    question = _screener_question(request, screener_pk)
    form = ScreenerQuestionForm(_posted(request), instance=question, study=question.study)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            form.save()
        messages.success(request, "Screener question saved.")
        return _to_recruitment(question.study, "screener")
    return _screener_page(
        request, question.study, form, title="Edit the screener question", submit_label="Save"
    )


@workspace_view(Role.DESIGNER)
def screener_delete(request, screener_pk):
    question = _screener_question(request, screener_pk)
    segments = question.segments.count()
    return _delete_screener_item(
        request,
        question.study,
        question,
        deleted_message="Screener question deleted.",
        title="Delete this screener question?",
        subject=question.text,
        consequences=[
            "Participants are no longer asked it; the answers already given stay with "
            "their sessions.",
            *([f"Its {segments} segment(s) are deleted with it."] if segments else []),
        ],
        submit_label="Delete the question",
    )


def _delete_screener_item(request, study, item, *, deleted_message, **confirmation):
    """Delete a screener question or segment once confirmed, then back to the screener."""
    if request.method == "POST":
        item.delete()
        messages.success(request, deleted_message)
        return _to_recruitment(study, "screener")
    return render(request, "recruitment/confirm.html", {"study": study, **confirmation})


@workspace_view(Role.DESIGNER)
def segment_create(request, study_pk):
    study = _study(request, study_pk)
    form = SegmentForm(_posted(request), study=study)
    if not form.questions:
        messages.error(
            request, "A segment groups the answers to a single-choice screener question: add one."
        )
        return _to_recruitment(study, "screener")
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            form.save()
        messages.success(request, "Segment added.")
        return _to_recruitment(study, "screener")
    return render(
        request,
        "recruitment/form_page.html",
        {
            "study": study,
            "form": form,
            "title": "Add a segment",
            "intro": "A segment is everyone giving one answer to a screener question, with its "
            "own quota of completed participants, e.g. half new customers and half returning "
            "ones. Once a segment is full, more people giving that answer are thanked and do "
            "not take part.",
            "submit_label": "Add the segment",
            "cancel_url": reverse("study_recruitment", args=[study.pk]) + "#screener",
        },
    )


def _segment(request, segment_pk):
    return get_scoped_object_or_404(
        request, Segment.objects.select_related("study__workspace", "question"), pk=segment_pk
    )


@workspace_view(Role.DESIGNER)
def segment_edit(request, segment_pk):
    segment = _segment(request, segment_pk)
    form = SegmentForm(_posted(request), instance=segment, study=segment.study)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            form.save()
        messages.success(request, "Segment saved.")
        return _to_recruitment(segment.study, "screener")
    return render(
        request,
        "recruitment/form_page.html",
        {
            "study": segment.study,
            "form": form,
            "title": "Edit the segment",
            "submit_label": "Save",
            "cancel_url": reverse("study_recruitment", args=[segment.study_id]) + "#screener",
        },
    )


@workspace_view(Role.DESIGNER)
def segment_delete(request, segment_pk):
    segment = _segment(request, segment_pk)
    return _delete_screener_item(
        request,
        segment.study,
        segment,
        deleted_message="Segment deleted: its answer no longer has a quota.",
        title="Delete this segment?",
        subject=str(segment),
        consequences=["Participants giving this answer are no longer limited in number."],
        submit_label="Delete the segment",
    )


# Invitations of a study.


@workspace_view(Role.DESIGNER)
def invitation_list(request, study_pk):
    study = _study(request, study_pk)
    invitations = StudyInvitation.objects.filter(study=study).select_related("contact")
    status = request.GET.get("status", "")
    if status in StudyInvitation.Status.values:
        invitations = invitations.filter(status=status)
    counts = dict(
        StudyInvitation.objects.filter(study=study)
        .values_list("status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    page = Paginator(invitations, INVITATIONS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "recruitment/invitation_list.html",
        {
            "study": study,
            "page": page,
            "status": status,
            "statuses": [
                (value, label, counts.get(value, 0))
                for value, label in StudyInvitation.Status.choices
            ],
            "total": sum(counts.values()),
        },
    )


@require_POST
@workspace_view(Role.DESIGNER)
def invitation_resend(request, study_invitation_pk):
    invitation = get_scoped_object_or_404(
        request, StudyInvitation.objects.select_related("study"), pk=study_invitation_pk
    )
    if panel.resend(invitation):
        messages.success(request, "The invitation is being sent again.")
    else:
        messages.error(
            request,
            "Only an invitation that could not be sent, to a subscribed contact, can "
            "be sent again.",
        )
    return redirect("study_invitation_list", invitation.study_id)


@workspace_view(Role.VIEWER)
def consent_history(request, study_pk):
    study = _study(request, study_pk)
    agreed = dict(
        ParticipantSession.objects.filter(study=study)
        .values_list("consent_version")
        .annotate(n=Count("pk"))
        .order_by()
    )
    texts = list(ConsentText.objects.filter(study=study))
    for text in texts:
        text.agreed = agreed.get(text.version, 0)
    return render(request, "recruitment/consent_history.html", {"study": study, "texts": texts})


# The panel.


def _filtered_contacts(workspace, data):
    """The contacts the filter form selects, the bound form and the filters it parsed."""
    form = ContactFilterForm(data)
    filters = []
    contacts = panel.find_contacts(workspace)
    if form.is_valid():
        try:
            filters = panel.parse_filters(form.cleaned_data["filters"])
        except panel.FilterError as error:
            form.add_error("filters", str(error))
        else:
            contacts = panel.find_contacts(
                workspace,
                filters,
                search=form.cleaned_data["search"].strip(),
                subscribed_only=form.cleaned_data["subscribed"],
            )
    return contacts, form, filters


@workspace_view(Role.DESIGNER)
def contact_list(request):
    workspace = require_workspace(request)
    contacts, form, filters = _filtered_contacts(workspace, request.GET or None)
    page = Paginator(contacts.order_by("email", "id"), CONTACTS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "recruitment/contact_list.html",
        {
            "workspace": workspace,
            "form": form,
            "filters": filters,
            "page": page,
            "query": query.urlencode(),
            "attributes": panel.known_attributes(workspace),
            "panel_size": Contact.objects.filter(workspace=workspace).count(),
            "is_owner": _can(request, workspace.pk, Role.OWNER),
            "live_studies": Study.objects.filter(
                workspace=workspace, state=Study.State.LIVE
            ).exists(),
        },
    )


@workspace_view(Role.DESIGNER)
def contact_detail(request, contact_pk):
    contact = get_scoped_object_or_404(request, Contact, pk=contact_pk)
    return render(
        request,
        "recruitment/contact_detail.html",
        {
            "contact": contact,
            "invitations": list(contact.invitations.select_related("study", "session")),
            "is_owner": _can(request, contact.workspace_id, Role.OWNER),
        },
    )


@workspace_view(Role.DESIGNER)
def contact_invite(request):
    """Invite the contacts chosen on the panel page (ticked, or all matching the filters)."""
    workspace = require_workspace(request)
    data = request.POST if request.method == "POST" else request.GET
    contacts, filter_form, filters = _filtered_contacts(workspace, data)
    chosen = [value for value in data.getlist("contact") if value.isdigit()]
    if chosen:
        contacts = contacts.filter(pk__in=chosen)
    form = InviteForm(data if "study" in data else None, workspace=workspace)
    plan = None
    if form.is_bound and form.is_valid():
        study = form.cleaned_data["study"]
        if request.method == "POST":
            try:
                plan = panel.invite(study, contacts, request.user)
            except panel.InvitationRefused as error:
                messages.error(request, str(error))
                return redirect("contact_list")
            messages.success(
                request,
                f"{len(plan.invitations)} invitation(s) on their way."
                + (f" {plan.skipped} contact(s) left out." if plan.skipped else ""),
            )
            return redirect("study_invitation_list", study.pk)
        plan = panel.plan_invitations(study, contacts)
    return render(
        request,
        "recruitment/contact_invite.html",
        {
            "form": form,
            "filter_form": filter_form,
            "filters": filters,
            "chosen": chosen,
            "matching": contacts.count(),
            "plan": plan,
            "cooling_off_days": panel.panel_settings(workspace).cooling_off_days,
            "max_at_once": panel.MAX_INVITATIONS_AT_ONCE,
        },
    )


@workspace_view(Role.DESIGNER)
def contact_import(request):
    workspace = require_workspace(request)
    form = UploadForm(_posted(request), request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            contact_import = csv_import.prepare(workspace, request.user, form.cleaned_data["file"])
        except csv_import.ImportRefused as error:
            form.add_error("file", str(error))
        else:
            return redirect("contact_import_preview", contact_import.pk)
    return render(request, "recruitment/contact_import.html", {"form": form})


@workspace_view(Role.DESIGNER)
def contact_import_preview(request, import_pk):
    contact_import = get_scoped_object_or_404(request, ContactImport, pk=import_pk)
    if contact_import.imported_at is not None:
        messages.info(
            request, f"This file was imported: {contact_import.imported_count} new contact(s)."
        )
        return redirect("contact_list")
    existing = csv_import.already_in_panel(contact_import)
    problem_count = len(contact_import.problems)
    form = ConfirmImportForm(_posted(request), problem_count=problem_count)
    if request.method == "POST" and form.is_valid():
        try:
            count = csv_import.run(contact_import)
        except csv_import.ImportFailed as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                f"{count} contact(s) imported"
                + (
                    f"; {len(existing)} already in the panel were left as they were."
                    if existing
                    else "."
                ),
            )
            return redirect("contact_list")
    return render(
        request,
        "recruitment/contact_import_preview.html",
        {
            "contact_import": contact_import,
            "form": form,
            "existing": existing,
            "new_count": len(contact_import.rows) - len(existing),
            "problems": contact_import.problems[:200],
            "problem_count": problem_count,
            "attribute_columns": [
                column for column in contact_import.columns if column != contact_import.email_column
            ],
        },
    )


@workspace_view(Role.OWNER)
def panel_settings(request):
    workspace = require_workspace(request)
    form = PanelSettingsForm(_posted(request), instance=panel.panel_settings(workspace))
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Panel settings saved.")
        return redirect("contact_list")
    return render(
        request,
        "recruitment/form_page.html",
        {
            "form": form,
            "title": "Panel settings",
            "intro": "How often people in this workspace's panel may be invited, and how long "
            "their personal data is kept.",
            "submit_label": "Save",
            "cancel_url": reverse("contact_list"),
        },
    )


# Privacy: export and erase one participant's data.


def _json_download(data, filename):
    response = HttpResponse(
        json.dumps(data, indent=2, ensure_ascii=False), content_type="application/json"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@workspace_view(Role.OWNER)
def contact_export(request, contact_pk):
    contact = get_scoped_object_or_404(
        request, Contact.objects.select_related("workspace"), pk=contact_pk
    )
    return _json_download(privacy.export_contact(contact), f"contact-{contact.pk}.json")


@workspace_view(Role.OWNER)
def contact_erase(request, contact_pk):
    contact = get_scoped_object_or_404(request, Contact, pk=contact_pk)
    form = EraseForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        privacy.erase_contact(contact)
        messages.success(request, "The contact and their personal data are erased.")
        return redirect("contact_list")
    return render(
        request,
        "recruitment/erase.html",
        {
            "form": form,
            "who": contact.email,
            "sessions": privacy.sessions_of_contact(contact).count(),
            "cancel_url": reverse("contact_detail", args=[contact.pk]),
        },
    )


@workspace_view(Role.OWNER)
def participant_privacy(request):
    """Find a participant by email or panel id, then export or erase what is held about them."""
    workspace = require_workspace(request)
    form = PrivacySearchForm(_posted(request))
    found = None
    erase_form = EraseForm()
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"]
        participant_id = form.cleaned_data["participant_id"].strip()
        contact = (
            panel.find_contacts(workspace).filter(email__iexact=email).first() if email else None
        )
        if email and contact is not None:
            return redirect("contact_detail", contact.pk)
        if email:
            form.add_error("email", "Nobody with this email is in the panel.")
        else:
            sessions = privacy.sessions_of_participant(workspace, participant_id)
            found = {"participant_id": participant_id, "sessions": sessions.count()}
            action = request.POST.get("action")
            if action == "export":
                return _json_download(
                    privacy.export_participant(workspace, participant_id), "participant.json"
                )
            if action == "erase":
                erase_form = EraseForm(request.POST)
                if erase_form.is_valid():
                    count = privacy.erase_participant(workspace, participant_id)
                    messages.success(request, f"Personal data of {count} session(s) erased.")
                    return redirect("participant_privacy")
    return render(
        request,
        "recruitment/privacy.html",
        {"form": form, "found": found, "erase_form": erase_form},
    )


# Participants: personal links and unsubscribing.


@rate_limited(PARTICIPANT_LINKS_LIMIT, key=client_ip, methods=("GET", "POST"))
@public_view
def invitation_open(request, token):
    """A personal invitation link: mark it opened, then start the player on the study."""
    invitation = panel.open_invitation(token[:64])
    if invitation is None:
        return render(
            request, "recruitment/participant_message.html", {"kind": "unknown"}, status=404
        )
    study = invitation.study
    with translation.override(study.language):
        if invitation.session_id is not None:
            return render(
                request,
                "recruitment/participant_message.html",
                {"kind": "used", "study": study},
            )
        link = panel.recruitment_of(study).invitation_link
        if link is None or participants.closing_reason(link) is not None:
            return render(
                request,
                "recruitment/participant_message.html",
                {"kind": "closed", "study": study},
            )
    return redirect(link.get_absolute_url() + "?" + urlencode({"inv": invitation.token}))


@rate_limited(PARTICIPANT_LINKS_LIMIT, key=client_ip, methods=("GET", "POST"))
@csrf_exempt
@public_view
def unsubscribe(request, token):
    """The unsubscribe link of every email; POST (one click from a mail client, or the button).

    CSRF-exempt so that mail clients can unsubscribe in one click (RFC 8058): the unguessable
    token is the only authority, and unsubscribing is all it can do.
    """
    contact = Contact.objects.filter(token=token[:64]).first()
    if contact is None:
        return render(request, "recruitment/unsubscribe.html", {"contact": None}, status=404)
    if request.method == "POST":
        panel.unsubscribe(contact)
    return render(request, "recruitment/unsubscribe.html", {"contact": contact})
