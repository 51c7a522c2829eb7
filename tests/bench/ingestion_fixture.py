"""Create the live study the ingestion benchmark drives, in the database DATABASE_URL names.

Run as `python -m tests.bench.ingestion_fixture SESSIONS`; prints what the simulated participants
need (the share token, SESSIONS session tokens and the ids their events refer to) as one line of
JSON. The sessions are started here rather than through the API, whose per-address rate limit
is not what the benchmark measures.
"""

import json
import os
import sys


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.bench.bench_settings")
    import django

    django.setup()
    from django.contrib.auth import get_user_model

    from prototypes.models import (
        Hotspot,
        Problem,
        Prototype,
        PrototypeVersion,
        Screen,
        ShareLink,
        Study,
        Task,
        Workspace,
    )
    from prototypes.studies import participants

    user = get_user_model().objects.create_user("bench@example.com", password="bench")
    workspace = Workspace.objects.create(name="Bench")
    prototype = Prototype.objects.create(workspace=workspace, name="Shop", created_by=user)
    version = PrototypeVersion.objects.create(prototype=prototype, number=1)
    screens = {
        name: Screen.objects.create(
            version=version,
            name=name,
            position=position,
            status=Screen.Status.READY,
            image=f"screens/bench-{position}.png",
            width=390,
            height=844,
        )
        for position, name in enumerate(["Home", "Orders", "Order detail"])
    }
    to_orders = Hotspot.objects.create(
        screen=screens["Home"],
        label="My orders",
        x=0.1,
        y=0.8,
        width=0.3,
        height=0.1,
        target=screens["Orders"],
    )
    back = Hotspot.objects.create(
        screen=screens["Orders"],
        label="Back",
        x=0.02,
        y=0.02,
        width=0.2,
        height=0.06,
        action=Hotspot.Action.BACK,
    )
    to_detail = Hotspot.objects.create(
        screen=screens["Orders"],
        label="Order 482913",
        x=0.1,
        y=0.3,
        width=0.8,
        height=0.1,
        target=screens["Order detail"],
    )
    problem = Problem.objects.create(workspace=workspace, title="Orders", who="Shoppers", what="?")
    study = Study.objects.create(
        workspace=workspace,
        problem=problem,
        prototype_version=version,
        title="Ingestion benchmark",
        state=Study.State.LIVE,
    )
    tasks = []
    for position in range(5):
        task = Task.objects.create(
            study=study,
            position=position,
            instruction=f"Task {position + 1}: find order 482913.",
            start_screen=screens["Home"],
        )
        task.goal_screens.set([screens["Order detail"]])
        tasks.append(task.pk)
    link = ShareLink.objects.create(study=study)
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 0
    sessions = [participants.start_session(study, link=link).token for _ in range(count)]
    print(
        json.dumps(
            {
                "share_token": link.token,
                "sessions": sessions,
                "tasks": tasks,
                "screens": {name: screen.pk for name, screen in screens.items()},
                "hotspots": {"to_orders": to_orders.pk, "back": back.pk, "to_detail": to_detail.pk},
            }
        )
    )


if __name__ == "__main__":
    main()
