"""Load a demo workspace a newcomer can explore at once; running it again changes nothing."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

from prototypes.authoring.demo import create_demo_prototypes
from prototypes.authoring.script_demo import create_demo_assistant
from prototypes.player.demo import simulate_participants
from prototypes.studies.demo import FIRST_IMPRESSIONS, create_concept_study, create_demo_study
from prototypes.studies.models import Study
from prototypes.treetests.demo import create_navigation_studies
from prototypes.workspaces.models import Workspace
from prototypes.workspaces.services import create_workspace

DEMO_EMAIL = "demo@protoplatform.local"
DEMO_PASSWORD = "try-the-demo-2026"
DEMO_WORKSPACE = "Demo: Parcel & Co"


class Command(BaseCommand):
    help = (
        "Create (once) a demo user, workspace, prototypes, live studies (a click-through test, "
        "first impressions, a concept A/B test, a tree test and a card sort) and their simulated "
        "participants."
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
                versions = create_demo_prototypes(workspace, user)
                create_demo_assistant(workspace, user)
                study = create_demo_study(workspace, user, versions["shop"])
                simulate_participants(study, count=participants)
                first_impressions = Study.objects.filter(
                    workspace=workspace, title=FIRST_IMPRESSIONS["title"]
                ).first()
                if first_impressions is not None:
                    simulate_participants(first_impressions, count=12)
                concepts = create_concept_study(
                    user, versions["shop"], versions["shop_concept"], study.problem
                )
                if concepts is not None:
                    simulate_participants(concepts, count=24)
                create_navigation_studies(workspace, user, study.problem, participants)
                self.stdout.write(self.style.SUCCESS("Demo workspace and study created."))
            else:
                self.stdout.write("Demo data already present; nothing changed.")
        link = study.share_links.order_by("pk").first()
        self.stdout.write(f"Log in at {settings.SITE_URL}/login/")
        self.stdout.write(f"  email:    {DEMO_EMAIL}")
        self.stdout.write(f"  password: {DEMO_PASSWORD}")
        if link is not None:
            participant_url = f"{settings.SITE_URL}{link.get_absolute_url()}"
            self.stdout.write(f"Take the demo study as a participant: {participant_url}")
