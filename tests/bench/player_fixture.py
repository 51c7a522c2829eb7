"""Create the demo study the player network benchmark opens, in the database DATABASE_URL names.

Run as `python -m tests.bench.player_fixture`; prints the share link's path as one line of JSON.
"""

import json
import os


def main():
    import django

    django.setup()
    from django.contrib.auth import get_user_model

    from prototypes.authoring.demo import create_demo_prototypes
    from prototypes.studies.demo import create_demo_study
    from prototypes.workspaces.models import Membership, Workspace

    user = get_user_model().objects.create_user("bench@example.com", password="bench-password")
    workspace = Workspace.objects.create(name="Bench")
    Membership.objects.create(workspace=workspace, user=user, role="owner")
    versions = create_demo_prototypes(workspace, user)
    study = create_demo_study(workspace, user, versions["shop"])
    print(json.dumps({"path": f"/s/{study.share_links.get().token}/"}))


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "protoplatform.settings")
    main()
