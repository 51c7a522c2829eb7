"""Concept A/B: balanced random assignment, returning participants, screen counterparts and
the comparison of the concepts."""

import json
import random
import uuid
from collections import Counter

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from prototypes.authoring.script_demo import create_demo_assistant
from prototypes.recruitment.models import ScreenerQuestion
from prototypes.reports.concepts import compare_concepts
from prototypes.reports.metrics import build_report, study_screens
from prototypes.sessions.models import ParticipantSession, TaskAttempt
from prototypes.studies import ab, participants
from prototypes.studies.models import ConceptAssignment, Study, StudyConcept
from tests import factories

LABELS = "ABCD"


def concept_study(workspace, concepts=2):
    """A study whose prototype has `concepts` published versions, each one a concept."""
    first = factories.published_shop_version(workspace)
    prototype = first.prototype
    study = factories.StudyFactory(workspace=workspace, prototype_version=first)
    versions = [first] + [prototype.draft.publish() for _ in range(concepts - 1)]
    for position, version in enumerate(versions):
        StudyConcept.objects.create(
            study=study, version=version, label=LABELS[position], position=position
        )
    return study


def arrive(study, participant_id="", rng=random):
    session = factories.SessionFactory(study=study, external_participant_id=participant_id)
    return session, ab.assign_concept(session, rng=rng)


@pytest.fixture
def study(workspace):
    return concept_study(workspace)


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    concepts=st.integers(min_value=2, max_value=4),
    arrivals=st.lists(st.integers(min_value=0, max_value=12), min_size=1, max_size=40),
    seed=st.integers(min_value=0, max_value=2**32 - 1),
)
def test_after_any_number_of_arrivals_the_concepts_differ_by_at_most_one(
    workspace, concepts, arrivals, seed
):
    """`arrivals` are participant numbers: 0 arrives without an id (always someone new), a
    number seen before is a returning participant, who keeps their concept."""
    study = concept_study(workspace, concepts)
    rng = random.Random(seed)
    first_concept = {}
    participants = Counter()
    for number in arrivals:
        participant_id = f"P{number}" if number else ""
        _, concept = arrive(study, participant_id, rng)
        if number and number in first_concept:
            assert concept == first_concept[number]
            continue
        if number:
            first_concept[number] = concept
        participants[concept.pk] += 1
        counts = [participants[c.pk] for c in study.concepts.all()]
        assert max(counts) - min(counts) <= 1
    assert ab.participants_per_concept(list(study.concepts.all())) == Counter(
        {concept.pk: participants[concept.pk] for concept in study.concepts.all()}
    )


def test_ties_are_broken_at_random(workspace):
    firsts = set()
    for seed in range(20):
        study = concept_study(workspace, 3)
        firsts.add(arrive(study, rng=random.Random(seed))[1].label)
    assert firsts == {"A", "B", "C"}


def test_the_same_session_keeps_its_concept(study):
    session, concept = arrive(study)
    for _ in range(3):
        assert ab.assign_concept(session) == concept
    assert ConceptAssignment.objects.count() == 1
    assert ab.session_concept(session) == concept


def test_a_returning_participant_keeps_their_concept_and_counts_once(study):
    _, first = arrive(study, "panel-42")
    _, again = arrive(study, "panel-42")
    assert again == first
    counts = ab.participants_per_concept(list(study.concepts.all()))
    assert sorted(counts.values()) == [0, 1]
    # The next newcomer goes to the other concept: the returning one did not count twice.
    _, newcomer = arrive(study, "panel-43")
    assert newcomer != first


def test_screened_out_participants_do_not_count(study):
    session, concept = arrive(study)
    ParticipantSession.objects.filter(pk=session.pk).update(
        state=ParticipantSession.State.SCREENED_OUT
    )
    counts = ab.participants_per_concept(list(study.concepts.all()))
    assert set(counts.values()) == {0}


def test_a_study_without_concepts_assigns_nothing(workspace):
    study = factories.StudyFactory(workspace=workspace)
    session = participants.start_session(study)
    assert ab.assign_concept(session) is None
    assert not ConceptAssignment.objects.exists()


