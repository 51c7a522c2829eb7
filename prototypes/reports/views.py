from django.contrib import messages
from django.db import transaction
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from prototypes.audio.clips import summary_clips
from prototypes.audio.replay_panel import replay_audio
from prototypes.authoring.models import Screen
from prototypes.jobs import enqueue
from prototypes.live.observe import observer_notes, with_notes
from prototypes.moderation.replay import moderation_log
from prototypes.ratelimit import Limit, rate_limited
from prototypes.reports import exports, quality, quotes
from prototypes.reports.compare import compare
from prototypes.reports.document import report_document
from prototypes.reports.forms import DecisionForm, ExclusionForm, ExportForm, ReportShareForm
from prototypes.reports.heatmaps import heatmap_state, heatmap_states
from prototypes.reports.metrics import build_report, first_clicks
from prototypes.reports.models import QuoteCuration, ReportExport, ReportShare
from prototypes.reports.pages import (
    comment_wall,
    settled_criteria,
    summary_context,
    task_pictures,
)
from prototypes.reports.replay import (
    replay_data,
    replay_version,
    scripted_steps,
    session_table,
)
from prototypes.reports.tasks import build_export
from prototypes.sessions.models import Comment, ParticipantSession
from prototypes.studies.models import Problem, Study
from prototypes.tokens import undo_revoke
from prototypes.workspaces.access import get_scoped_object_or_404, public_view, workspace_view
from prototypes.workspaces.models import ROLE_RANK, Role

# How long the browser may keep a heatmap picture; its URL changes with the click data.
HEATMAP_MAX_AGE = 24 * 3600


MAX_REVISION = 2**31 - 1


def requested_revision(request):
    """The revision asked for in ``?revision=``, or None for every revision."""
    try:
        revision = int(request.GET.get("revision", ""))
    except ValueError:
        return None
    # Past the column's range a lookup overflows (a 500 on SQLite); no study has such a revision.
    return revision if 0 < revision <= MAX_REVISION else None


def has_role(request, workspace_id, role):
    membership = request.memberships.get(workspace_id)
    return membership is not None and ROLE_RANK[membership.role] >= ROLE_RANK[role]


def summary_url(study):
    return reverse("study_summary", kwargs={"study_pk": study.pk}) + "#sharing"


def scoped_study(request, study_pk):
    return get_scoped_object_or_404(
        request,
        Study.objects.select_related("problem", "prototype_version__prototype"),
        pk=study_pk,
    )


def study_screen(request, study, screen_pk):
    screen = get_scoped_object_or_404(request, Screen, pk=screen_pk)
    if screen.scoped_workspace_id != study.workspace_id:
        raise Http404("No such page.")
    return screen


@require_GET
@workspace_view(Role.VIEWER)
def study_results(request, study_pk):
    study = scoped_study(request, study_pk)
    revision = requested_revision(request)
    report = build_report(study, revision)
    context = summary_context(report)
    context.update(
        tasks=task_pictures(report, first_clicks(study, revision)),
        wall=comment_wall(report),
        heatmaps=heatmap_states(study, report.screens.values()),
        exports=study.report_exports.all()[:5],
        can_decide=has_role(request, study.workspace_id, Role.OWNER),
        can_exclude=has_role(request, study.workspace_id, Role.DESIGNER),
        quality=quality.review(study),
        sessions=session_table(
            study, [task.task for task in report.tasks], request.GET.get("page")
        ),
    )
    return render(request, "reports/results.html", context)


def scoped_session(request, session_pk):
    return get_scoped_object_or_404(
        request,
        ParticipantSession.objects.select_related(
            "study__prototype_version__prototype",
            "exclusion__excluded_by",
            "concept_assignment__concept__version__prototype",
        ),
        pk=session_pk,
    )


def back_from_exclusion(request, session):
    """Back to the replay the form was on, or else to the results' quality section."""
    if request.POST.get("next") == "replay":
        return redirect("session_replay", session_pk=session.pk)
    return redirect(reverse("study_results", kwargs={"study_pk": session.study_id}) + "#quality")


