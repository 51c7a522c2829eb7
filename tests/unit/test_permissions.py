"""Walk every URL of the product as every kind of user.

New views are picked up from the URL resolver: a view must either be marked `@public_view`
(it guards itself with a token) or declare its least role with `@workspace_view(role)`.
"""

import pytest
from django.conf import settings
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from prototypes.api.access import create_token, revoke
from prototypes.audio.storage import store_chunk
from prototypes.audio.transcript_models import AudioClip, Transcript, TranscriptSegment
from prototypes.authoring.shared import share
from prototypes.figma.models import FigmaImport
from prototypes.friction.models import EvidenceImport, Item, Theme
from prototypes.live.models import Observation, ObserverInvite, ObserverNote
from prototypes.moderation.models import Note, WizardTurn
from prototypes.moderation.services import schedule
from prototypes.recruitment.models import (
    Contact,
    ContactImport,
    ScreenerQuestion,
    Segment,
    StudyInvitation,
)
from prototypes.reports.models import ReportExport, ReportShare
from prototypes.webhooks.models import Delivery, Endpoint
from prototypes.workspaces.models import ROLE_RANK, Role
from tests import factories

# Django's own account views: public by nature.
BUILTIN_PUBLIC = {
    "login",
    "logout",
    "password_reset",
    "password_reset_done",
    "password_reset_confirm",
    "password_reset_complete",
    "healthz",
}
ROLES = ["anonymous", "outsider", Role.VIEWER, Role.DESIGNER, Role.OWNER]