def test_screens_are_matched_by_key_then_by_name(workspace):
    study = concept_study(workspace)
    base, other = (concept.version for concept in study.concepts.all())
    by_name = {screen.name: screen for screen in other.screens.all()}
    counterparts = ab.screen_counterparts(base, other)
    assert {screen.name: counterparts[screen.pk] for screen in base.screens.all()} == {
        name: screen.pk for name, screen in by_name.items()
    }

    # Another prototype entirely: screens are found by name, whatever the letter case.
    foreign = factories.published_shop_version(
        workspace, names=("home", "Account", "Basket"), links=()
    )
    counterparts = ab.screen_counterparts(base, foreign)
    names = {screen.pk: screen.name for screen in foreign.screens.all()}
    assert sorted(names[pk] for pk in counterparts.values()) == ["Account", "home"]


def test_missing_screens_names_what_a_version_lacks(workspace):
    study = concept_study(workspace)
    base = study.prototype_version
    screens = {screen.name: screen for screen in base.screens.all()}
    task = factories.TaskFactory(study=study, start_screen=screens["Home"])
    task.goal_screens.set([screens["Orders"]])
    foreign = factories.published_shop_version(workspace, names=("Home", "Account"), links=())
    assert ab.missing_screens(study, foreign) == ["Orders"]
    assert ab.missing_screens(study, study.concepts.last().version) == []


def test_the_comparison_tests_each_concept_against_the_first(study):
    screens = {screen.name: screen for screen in study.prototype_version.screens.all()}
    task = factories.TaskFactory(study=study, start_screen=screens["Home"])
    outcomes = {"A": ["direct"] * 3 + ["gave_up"] * 7, "B": ["direct"] * 9 + ["gave_up"]}
    for label, results in outcomes.items():
        concept = study.concepts.get(label=label)
        for outcome in results:
            session = factories.SessionFactory(
                study=study, state=ParticipantSession.State.COMPLETED
            )
            ConceptAssignment.objects.create(session=session, concept=concept)
            factories.TaskAttemptFactory(session=session, task=task, outcome=outcome)
    comparison = compare_concepts(study)
    assert [concept.label for concept in comparison.concepts] == ["A", "B"]
    row = comparison.rows[0]
    a, b = (cell.completion for cell in row.cells)
    assert (a.successes, a.trials, b.successes, b.trials) == (3, 10, 9, 10)
    [test] = row.tests
    # N-1 two-proportion test: z = 0.6 * sqrt(19/20) / sqrt(0.6 * 0.4 * (1/10 + 1/10)) = 2.67
    assert test.p_value == pytest.approx(0.0076, abs=0.0001)
    # One look at ten each would call it; an interval valid however often the page is read
    # cannot tell 3 of 10 from 9 of 10 yet.
    assert not test.significant
    assert test.difference[0] < 0 < 0.6 < test.difference[1]
    assert test.reading.startswith("Concept B's completion rate is higher than concept A's so far")
    assert "cannot be told apart yet" in test.reading
    assert sorted(comparison.participants.values()) == [10, 10]


def test_no_comparison_without_concepts(workspace):
    assert compare_concepts(factories.StudyFactory(workspace=workspace)) is None


# --- Choosing concepts, and the report -----------------------------------------------------------


def test_a_designer_adds_and_removes_concepts(designer_client, workspace):
    version = factories.published_shop_version(workspace)
    study = factories.StudyFactory(workspace=workspace, prototype_version=version)
    screens = {screen.name: screen for screen in version.screens.all()}
    task = factories.TaskFactory(study=study, start_screen=screens["Home"])
    task.goal_screens.set([screens["Orders"]])
    url = reverse("study_concepts", args=[study.pk])
    newer = version.prototype.draft.publish()
    lacking = factories.published_shop_version(workspace, names=("Home", "Help"), links=())

    response = designer_client.post(url, {"action": "add", "version": lacking.pk})
    assert "has no screen “Orders”" in response.content.decode()
    assert not StudyConcept.objects.exists()

    scripted = create_demo_assistant(workspace, factories.UserFactory())
    response = designer_client.post(url, {"action": "add", "version": scripted.pk})
    assert "a scripted flow cannot be one of them" in response.content.decode()

    response = designer_client.post(url, {"action": "add", "version": newer.pk})
    assert response.status_code == 302
    assert [(c.label, c.version) for c in study.concepts.all()] == [("A", version), ("B", newer)]
    third = version.prototype.draft.publish()
    response = designer_client.post(url, {"action": "add", "version": third.pk, "label": "b"})
    assert "already called “b”" in response.content.decode()
    designer_client.post(url, {"action": "add", "version": third.pk, "label": "Bold"})
    assert study.concepts.count() == 3

    bold = study.concepts.get(label="Bold")
    designer_client.post(url, {"action": "remove", "concept": bold.pk})
    b = study.concepts.get(label="B")
    designer_client.post(url, {"action": "remove", "concept": b.pk})
    # One concept left compares nothing.
    assert not study.concepts.exists()


