"""Load a demo workspace a newcomer can explore at once; running it again changes nothing."""

from types import SimpleNamespace

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

from prototypes.authoring.demo import create_demo_prototypes
from prototypes.authoring.script_demo import create_demo_assistant
from prototypes.friction.demo import create_demo_inbox
from prototypes.player.demo import simulate_participants
from prototypes.reports import quotes
from prototypes.reports.models import QuoteCuration, ReportShare
from prototypes.sessions.models import Comment
from prototypes.studies import friction
from prototypes.studies.demo import FIRST_IMPRESSIONS, create_concept_study, create_demo_study
from prototypes.studies.models import Study
from prototypes.treetests.demo import create_navigation_studies
from prototypes.workspaces.models import Workspace
from prototypes.workspaces.services import create_workspace

DEMO_EMAIL = "demo@protoplatform.local"
DEMO_PASSWORD = "try-the-demo-2026"
DEMO_WORKSPACE = "Demo: Parcel & Co"


def pin_demo_quotes(study, user):
    """Approve two quotes for the summary, as a designer would before sharing it. Chosen from
    the comments alone: the whole report would import SciPy for a few seconds more."""
    rows = Comment.objects.filter(session__study=study).values_list(
        "id", "session_id", "screen_id", "task_id", "text"
    )
    notes = [
        SimpleNamespace(id=pk, session_id=session, screen_id=screen, task_number=task, text=text)
        for pk, session, screen, task, text in rows
    ]
    for note in quotes.representative(notes, friction=[], limit=2):
        QuoteCuration.objects.create(
            comment_id=note.id, choice=QuoteCuration.Choice.PINNED, curated_by=user
        )


class Command(BaseCommand):
    # The system checks import every URL module (and with them SciPy): seconds a newcomer
    # waits for nothing; `migrate` and `runserver` check the project anyway.
    requires_system_checks = []
    help = (
        "Create (once) a demo user, workspace, evidence inbox, prototypes, live studies (a "
        "click-through test, first impressions, a concept A/B test, a tree test and a card sort) "
        "and their simulated participants."
    )

    def add_arguments(self, parser):
        parser.add_argument("--participants", type=int, default=30)

    def handle(self, *args, participants, **options):
        User = get_user_model()
        with transaction.atomic():
            user, created = User.objects.get_or_create(
                username=DEMO_EMAIL, defaults={"email": DEMO_EMAIL}
            )
            if created:
                user.set_password(DEMO_PASSWORD)
                user.save()
            workspace = Workspace.objects.filter(
                name=DEMO_WORKSPACE, memberships__user=user
            ).first()
            if workspace is None:
                workspace = create_workspace(user, DEMO_WORKSPACE)
            study = Study.objects.filter(workspace=workspace).order_by("pk").first()
            if study is None:
                self.step("Drawing the demo prototypes")
                versions = create_demo_prototypes(workspace, user)
                create_demo_assistant(workspace, user)
                study = create_demo_study(workspace, user, versions["shop"])
                friction.attach(study.problem, create_demo_inbox(workspace))
                self.simulate(study, participants)
                first_impressions = Study.objects.filter(
                    workspace=workspace, title=FIRST_IMPRESSIONS["title"]
                ).first()
                if first_impressions is not None:
                    self.simulate(first_impressions, 12)
                concepts = create_concept_study(
                    user, versions["shop"], versions["shop_concept"], study.problem
                )
                if concepts is not None:
                    self.simulate(concepts, 24)
                pin_demo_quotes(study, user)
                create_navigation_studies(workspace, user, study.problem, participants)
                self.stdout.write(self.style.SUCCESS("Demo workspace and study created."))
            else:
                self.stdout.write("Demo data already present; nothing changed.")
        self.print_links(user, workspace)

    def step(self, text):
        self.stdout.write(f"{text}…")
        self.stdout.flush()

    def simulate(self, study, count):
        """Simulated participants with a progress line, so the wait is visibly going somewhere."""
        label = f"  {count} simulated participants take “{study.title}”"
        interactive = self.stdout.isatty()

        def progress(done, total):
            if interactive:
                self.stdout.write(f"\r{label}: {done}/{total}", ending="")
            elif done == total or done % 10 == 0:
                self.stdout.write(f"{label}: {done}/{total}")
            self.stdout.flush()

        simulate_participants(study, count=count, progress=progress)
        if interactive:
            self.stdout.write("")

    def print_links(self, user, workspace):
        self.stdout.write(f"Log in at {settings.SITE_URL}/login/")
        self.stdout.write(f"  email:    {DEMO_EMAIL}")
        self.stdout.write(f"  password: {DEMO_PASSWORD}")
        studies = Study.objects.filter(workspace=workspace).order_by("pk")
        self.stdout.write("Take a demo study as a participant:")
        for study in studies:
            link = study.share_links.filter(revoked_at__isnull=True).order_by("pk").first()
            if link is not None:
                self.stdout.write(f"  {study.title}: {settings.SITE_URL}{link.get_absolute_url()}")
        main = studies.first()
        if main is not None:
            share = ReportShare.objects.active().filter(study=main).order_by("pk").first()
            if share is None:
                share = ReportShare.objects.create(
                    study=main, label="Demo stakeholders", created_by=user
                )
            self.stdout.write(
                f"Read the summary as a stakeholder: {settings.SITE_URL}{share.get_absolute_url()}"
            )