def walk(patterns, prefix=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from walk(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry


def designer_side_patterns():
    found = []
    for route, pattern in walk(get_resolver().url_patterns):
        if pattern.name in BUILTIN_PUBLIC or getattr(pattern.callback, "is_public", False):
            continue
        if route.startswith(settings.MEDIA_URL.lstrip("/")):
            continue
        found.append(pytest.param(route, pattern, id=pattern.name or route))
    return found


def build_workspace_graph(workspace):
    """One object of every kind in `workspace`, keyed by the URL kwarg that names it."""
    prototype = factories.PrototypeFactory(workspace=workspace)
    draft = factories.VersionFactory(prototype=prototype)
    screen = factories.ScreenFactory(version=draft)
    goal = factories.ScreenFactory(version=draft)
    hotspot = factories.HotspotFactory(screen=screen, target=goal)
    shared_set = share([factories.HotspotFactory(screen=screen, target=goal)], [goal], "Tabs")
    published = draft.publish()
    problem = factories.ProblemFactory(workspace=workspace)
    study = factories.StudyFactory(
        workspace=workspace, problem=problem, prototype_version=published
    )
    link = factories.ShareLinkFactory(study=study)
    task = factories.TaskFactory(study=study, start_screen=published.screens.first())
    question = factories.QuestionFactory(study=study)
    criterion = factories.CriterionFactory(study=study, task=task)
    session = factories.SessionFactory(study=study, share_link=link)
    store_chunk(
        session,
        segment=0,
        index=0,
        offset_ms=0,
        duration_ms=3000,
        mime_type="audio/webm;codecs=opus",
        data=b"\x1a\x45\xdf\xa3 a recorder's first chunk",
    )
    transcript = Transcript.objects.create(
        recording=session.recording, status=Transcript.Status.DONE, engine="test"
    )
    line = TranscriptSegment.objects.create(
        transcript=transcript, start_ms=0, end_ms=900, text="where", heard="where"
    )
    clip = AudioClip.objects.create(recording=session.recording, start_ms=0, end_ms=900)
    membership = factories.MembershipFactory(workspace=workspace, role=Role.DESIGNER)
    invitation = factories.InvitationFactory(workspace=workspace)
    report_share = ReportShare.objects.create(study=study)
    export = ReportExport.objects.create(study=study, kind=ReportExport.Kind.JSON)
    contact = Contact.objects.create(workspace=workspace, email=f"ada{workspace.pk}@example.com")
    study_invitation = StudyInvitation.objects.create(study=study, contact=contact)
    screener = ScreenerQuestion.objects.create(study=study, text="Age?", kind="number")
    choice = ScreenerQuestion.objects.create(study=study, text="New?", choices=["yes", "no"])
    segment = Segment.objects.create(study=study, question=choice, value="yes", quota=5)
    contact_import = ContactImport.objects.create(
        workspace=workspace, filename="panel.csv", columns=["email"], email_column="email"
    )
    theme = Theme.objects.create(workspace=workspace, name="Where is my order")
    Item.objects.create(workspace=workspace, source="Zendesk", text="Where is it?", theme=theme)
    evidence_import = EvidenceImport.objects.create(
        workspace=workspace,
        filename="tickets.csv",
        encoding="utf-8",
        delimiter=",",
        columns=["text"],
        mapping={"text": "text"},
        data=b"text\nWhere is it?\n",
    )
    endpoint = Endpoint.objects.create(
        workspace=workspace, url="https://hooks.example.com/in", events=["study.closed"]
    )
    delivery = Delivery.objects.create(
        endpoint=endpoint, event_type="study.closed", happening="study.closed:1", payload={}
    )
    moderated = schedule(study, "Ada", timezone.now(), None)
    moderated.participant_session = session
    moderated.save()
    turn = WizardTurn.objects.create(
        moderated=moderated, step="start", text="hello", deadline=timezone.now()
    )
    facilitator_note = Note.objects.create(moderated=moderated, text="Hesitates", tags=["nav"])
    # Observed live: the study allows it and its participant was told (consent version 1).
    Observation.objects.create(study=study, allowed=True, since_consent_version=1)
    observer_invite = ObserverInvite.objects.create(study=study, label="Ada")
    note = ObserverNote.objects.create(session=session, t_ms=0, text="Hm", author_name="Ada")
    figma_import = FigmaImport.objects.create(prototype=prototype, file_key="AbCdEfGhIjKlMnOp")
    return {
        "endpoint_pk": endpoint.pk,
        "delivery_pk": delivery.pk,
        "moderated_pk": moderated.pk,
        "turn_pk": turn.pk,
        "facilitator_note_pk": facilitator_note.pk,
        "invite_pk": observer_invite.pk,
        "note_pk": note.pk,
        "figma_import_pk": figma_import.pk,
        "theme_pk": theme.pk,
        "evidence_import_pk": evidence_import.pk,
        "workspace_pk": workspace.pk,
        "prototype_pk": prototype.pk,
        "version_pk": published.pk,
        "screen_pk": screen.pk,
        "hotspot_pk": hotspot.pk,
        "shared_set_pk": shared_set.pk,
        "problem_pk": problem.pk,
        "study_pk": study.pk,
        "link_pk": link.pk,
        "task_pk": task.pk,
        "question_pk": question.pk,
        "criterion_pk": criterion.pk,
        "session_pk": session.pk,
        "segment": 0,
        "line_pk": line.pk,
        "clip_pk": clip.pk,
        "comment_pk": factories.CommentFactory(session=session).pk,
        "membership_pk": membership.pk,
        "invitation_pk": invitation.pk,
        "share_pk": report_share.pk,
        "export_pk": export.pk,
        "contact_pk": contact.pk,
        "study_invitation_pk": study_invitation.pk,
        "screener_pk": screener.pk,
        "segment_pk": segment.pk,
        "import_pk": contact_import.pk,
    }


def url_for(route, pattern, objects):
    kwargs = {}
    for name in pattern.pattern.converters:
        assert name in objects, (
            f"The permission test does not know the URL kwarg {name!r} of {pattern.name!r}: "
            "add an object for it to build_workspace_graph."
        )
        kwargs[name] = objects[name]
    return reverse(pattern.name, kwargs=kwargs)


def request_as(client, url):
    """GET the page, or POST to it when it only takes POST; nothing it does is kept."""
    with transaction.atomic():
        response = client.get(url)
        if response.status_code == 405:
            response = client.post(url, {})
        transaction.set_rollback(True)
    return response


def test_every_designer_view_declares_who_may_use_it():
    undeclared = [
        p.values[1].name
        for p in designer_side_patterns()
        if not hasattr(p.values[1].callback, "required_role")
    ]
    assert undeclared == [], "Views with neither @workspace_view nor @public_view: " + ", ".join(
        map(str, undeclared)
    )


@pytest.mark.parametrize(("route", "pattern"), designer_side_patterns())
def test_designer_view_answers_each_role_as_expected(client, db, route, pattern):
    required = pattern.callback.required_role
    workspace = factories.WorkspaceFactory(name="Acme")
    objects = build_workspace_graph(workspace)
    users = {
        role: factories.MembershipFactory(workspace=workspace, role=role).user
        for role in (Role.VIEWER, Role.DESIGNER, Role.OWNER)
    }
    outsider_workspace = factories.WorkspaceFactory(name="Elsewhere")
    build_workspace_graph(outsider_workspace)
    users["outsider"] = factories.MembershipFactory(
        workspace=outsider_workspace, role=Role.OWNER
    ).user
    url = url_for(route, pattern, objects)
    names_an_object = bool(pattern.pattern.converters)

    for role in ROLES:
        client.logout()
        if role != "anonymous":
            client.force_login(users[role])
        response = request_as(client, url)
        status = response.status_code
        where = f"{pattern.name} ({url}) as {role}: {status}"
        if role == "anonymous":
            assert status == 302 and response["Location"].startswith(reverse("login")), where
        elif role == "outsider":
            if names_an_object:
                assert status == 404, where
            else:
                assert status < 500 and status not in (403, 404), where
        elif ROLE_RANK[role] >= ROLE_RANK[required]:
            assert status < 500 and status not in (403, 404), where
        else:
            assert status == 403, where


def designer_api_patterns():
    return [
        pytest.param(route, pattern, id=pattern.name)
        for route, pattern in walk(get_resolver().url_patterns)
        if hasattr(pattern.callback, "api_scopes")
    ]


def test_the_designer_api_is_walked():
    assert len(designer_api_patterns()) >= 5


@pytest.mark.parametrize(("route", "pattern"), designer_api_patterns())
def test_designer_api_answers_each_token_as_expected(client, db, route, pattern):
    """No token or a revoked one: 401. Another workspace's token: 404 for an object, its own
    workspace's list otherwise. A read token where the method needs write: 403."""
    workspace = factories.WorkspaceFactory(name="Acme")
    objects = build_workspace_graph(workspace)
    other = factories.WorkspaceFactory(name="Elsewhere")
    build_workspace_graph(other)
    designer = factories.MembershipFactory(workspace=workspace, role=Role.DESIGNER).user
    outsider = factories.MembershipFactory(workspace=other, role=Role.OWNER).user
    tokens = {
        "read": create_token(workspace, designer, "Read", "read")[1],
        "write": create_token(workspace, designer, "Write", "write")[1],
        "outsider": create_token(other, outsider, "Theirs", "write")[1],
    }
    revoked, tokens["revoked"] = create_token(workspace, designer, "Old", "write")
    revoke(revoked)
    url = url_for(route, pattern, objects)
    names_an_object = bool(pattern.pattern.converters)

    for method, scope in pattern.callback.api_scopes.items():
        for who in ["none", "revoked", "outsider", "read", "write"]:
            headers = {} if who == "none" else {"HTTP_AUTHORIZATION": f"Bearer {tokens[who]}"}
            with transaction.atomic():
                response = client.generic(method, url, "{}", "application/json", **headers)
                transaction.set_rollback(True)
            status = response.status_code
            where = f"{method} {pattern.name} ({url}) with {who} token: {status}"
            assert response["Content-Type"] == "application/json", where
            if who in ("none", "revoked"):
                assert status == 401, where
            elif who == "outsider" and names_an_object:
                assert status == 404, where
            elif who == "read" and scope == "write":
                assert status == 403, where
            else:
                assert status < 500 and status not in (401, 403, 404), where