def test_concepts_cannot_change_once_participants_started(designer_client, study):
    participants.start_session(study)
    url = reverse("study_concepts", args=[study.pk])
    concept = study.concepts.last()
    response = designer_client.post(url, {"action": "remove", "concept": concept.pk}, follow=True)
    assert "Participants have already started" in response.content.decode()
    assert study.concepts.count() == 2
    page = designer_client.get(url).content.decode()
    assert "can no longer change" in page and "Add the concept" not in page


def test_the_results_and_report_json_compare_the_concepts(client, viewer, study):
    screens = {screen.name: screen for screen in study.prototype_version.screens.all()}
    task = factories.TaskFactory(study=study, start_screen=screens["Home"])
    for label, outcomes in {"A": ["direct", "gave_up"], "B": ["direct", "direct"]}.items():
        concept = study.concepts.get(label=label)
        for outcome in outcomes:
            session = factories.SessionFactory(
                study=study, state=ParticipantSession.State.COMPLETED
            )
            ConceptAssignment.objects.create(session=session, concept=concept)
            factories.TaskAttemptFactory(session=session, task=task, outcome=outcome)
    client.force_login(viewer)
    page = client.get(reverse("study_results", args=[study.pk])).content.decode()
    assert "Concepts compared" in page
    assert "Concept B&#x27;s completion rate is higher than concept A&#x27;s" in page
    assert "cannot be told apart yet" in page
    summary = client.get(reverse("study_summary", args=[study.pk])).content.decode()
    assert "Concepts compared" in summary
    data = client.get(reverse("api_report", args=[study.pk])).json()["concepts"]
    assert [concept["participants"] for concept in data["concepts"]] == [2, 2]
    assert data["tasks"][0]["completion"]["B"]["successes"] == 2
    assert data["tasks"][0]["tests"][0]["concept"] == "B"


# --- In the player ------------------------------------------------------------------------------


@pytest.fixture
def shortcut_study(workspace):
    """A live study of the shop whose concept B adds a shortcut from Home to the order."""
    first = factories.published_shop_version(workspace)
    draft = first.prototype.draft
    drafted = {screen.name: screen for screen in draft.screens.all()}
    factories.HotspotFactory(
        screen=drafted["Home"], label="Track my order", target=drafted["Order detail"]
    )
    second = draft.publish()
    study = factories.StudyFactory(
        workspace=workspace, prototype_version=first, state=Study.State.LIVE
    )
    screens = {screen.name: screen for screen in first.screens.all()}
    path = [screens[name].pk for name in ("Home", "Account", "Orders", "Order detail")]
    task = factories.TaskFactory(study=study, start_screen=screens["Home"], expected_path=path)
    task.goal_screens.set([screens["Order detail"]])
    for position, version in enumerate((first, second)):
        StudyConcept.objects.create(
            study=study, version=version, label=LABELS[position], position=position
        )
    link = factories.ShareLinkFactory(study=study)
    return study, link, task


def start_through_the_link(client, link, body=None):
    response = client.post(
        reverse("api_session_start", args=[link.token]),
        json.dumps(body or {"consent": True}),
        content_type="application/json",
    )
    assert response.status_code == 201
    return response.json()


