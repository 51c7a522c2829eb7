"""Publishing scripted flows as screens and hotspots, routing typed answers, the playback JSON
and the demo assistant."""

import pytest
from django.urls import reverse

from prototypes.authoring import script_views
from prototypes.authoring.models import Hotspot, Prototype, Screen
from prototypes.authoring.script_demo import create_demo_assistant
from prototypes.authoring.script_publish import (
    choice_band,
    create_scripted_prototype,
    ending_screens,
    flow_description,
    load_flow,
    publish_script,
    route_typed_answer,
    save_draft_script,
)
from prototypes.flowscript import ScriptError
from prototypes.sessions.models import ParticipantSession
from tests import factories

RETURNS = """title: Returns

== start: Welcome
Pick what you want to do.
> Return an item -> pick
> Talk to us -> agent

== pick: Which item?
field: Order number
? /\\b\\d{6}\\b/ -> done
? refund, money back -> done
? * -> agent

== done: Return booked [success]
All set.

== agent: Agent [failure]
bot: Please wait.
"""


@pytest.fixture
def returns(workspace, designer):
    return create_scripted_prototype(workspace, designer, "Returns wizard", RETURNS)


def test_publish_makes_one_ready_screen_per_step(returns, designer):
    version = publish_script(returns, designer, note="first try")

    assert version.number == 1
    assert version.script == RETURNS
    assert version.note == "first try"
    screens = list(version.screens.order_by("position"))
    assert [(s.step, s.name, s.position) for s in screens] == [
        ("start", "Welcome", 0),
        ("pick", "Which item?", 1),
        ("done", "Return booked", 2),
        ("agent", "Agent", 3),
    ]
    assert all(s.status == Screen.Status.READY and not s.image for s in screens)
    # The draft keeps its script and gets no screens.
    assert returns.draft.screens.count() == 0


def test_publish_makes_one_hotspot_per_choice_leading_to_its_step(returns, designer):
    version = publish_script(returns, designer)

    hotspots = Hotspot.objects.filter(screen__version=version).select_related("screen", "target")
    assert sorted(
        (h.screen.step, h.position, h.label, h.action, h.target.step) for h in hotspots
    ) == [
        ("start", 0, "Return an item", Hotspot.Action.GO_TO, "pick"),
        ("start", 1, "Talk to us", Hotspot.Action.GO_TO, "agent"),
    ]
    assert all(h.target.version_id == version.pk for h in hotspots)


def test_choice_bands_are_stacked_rows_inside_the_screen():
    for count in (1, 2, 5, 40):
        bands = [choice_band(index, count) for index in range(count)]
        for x, y, width, height in bands:
            assert x > 0 and x + width <= 1
            assert y > 0 and y + height <= 1
            assert width > 0 and height > 0
        tops = [y for _, y, _, _ in bands]
        assert tops == sorted(tops)
        for (_, y1, _, h1), (_, y2, _, _) in zip(bands, bands[1:], strict=False):
            assert y1 + h1 <= y2


def test_many_choices_fit_the_hotspot_constraint(workspace, designer):
    choices = "\n".join(f"> Option {n} -> end" for n in range(60))
    prototype = create_scripted_prototype(
        workspace, designer, "Menu", f"== start: Menu\n{choices}\n== end [success]\n"
    )

    version = publish_script(prototype, designer)

    assert Hotspot.objects.filter(screen__version=version).count() == 60


def test_choice_to_a_missing_step_gets_a_hotspot_without_target(workspace, designer):
    prototype = create_scripted_prototype(
        workspace, designer, "Draft", "== start\n> Go -> nowhere\n> End -> end\n== end [success]\n"
    )

    version = publish_script(prototype, designer)

    targets = dict(Hotspot.objects.filter(screen__version=version).values_list("label", "target"))
    assert targets["Go"] is None
    assert targets["End"] == version.screens.get(step="end").pk


def test_publish_refuses_a_script_with_errors_and_creates_nothing(returns, designer):
    draft = returns.draft
    draft.script = "== start\n> Broken\n"
    draft.save()

    with pytest.raises(ScriptError) as caught:
        publish_script(returns, designer)

    assert (caught.value.line, caught.value.column) == (2, 1)
    assert returns.versions.count() == 1
    assert Screen.objects.filter(version__prototype=returns).count() == 0


def test_published_versions_stay_frozen_when_the_draft_changes(returns, designer):
    v1 = publish_script(returns, designer)
    before = list(v1.screens.values_list("pk", "step", "name"))

    save_draft_script(returns, "== start: Hello again\n> Finish -> end\n== end: Bye [success]\n")
    v2 = publish_script(returns, designer)

    v1.refresh_from_db()
    assert v1.script == RETURNS
    assert list(v1.screens.values_list("pk", "step", "name")) == before
    assert Hotspot.objects.filter(screen__version=v1).count() == 2
    assert list(v2.screens.values_list("step", flat=True)) == ["start", "end"]
    # The same step keeps its key from version to version.
    assert v1.screens.get(step="start").key == v2.screens.get(step="start").key
    assert v1.screens.get(step="start").key != v1.screens.get(step="pick").key


def test_step_names_too_long_for_a_screen_are_refused(workspace, designer):
    name = "s" * 121
    prototype = create_scripted_prototype(workspace, designer, "Long", f"== {name} [success]\n")

    with pytest.raises(ScriptError, match="longer than 120"):
        publish_script(prototype, designer)
    assert prototype.versions.count() == 1


