"""Set-up shared by the player tests (this module holds no tests of its own)."""

import json
import uuid
from types import SimpleNamespace

from django.urls import reverse

from prototypes import models
from prototypes.studies import participants
from tests import factories

Hotspot = models.Hotspot


def build_player_study(**study_fields):
    """A live study on a small prototype, with a share link, two tasks and one question of
    each kind.

    Home ─"My orders"→ Orders ─"Order 482913"→ Order detail (goal of task 1)
    Home ─"Profile"→ Profile (goal of task 2) ─"Back"→ (the previous screen)
    """
    study_fields.setdefault("state", models.Study.State.LIVE)
    study = factories.StudyFactory(**study_fields)
    version = study.prototype_version
    screens = {
        name: factories.ScreenFactory(version=version, name=name, position=position)
        for position, name in enumerate(["Home", "Orders", "Order detail", "Profile"])
    }
    hotspots = {
        "orders": factories.HotspotFactory(
            screen=screens["Home"], label="My orders", target=screens["Orders"], x=0.1, y=0.8
        ),
        "profile": factories.HotspotFactory(
            screen=screens["Home"], label="Profile", target=screens["Profile"], x=0.6, y=0.8
        ),
        "order": factories.HotspotFactory(
            screen=screens["Orders"], label="Order 482913", target=screens["Order detail"]
        ),
        "back": factories.HotspotFactory(
            screen=screens["Profile"], label="Back", action=Hotspot.Action.BACK, target=None
        ),
    }
    find_order = factories.TaskFactory(
        study=study,
        position=0,
        instruction="Find out where order 482913 is.",
        start_screen=screens["Home"],
        time_limit_seconds=120,
    )
    find_order.goal_screens.set([screens["Order detail"]])
    open_profile = factories.TaskFactory(
        study=study,
        position=1,
        instruction="Open your profile.",
        start_screen=screens["Home"],
        ask_seq=False,
    )
    open_profile.goal_screens.set([screens["Profile"]])
    Kind = models.Question.Kind
    questions = {
        "sus": factories.QuestionFactory(study=study, position=0, kind=Kind.SUS, text=""),
        "open": factories.QuestionFactory(study=study, position=1, kind=Kind.OPEN, required=False),
        "single": factories.QuestionFactory(
            study=study,
            position=2,
            kind=Kind.SINGLE,
            text="Would you use it?",
            choices=["Yes", "No", "Not sure"],
        ),
        "multiple": factories.QuestionFactory(
            study=study,
            position=3,
            kind=Kind.MULTIPLE,
            text="What mattered?",
            choices=["Speed", "Price", "Looks"],
        ),
        "rating": factories.QuestionFactory(
            study=study, position=4, kind=Kind.RATING, text="How likely?", scale_max=10
        ),
    }
    link = factories.ShareLinkFactory(study=study)
    return SimpleNamespace(
        study=study,
        link=link,
        screens=screens,
        hotspots=hotspots,
        task=find_order,
        second_task=open_profile,
        questions=questions,
    )


def new_session(setup):
    return participants.start_session(setup.study, link=setup.link)


def event(type, t_ms, **fields):
    return {"id": str(uuid.uuid4()), "type": type, "t_ms": t_ms, **fields}


def click(setup, name, t_ms, task=None):
    hotspot = setup.hotspots[name]
    return event(
        "click",
        t_ms,
        task=(task or setup.task).pk,
        screen=hotspot.screen_id,
        hotspot=hotspot.pk,
        x=hotspot.x + 0.01,
        y=hotspot.y + 0.01,
    )


def navigate(setup, name, t_ms, task=None):
    return event("navigate", t_ms, task=(task or setup.task).pk, screen=setup.screens[name].pk)


def task_start(setup, t_ms, task=None):
    task = task or setup.task
    return event("task_start", t_ms, task=task.pk, screen=task.start_screen_id)


def task_end(setup, t_ms, reason, screen="Order detail", task=None):
    return event(
        "task_end",
        t_ms,
        task=(task or setup.task).pk,
        screen=setup.screens[screen].pk,
        data={"reason": reason},
    )


def misclick(setup, screen, t_ms, task=None):
    return event(
        "misclick",
        t_ms,
        task=(task or setup.task).pk,
        screen=setup.screens[screen].pk,
        x=0.5,
        y=0.3,
    )


def direct_run(setup, seq=6):
    """Task 1 done the shortest way, then its SEQ answer."""
    return [
        task_start(setup, 1000),
        click(setup, "orders", 3500),
        navigate(setup, "Orders", 3500),
        click(setup, "order", 6000),
        navigate(setup, "Order detail", 6000),
        task_end(setup, 6000, "goal"),
        event("answer", 9000, task=setup.task.pk, data={"seq": seq}),
    ]


def detour_run(setup):
    """Task 1 with a misclick first, a detour through Profile and back, then success."""
    return [
        task_start(setup, 1000),
        misclick(setup, "Home", 2000),
        click(setup, "profile", 3000),
        navigate(setup, "Profile", 3000),
        click(setup, "back", 5000),
        navigate(setup, "Home", 5000),
        click(setup, "orders", 7000),
        navigate(setup, "Orders", 7000),
        click(setup, "order", 8000),
        navigate(setup, "Order detail", 8000),
        task_end(setup, 8000, "goal"),
        event("answer", 11000, task=setup.task.pk, data={"seq": 4}),
    ]


def post_events(client, session, events, dropped=None, **extra):
    body = {"events": events}
    if dropped is not None:
        body["dropped"] = dropped
    return post_raw(client, session, json.dumps(body), **extra)


def post_raw(client, session, body, **extra):
    token = session.token if hasattr(session, "token") else session
    return client.post(
        reverse("api_events", args=[token]), body, content_type="application/json", **extra
    )


def attempt_fields(session):
    return list(
        models.TaskAttempt.objects.filter(session=session)
        .order_by("task__position")
        .values(
            "task_id",
            "outcome",
            "started_ms",
            "ended_ms",
            "clicks",
            "misclicks",
            "path",
            "first_click_success",
            "seq",
        )
    )