def test_each_participant_is_shown_the_screens_of_their_concept(client, shortcut_study):
    study, link, task = shortcut_study
    shown = {}
    for _ in range(4):
        data = start_through_the_link(client, link)
        session = ParticipantSession.objects.get(token=data["session_token"])
        concept = ab.session_concept(session)
        shown.setdefault(concept.label, []).append(data)
        screens = {screen["name"]: screen for screen in data["screens"]}
        # Every screen, hotspot and task screen the player gets is the concept version's.
        version_screens = set(concept.version.screens.values_list("pk", flat=True))
        assert {screen["id"] for screen in data["screens"]} == version_screens
        [payload] = data["tasks"]
        assert payload["start_screen"] == screens["Home"]["id"]
        assert payload["goal_screens"] == [screens["Order detail"]["id"]]
        labels = {hotspot["label"] for hotspot in screens["Home"]["hotspots"]}
        assert ("Track my order" in labels) == (concept.label == "B")
        resumed = client.get(reverse("api_session_state", args=[data["session_token"]])).json()
        assert resumed["screens"] == data["screens"]
        assert resumed["tasks"] == data["tasks"]
    assert sorted(len(sessions) for sessions in shown.values()) == [2, 2]


def post_events(client, token, events):
    return client.post(
        reverse("api_events", args=[token]),
        json.dumps({"events": events}),
        content_type="application/json",
    )


def event(type, t_ms, **fields):
    return {"id": str(uuid.uuid4()), "type": type, "t_ms": t_ms, **fields}


def test_events_on_a_concepts_screens_are_stored_and_make_its_outcomes(client, shortcut_study):
    study, link, task = shortcut_study
    outcomes = {}
    for _ in range(2):
        data = start_through_the_link(client, link)
        token = data["session_token"]
        session = ParticipantSession.objects.get(token=token)
        label = ab.session_concept(session).label
        screens = {screen["name"]: screen for screen in data["screens"]}
        home, detail = screens["Home"], screens["Order detail"]
        by_target = {hotspot["target"]: hotspot for hotspot in home["hotspots"]}
        other = study.prototype_version if label == "B" else study.concepts.get(label="B").version
        foreign = other.screens.get(name="Home").pk
        refused = post_events(client, token, [event("task_start", 0, task=task.pk, screen=foreign)])
        assert refused.status_code == 400
        if label == "B":
            # The shortcut: one click from Home to the order.
            route = [(home, by_target[detail["id"]], detail)]
        else:
            account = screens["Account"]
            orders = screens["Orders"]
            route = [
                (home, by_target[account["id"]], account),
                (account, account["hotspots"][0], orders),
                (orders, orders["hotspots"][0], detail),
            ]
        events = [event("task_start", 0, task=task.pk, screen=home["id"])]
        for step, (screen, hotspot, shows) in enumerate(route, start=1):
            clicked = {"screen": screen["id"], "hotspot": hotspot["id"], "x": 0.5, "y": 0.5}
            events.append(event("click", step * 1000, task=task.pk, **clicked))
            events.append(event("navigate", step * 1000 + 10, task=task.pk, screen=shows["id"]))
        events.append(
            event("task_end", 9000, task=task.pk, screen=detail["id"], data={"reason": "goal"})
        )
        assert post_events(client, token, events).json() == {"stored": len(events), "duplicates": 0}
        attempt = TaskAttempt.objects.get(session=session, task=task)
        outcomes[label] = attempt.outcome
    # The expected path holds in B's screens too, so B's shortcut is an indirect success.
    assert outcomes == {"A": "direct", "B": "indirect"}
    # The report names every concept's screens, saying whose they are.
    report = build_report(study)
    names = {point.screen.name for point in report.friction}
    assert "Order detail" in names and "Order detail (B)" in names
    assert sorted(screen.name for screen in study_screens(study).values()).count("Home (B)") == 1


def test_a_screened_out_participant_is_assigned_no_concept(client, shortcut_study):
    study, link, _ = shortcut_study
    question = factories.ScreenerQuestionFactory(
        study=study,
        rule=ScreenerQuestion.Rule.MUST_BE,
        rule_choices=["Returning customer"],
    )
    body = {"consent": True, "screener": {str(question.pk): "New customer"}}
    data = start_through_the_link(client, link, body)

    assert data["admitted"] is False
    assert not ConceptAssignment.objects.exists()