@require_GET
@workspace_view(Role.VIEWER)
def session_replay(request, session_pk):
    session = scoped_session(request, session_pk)
    study = session.study
    exclusion = getattr(session, "exclusion", None)
    version = replay_version(session)
    flags = quality.session_flags(session)
    context = {
        "session": session,
        "study": study,
        "replay": with_notes(replay_data(session), session),
        "observer_notes": observer_notes(session),
        "steps": scripted_steps(session),
        "device": version.prototype.device,
        "aspect_ratio": version.prototype.aspect_ratio,
        "flags": flags,
        "exclusion": exclusion,
        "can_exclude": has_role(request, study.workspace_id, Role.DESIGNER),
        "exclusion_form": ExclusionForm(initial={"reason": "; ".join(flag.text for flag in flags)}),
        "moderation": moderation_log(session),
        **replay_audio(request, session),
    }
    return render(request, "reports/replay.html", context)


@require_POST
@workspace_view(Role.DESIGNER)
def session_exclude(request, session_pk):
    session = scoped_session(request, session_pk)
    form = ExclusionForm(request.POST)
    if form.is_valid():
        quality.exclude_session(session, request.user, form.cleaned_data["reason"])
        messages.success(
            request, f"Session {session.pk} is left out of the results. You can count it again."
        )
    else:
        problems = " ".join(error for errors in form.errors.values() for error in errors)
        messages.error(request, f"Session {session.pk} still counts: {problems}")
    return back_from_exclusion(request, session)


@require_POST
@workspace_view(Role.DESIGNER)
def session_include(request, session_pk):
    session = scoped_session(request, session_pk)
    if quality.include_session(session):
        messages.success(request, f"Session {session.pk} counts in the results again.")
    else:
        messages.info(request, f"Session {session.pk} was not left out.")
    return back_from_exclusion(request, session)


@require_GET
@workspace_view(Role.VIEWER)
def study_summary(request, study_pk):
    study = scoped_study(request, study_pk)
    revision = requested_revision(request)
    report = build_report(study, revision)
    context = summary_context(report)
    can_share = has_role(request, study.workspace_id, Role.DESIGNER)
    context.update(
        can_share=can_share,
        quote_candidates=quotes.candidates(report.comments, report.friction) if can_share else [],
        shares=study.report_shares.select_related("created_by") if can_share else [],
        share_form=ReportShareForm(),
        exports=study.report_exports.filter(kind=ReportExport.Kind.PDF)[:3],
        now=timezone.now(),
        audio_clips=summary_clips(study),
    )
    return render(request, "reports/summary.html", context)


@require_POST
@workspace_view(Role.DESIGNER)
def report_share_create(request, study_pk):
    study = scoped_study(request, study_pk)
    form = ReportShareForm(request.POST)
    if form.is_valid():
        share = form.save(commit=False)
        share.study = study
        share.created_by = request.user
        share.save()
        messages.success(
            request,
            "Link created. Anyone who has it can read this summary without an account, "
            "until it expires or you revoke it.",
        )
    else:
        problems = " ".join(error for errors in form.errors.values() for error in errors)
        messages.error(request, f"No link was created: {problems}")
    return redirect(summary_url(study))