def test_ending_screens(returns, designer):
    version = publish_script(returns, designer)

    assert [s.step for s in ending_screens(version)] == ["done"]
    assert [s.step for s in ending_screens(version, "failure")] == ["agent"]


@pytest.mark.parametrize(
    ("step", "text", "target"),
    [
        ("pick", "my order is 482913", "done"),
        ("pick", "I want my MONEY BACK", "done"),
        ("pick", "refunds", "agent"),  # keywords match whole words; the fallback catches it
        ("pick", "", "agent"),
        ("start", "anything", None),  # no routes and no fallback: stay
    ],
)
def test_route_typed_answer(returns, step, text, target):
    assert route_typed_answer(returns.draft, step, text) == target


def test_route_to_a_missing_step_stays(workspace, designer):
    prototype = create_scripted_prototype(
        workspace,
        designer,
        "Gap",
        "== start [chat]\n? yes -> later\n? * -> end\n== end [success]\n",
    )

    assert route_typed_answer(prototype.draft, "start", "yes") is None
    assert route_typed_answer(prototype.draft, "start", "no") == "end"


def test_route_unknown_step_raises(returns):
    with pytest.raises(KeyError):
        route_typed_answer(returns.draft, "nope", "hi")


def test_flow_description_of_a_draft_has_no_screens(returns):
    description = flow_description(returns.draft, load_flow(returns.draft.script))

    assert description["title"] == "Returns"
    assert description["start"] == "start"
    assert description["version"] == {"id": returns.draft.pk, "number": 0}
    assert description["steps"][0] == {
        "name": "start",
        "title": "Welcome",
        "kind": "page",
        "ending": None,
        "screen": None,
        "answers": False,
        "wizard": False,
        "choices": [
            {"label": "Return an item", "target": "pick", "hotspot": None},
            {"label": "Talk to us", "target": "agent", "hotspot": None},
        ],
    }
    assert description["steps"][1]["answers"] is True
    assert [s["ending"] for s in description["steps"]] == [None, None, "success", "failure"]
    assert description["steps"][3]["kind"] == "chat"


def test_flow_description_of_a_published_version_names_screens_and_hotspots(
    returns, designer, django_assert_max_num_queries
):
    version = publish_script(returns, designer)
    flow = load_flow(version.script)

    with django_assert_max_num_queries(2):
        description = flow_description(version, flow)

    screens = dict(version.screens.values_list("step", "pk"))
    assert [s["screen"] for s in description["steps"]] == [
        screens["start"],
        screens["pick"],
        screens["done"],
        screens["agent"],
    ]
    hotspots = Hotspot.objects.filter(screen__version=version).order_by("position")
    assert [c["hotspot"] for c in description["steps"][0]["choices"]] == [h.pk for h in hotspots]


def test_create_scripted_prototype_refuses_bad_scripts(workspace, designer):
    with pytest.raises(ScriptError):
        create_scripted_prototype(workspace, designer, "Bad", "no step here")

    assert not Prototype.objects.filter(name="Bad").exists()


def test_demo_assistant_is_published_with_the_order_flow(workspace, designer):
    version = create_demo_assistant(workspace, designer)

    assert version.number == 1
    assert version.prototype.kind == Prototype.Kind.SCRIPTED
    assert version.prototype.workspace == workspace
    steps = list(version.screens.values_list("step", flat=True))
    assert steps[0] == "start"
    assert len(steps) == 9
    assert Hotspot.objects.filter(screen__version=version).count() == 9
    assert route_typed_answer(version, "ask_order_number", "It's 482913") == "order_status"
    assert [s.step for s in ending_screens(version)] == ["address_saved", "done"]


# --- Participant routing endpoint ---------------------------------------------------------------


@pytest.fixture
def participant(returns, designer, workspace):
    version = publish_script(returns, designer)
    study = factories.StudyFactory(workspace=workspace, prototype_version=version)
    return factories.SessionFactory(study=study)


def test_participant_route_answers_the_target(client, participant):
    url = reverse("script_route", args=[participant.token])

    response = client.post(url, {"step": "pick", "text": "order 482913 please"})

    assert response.status_code == 200
    assert response.json() == {"target": "done"}
    assert client.post(url, {"step": "start", "text": "hi"}).json() == {"target": None}


def test_participant_route_needs_an_open_session(client, participant):
    url = reverse("script_route", args=[participant.token])
    participant.state = ParticipantSession.State.COMPLETED
    participant.save()

    assert client.post(url, {"step": "pick", "text": "482913"}).status_code == 404
    assert (
        client.post(reverse("script_route", args=["not-a-token"]), {"step": "pick"}).status_code
        == 404
    )


def test_participant_route_rejects_bad_requests(client, participant):
    url = reverse("script_route", args=[participant.token])

    assert client.get(url).status_code == 405
    assert client.post(url, {"text": "hi"}).status_code == 400
    assert client.post(url, {"step": "nope", "text": "hi"}).status_code == 400


def test_participant_route_works_without_a_csrf_token(participant):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    url = reverse("script_route", args=[participant.token])

    assert client.post(url, {"step": "pick", "text": "refund"}).json() == {"target": "done"}


def test_participant_route_is_rate_limited_per_session(client, participant, rate_limit_clock):
    url = reverse("script_route", args=[participant.token])
    limit = script_views.ROUTING.requests

    statuses = [client.post(url, {"step": "pick", "text": "x"}).status_code for _ in range(limit)]
    refused = client.post(url, {"step": "pick", "text": "x"})

    assert set(statuses) == {200}
    assert refused.status_code == 429
    assert "Retry-After" in refused