@require_POST
@workspace_view(Role.DESIGNER)
def report_share_revoke(request, share_pk):
    share = get_scoped_object_or_404(request, ReportShare, pk=share_pk)
    ReportShare.objects.filter(pk=share.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    messages.success(
        request, "The link no longer works. You can undo this for the next 15 minutes."
    )
    return redirect(summary_url(share.study))


@require_POST
@workspace_view(Role.DESIGNER)
def report_share_restore(request, share_pk):
    share = get_scoped_object_or_404(request, ReportShare, pk=share_pk)
    if undo_revoke(ReportShare.objects.filter(pk=share.pk)):
        messages.success(request, "The link works again.")
    else:
        messages.error(
            request, "This link was revoked too long ago to bring back: create a new one."
        )
    return redirect(summary_url(share.study))


CURATION_CHOICES = {
    "pin": QuoteCuration.Choice.PINNED,
    "hide": QuoteCuration.Choice.HIDDEN,
    "clear": None,
}


@require_POST
@workspace_view(Role.DESIGNER)
def quote_curate(request, comment_pk):
    """Pin a comment as a quote (stakeholder links show only pinned ones), hide it, or neither."""
    comment = get_scoped_object_or_404(
        request, Comment.objects.select_related("session"), pk=comment_pk
    )
    action = request.POST.get("action", "")
    if action not in CURATION_CHOICES:
        messages.error(request, "Choose to pin, hide or clear the quote.")
    else:
        quotes.curate(comment, CURATION_CHOICES[action], request.user)
        messages.success(
            request,
            {
                "pin": "Quote pinned: stakeholder links show it.",
                "hide": "Quote hidden: the summary will not show it.",
                "clear": "The summary chooses this quote again by itself.",
            }[action],
        )
    url = reverse("study_summary", kwargs={"study_pk": comment.session.study_id})
    return redirect(url + "#quotes")


def active_share(token):
    share = ReportShare.objects.active().filter(token=token).select_related("study").first()
    if share is None:
        raise Http404("This link does not exist, has expired or was revoked.")
    return share


def private_page(response):
    # A revoked link must stop working at once, and the page must stay out of search engines.
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


@public_view
@require_GET
def report_share_view(request, token):
    share = active_share(token)
    report = build_report(share.study, requested_revision(request))
    context = summary_context(report, approved_only=True)
    context["share"] = share
    context["audio_clips"] = summary_clips(share.study)
    return private_page(render(request, "reports/shared_summary.html", context))


# Anyone with a summary link may have its PDF built: a cap per link keeps its visitors, however
# many, from keeping the workers busy.
SHARED_PDF_EXPORTS = Limit("shared-pdf-export", requests=20, seconds=60 * 60)


def share_token(request, token):
    return token


@require_POST
@public_view
@rate_limited(SHARED_PDF_EXPORTS, key=share_token)
def report_share_export_create(request, token):
    """The summary as a PDF for a stakeholder: built in the background like a designer's."""
    share = active_share(token)
    with transaction.atomic():
        export = ReportExport.objects.create(
            study=share.study,
            kind=ReportExport.Kind.PDF,
            revision=requested_revision(request),
            for_stakeholders=True,
        )
        enqueue(build_export, export.pk)
    if request.htmx:
        export.refresh_from_db()
        context = {"export": export, "share": share}
        return private_page(render(request, "reports/export_status.html#export", context))
    return redirect("report_share_export_status", token=share.token, export_pk=export.pk)


def shared_export(token, export_pk):
    """A PDF export of the link's study; nothing else can be reached through a summary link."""
    share = active_share(token)
    export = ReportExport.objects.filter(
        pk=export_pk, study=share.study, kind=ReportExport.Kind.PDF
    ).first()
    if export is None:
        raise Http404("No such PDF for this summary.")
    return share, export


@public_view
@require_GET
def report_share_export_status(request, token, export_pk):
    share, export = shared_export(token, export_pk)
    template = "reports/export_status.html#export" if request.htmx else "reports/shared_export.html"
    return private_page(render(request, template, {"export": export, "share": share}))


@public_view
@require_GET
def report_share_export_download(request, token, export_pk):
    share, export = shared_export(token, export_pk)
    if export.status != ReportExport.Status.DONE or not export.file:
        response = render(request, "reports/shared_export.html", {"export": export, "share": share})
        response.status_code = 409
        return private_page(response)
    response = FileResponse(
        export.file.open("rb"),
        as_attachment=True,
        filename=exports.download_name(export),
        content_type="application/pdf",
    )
    return private_page(response)


@require_POST
@workspace_view(Role.VIEWER)
def report_export_create(request, study_pk):
    study = scoped_study(request, study_pk)
    form = ExportForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose PDF, CSV or JSON.")
        return redirect("study_results", study_pk=study.pk)
    with transaction.atomic():
        export = ReportExport.objects.create(
            study=study,
            kind=form.cleaned_data["kind"],
            revision=form.cleaned_data["revision"],
            requested_by=request.user,
        )
        enqueue(build_export, export.pk)
    if request.htmx:
        export.refresh_from_db()
        return render(request, "reports/export_status.html#export", {"export": export})
    return redirect("report_export_status", export_pk=export.pk)


@require_GET
@workspace_view(Role.VIEWER)
def report_export_status(request, export_pk):
    export = get_scoped_object_or_404(
        request, ReportExport.objects.select_related("study"), pk=export_pk
    )
    template = "reports/export_status.html"
    if request.htmx:
        template += "#export"
    return render(request, template, {"export": export, "study": export.study})


@require_GET
@workspace_view(Role.VIEWER)
def report_export_download(request, export_pk):
    export = get_scoped_object_or_404(
        request, ReportExport.objects.select_related("study"), pk=export_pk
    )
    if export.status != ReportExport.Status.DONE or not export.file:
        response = render(request, "reports/export_status.html", {"export": export})
        response.status_code = 409
        return response
    content_types = {
        ReportExport.Kind.PDF: "application/pdf",
        ReportExport.Kind.CSV: "application/zip",
        ReportExport.Kind.JSON: "application/json",
    }
    response = FileResponse(
        export.file.open("rb"),
        as_attachment=True,
        filename=exports.download_name(export),
        content_type=content_types[export.kind],
    )
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
@workspace_view(Role.VIEWER)
def study_heatmap(request, study_pk, screen_pk):
    study = scoped_study(request, study_pk)
    screen = study_screen(request, study, screen_pk)
    state = heatmap_state(study, screen)
    return render(
        request, "reports/results.html#heatmap", {"study": study, "screen": screen, "state": state}
    )


@require_GET
@workspace_view(Role.VIEWER)
def study_heatmap_image(request, study_pk, screen_pk):
    study = scoped_study(request, study_pk)
    screen = study_screen(request, study, screen_pk)
    state = heatmap_state(study, screen)
    if state is None:
        # Nobody has clicked on this screen yet: there is no picture to send.
        return HttpResponse(status=204)
    if not state.ready:
        response = HttpResponse("The heatmap is being drawn; try again in a moment.", status=202)
        response["Retry-After"] = "2"
        return response
    response = FileResponse(state.heatmap.file.open("rb"), content_type="image/png")
    response["Cache-Control"] = f"private, max-age={HEATMAP_MAX_AGE}"
    return response


@require_GET
@workspace_view(Role.VIEWER)
def problem_compare(request, problem_pk):
    problem = get_scoped_object_or_404(request, Problem, pk=problem_pk)
    studies = list(
        problem.studies.select_related("prototype_version__prototype").order_by("created_at", "id")
    )
    chosen = set(request.GET.getlist("study"))
    selected = [study for study in studies if str(study.pk) in chosen] or studies
    comparison = compare(selected) if len(selected) >= 2 else None
    return render(
        request,
        "reports/compare.html",
        {
            "problem": problem,
            "studies": studies,
            "selected": {study.pk for study in selected},
            "comparison": comparison,
        },
    )


@require_GET
@workspace_view(Role.VIEWER)
def problem_decisions(request, problem_pk):
    problem = get_scoped_object_or_404(request, Problem, pk=problem_pk)
    context = {
        "problem": problem,
        "decisions": problem.decisions.select_related("study", "decided_by"),
        "settled": settled_criteria(problem),
        "can_decide": has_role(request, problem.workspace_id, Role.OWNER),
    }
    template = "reports/decisions.html"
    if request.htmx:
        template += "#decision_log"
    return render(request, template, context)


@workspace_view(Role.OWNER)
def decision_create(request, problem_pk):
    problem = get_scoped_object_or_404(request, Problem, pk=problem_pk)
    form = DecisionForm(
        request.POST or None, problem=problem, initial={"study": request.GET.get("study")}
    )
    if request.method == "POST" and form.is_valid():
        decision = form.save(commit=False)
        decision.problem = problem
        decision.decided_by = request.user
        decision.save()
        messages.success(request, f"Decision recorded: {decision.get_decision_display()}.")
        return redirect("problem_decisions", problem_pk=problem.pk)
    return render(request, "reports/decision_form.html", {"problem": problem, "form": form})


@public_view
@require_GET
def api_report(request, study_pk):
    """The report as JSON, for members of the study's workspace or holders of a report link."""
    token = request.GET.get("token")
    if token:
        share = (
            ReportShare.objects.active()
            .filter(token=token, study_id=study_pk)
            .select_related("study")
            .first()
        )
        study = share.study if share else None
    elif request.user.is_authenticated:
        study = Study.objects.filter(
            pk=study_pk, workspace_id__in=list(request.memberships)
        ).first()
    else:
        study = None
    if study is None:
        return JsonResponse(
            {"error": "No such study, or no access to it: log in or pass a valid ?token=."},
            status=404,
        )
    revision = requested_revision(request)
    if revision is None and "revision" in request.GET:
        return JsonResponse({"error": "revision must be a whole number from 1."}, status=400)
    response = JsonResponse(report_document(study, revision))
    response["Cache-Control"] = "private, no-store"
    return response
