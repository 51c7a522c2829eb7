"""First-click, five-second and preference tests: what the designer's form accepts, and how
the participants' events become the results."""

import uuid

import pytest
from django.urls import reverse

from prototypes import stats
from prototypes.analysis import PASS
from prototypes.authoring.demo import create_demo_prototypes
from prototypes.player import ingestion
from prototypes.player.demo import simulate_participants
from prototypes.reports.metrics import build_report
from prototypes.studies import participants
from prototypes.studies.demo import FIRST_IMPRESSIONS, create_demo_study
from prototypes.studies.kinds import option_labels
from prototypes.studies.models import Criterion, Question, Study, Task
from tests import factories


def screen(version, name):
    return version.screens.get(name=name)


SCALE = {"scale_min": 1, "scale_max": 5}


def post_task(client, study, **data):
    return client.post(reverse("task_create", args=[study.pk]), data)


def errors(response):
    return response.context["form"].errors


# --- Designer forms ---------------------------------------------------------------------------


def test_a_first_click_test_needs_a_target_area_on_the_screen(designer_client, study, version):
    home = screen(version, "Home")
    base = {"kind": "first_click", "instruction": "Where would you click to see your orders?"}
    response = post_task(designer_client, study, **base, start_screen=home.pk)
    assert "Mark the target area" in errors(response)["target_left"][0]
    response = post_task(
        designer_client,
        study,
        **base,
        start_screen=home.pk,
        target_left="80",
        target_top="10",
        target_width="30",
        target_height="10",
    )
    assert "must fit on the screen" in errors(response)["target_width"][0]
    response = post_task(
        designer_client,
        study,
        **base,
        target_left="10",
        target_top="10",
        target_width="30",
        target_height="10",
    )
    assert "Choose the screen participants see." in errors(response)["start_screen"]
    assert not study.tasks.exists()

    response = post_task(
        designer_client,
        study,
        **base,
        start_screen=home.pk,
        target_left="60",
        target_top="85",
        target_width="35",
        target_height="12.5",
    )
    assert response.status_code == 302
    task = study.tasks.get()
    assert task.kind == Task.Kind.FIRST_CLICK
    assert (task.target_x, task.target_y, task.target_width, task.target_height) == (
        pytest.approx(0.6),
        pytest.approx(0.85),
        pytest.approx(0.35),
        pytest.approx(0.125),
    )
    # It ends once answered: its goal is its own screen, without a SEQ, path or time limit.
    assert list(task.goal_screens.all()) == [home]
    assert not task.ask_seq and task.expected_path == [] and task.time_limit_seconds is None
    assert task.target_contains(0.7, 0.9) and not task.target_contains(0.5, 0.9)

    form = designer_client.get(reverse("task_edit", args=[task.pk])).context["form"]
    assert form["target_left"].initial == 60


def test_a_five_second_test_shows_its_screen_for_one_to_sixty_seconds(
    designer_client, study, version
):
    home = screen(version, "Home")
    base = {"kind": "five_second", "instruction": "Look at this page.", "start_screen": home.pk}
    response = post_task(designer_client, study, **base, exposure_seconds="90")
    assert errors(response)["exposure_seconds"] == ["Show the screen for 1 to 60 seconds."]
    response = post_task(designer_client, study, **base, exposure_seconds="")
    assert response.status_code == 302
    task = study.tasks.get()
    assert task.kind == Task.Kind.FIVE_SECOND and task.exposure_seconds == 5


def test_recall_questions_are_asked_after_a_five_second_test(designer_client, study, version):
    task = factories.TaskFactory(
        study=study, kind=Task.Kind.FIVE_SECOND, start_screen=screen(version, "Home")
    )
    clickthrough = factories.TaskFactory(study=study, start_screen=screen(version, "Home"))
    url = reverse("question_create", args=[study.pk])
    page = designer_client.get(url).content.decode()
    assert "five-second test" in page
    response = designer_client.post(
        url, {**SCALE, "kind": "open", "text": "What was this page for?", "task": clickthrough.pk}
    )
    assert "five-second tests" in errors(response)["task"][0]
    response = designer_client.post(url, {**SCALE, "kind": "sus", "task": task.pk})
    assert "asked at the end of the study" in errors(response)["task"][0]
    response = designer_client.post(
        url, {**SCALE, "kind": "open", "text": "What was this page for?", "task": task.pk}
    )
    assert response.status_code == 302
    assert list(task.questions.values_list("text", flat=True)) == ["What was this page for?"]
    # Asked after the task, so not among the questions at the end.
    detail = designer_client.get(reverse("study_detail", args=[study.pk]))
    assert list(detail.context["questions"]) == []
    assert "What was this page for?" in detail.content.decode()


def test_a_preference_test_compares_two_to_six_options(designer_client, study, version):
    base = {"kind": "preference", "instruction": "Which would you rather use, and why?"}
    response = post_task(designer_client, study, **base, options=[screen(version, "Home").pk])
    assert "Choose 2 to 6 screens" in errors(response)["options"][0]
    other = factories.published_shop_version(study.workspace)
    response = post_task(
        designer_client,
        study,
        **base,
        options=[screen(other, "Home").pk, screen(version, "Orders").pk],
    )
    assert (
        "Choose screens of this study's version or of its concepts."
        in errors(response)["options"][0]
    )
    options = [screen(version, "Orders").pk, screen(version, "Order detail").pk]
    response = post_task(designer_client, study, **base, options=options)
    assert response.status_code == 302
    task = study.tasks.get()
    assert task.kind == Task.Kind.PREFERENCE
    assert task.start_screen_id == options[0]
    choice = task.questions.get(role=Question.Role.PREFERENCE)
    assert choice.kind == Question.Kind.SINGLE
    assert choice.choices == ["Orders", "Order detail"]
    assert choice.text == "Which would you rather use, and why?"
    reason = task.questions.get(role=Question.Role.REASON)
    assert reason.kind == Question.Kind.OPEN and not reason.required

    # Editing the options keeps the question's choices in step; its questions cannot be edited
    # on their own.
    response = designer_client.post(
        reverse("task_edit", args=[task.pk]),
        {**base, "options": [*options, screen(version, "Help").pk]},
    )
    assert response.status_code == 302
    choice.refresh_from_db()
    assert choice.choices == ["Orders", "Order detail", "Help"]
    response = designer_client.post(
        reverse("question_edit", args=[choice.pk]), {"kind": "single", "text": "x"}
    )
    assert "asks this question itself" in response.content.decode()

    # Back to a click-through task: its own questions go.
    response = designer_client.post(
        reverse("task_edit", args=[task.pk]),
        {
            "kind": "clickthrough",
            "instruction": "Find your orders.",
            "start_screen": screen(version, "Home").pk,
            "goal_screens": [screen(version, "Orders").pk],
        },
    )
    assert response.status_code == 302
    assert not task.questions.exists()
    task.refresh_from_db()
    assert not task.options.exists()


def test_options_of_two_versions_with_one_name_are_told_apart(workspace, study, version):
    newer = version.prototype.draft.publish()
    labels = [label for _, label in option_labels([screen(newer, "Home"), screen(version, "Home")])]
    assert labels == ["Home (v1)", "Home (v2)"]


# --- Events to results ------------------------------------------------------------------------


def event(type, t_ms, **fields):
    return {"id": str(uuid.uuid4()), "type": type, "t_ms": t_ms, **fields}


def participate(study, events):
    session = participants.start_session(study)
    ingestion.ingest_events(session.token, [*events, event("session_end", 60_000)])
    return session


def test_first_clicks_inside_the_target_and_time_to_first_click(study, version):
    home = screen(version, "Home")
    task = factories.TaskFactory(
        study=study,
        kind=Task.Kind.FIRST_CLICK,
        start_screen=home,
        target_x=0.6,
        target_y=0.8,
        target_width=0.3,
        target_height=0.2,
    )
    task.goal_screens.set([home])
    # 4 of 5 first clicks on target: the confidence sequence rules out 20% (not yet 30%).
    factories.CriterionFactory(
        study=study, task=task, metric=Criterion.Metric.FIRST_CLICK_RATE, threshold=0.2
    )
    # (x, y, seconds to the first click); a second click after the first never counts.
    clicks = [(0.7, 0.9, 2), (0.65, 0.85, 4), (0.1, 0.1, 8), (0.8, 0.95, 3), (0.61, 0.81, 6)]
    for x, y, seconds in clicks:
        start = 5000
        participate(
            study,
            [
                event("task_start", start, task=task.pk, screen=home.pk),
                event("misclick", start + seconds * 1000, task=task.pk, screen=home.pk, x=x, y=y),
                event(
                    "misclick",
                    start + seconds * 1000 + 500,
                    task=task.pk,
                    screen=home.pk,
                    x=0.0,
                    y=0.0,
                ),
                event(
                    "task_end", start + seconds * 1000 + 600, task=task.pk, data={"reason": "done"}
                ),
            ],
        )
    report = build_report(study)
    result = report.tasks[0].first_click_result
    assert (result.hits, result.clicks) == (4, 5)
    low, high = stats.completion_interval(4, 5, study.confidence)
    assert (result.share.value, result.share.low, result.share.high) == (0.8, low, high)
    mean, low, high = stats.time_interval([2, 4, 8, 3, 6], study.confidence)
    assert result.time.value == pytest.approx(mean)
    assert result.median_seconds == 4
    # The attempts themselves are completed activities, and the criterion reads the target share.
    assert report.tasks[0].completion.value == 1
    assert report.criteria[0].measure.value == 0.8
    assert report.criteria[0].verdict.verdict == PASS
    # A first click is an answer, not friction.
    assert report.friction == []
    data = report.as_dict()["tasks"][0]
    assert data["kind"] == "first_click"
    assert data["first_click_test"]["hits"] == 4


def test_the_first_click_picture_marks_clicks_against_the_target(client, study, version, viewer):
    home = screen(version, "Home")
    task = factories.TaskFactory(
        study=study,
        kind=Task.Kind.FIRST_CLICK,
        start_screen=home,
        target_x=0.5,
        target_y=0.5,
        target_width=0.5,
        target_height=0.5,
    )
    for x in (0.75, 0.25):
        participate(
            study,
            [
                event("task_start", 1000, task=task.pk, screen=home.pk),
                event("misclick", 2000, task=task.pk, screen=home.pk, x=x, y=0.75),
                event("task_end", 2100, task=task.pk, data={"reason": "done"}),
            ],
        )
    client.force_login(viewer)
    page = client.get(reverse("study_results", args=[study.pk])).content.decode()
    assert "First clicks on Home: 1 inside the target area and 1 outside it" in page
    assert 'class="target-area"' in page
    assert "First click on target" in page


def test_recall_answers_are_reported_under_their_five_second_test(study, version):
    home = screen(version, "Home")
    task = factories.TaskFactory(study=study, kind=Task.Kind.FIVE_SECOND, start_screen=home)
    task.goal_screens.set([home])
    recall = factories.QuestionFactory(study=study, task=task, text="What was this page for?")
    brand = factories.QuestionFactory(
        study=study, task=task, kind=Question.Kind.SINGLE, choices=["Shop", "Bank"], position=1
    )
    at_end = factories.QuestionFactory(study=study, text="Anything else?", position=2)
    for text, choice in [("Buying shoes", "Shop"), ("A shop", "Shop"), ("No idea", "Bank")]:
        participate(
            study,
            [
                event("task_start", 1000, task=task.pk, screen=home.pk),
                event("task_end", 6000, task=task.pk, data={"reason": "done"}),
                event("answer", 9000, data={"question": recall.pk, "value": text}),
                event("answer", 11000, data={"question": brand.pk, "value": choice}),
            ],
        )
    report = build_report(study)
    [task_report] = report.tasks
    assert [question.question for question in task_report.questions] == [recall, brand]
    assert task_report.questions[0].texts == ["Buying shoes", "A shop", "No idea"]
    assert [(c.choice, c.count) for c in task_report.questions[1].choices] == [
        ("Shop", 2),
        ("Bank", 1),
    ]
    # Only the question at the end is among the study's questions, numbered 1.
    assert [(q.question, q.number) for q in report.questions] == [(at_end, 1)]
    # Nobody answered the question at the end: nobody "reached the questions".
    assert report.funnel[-2].label == "Reached the questions"
    assert report.funnel[-2].sessions == 0
    assert report.as_dict()["tasks"][0]["questions"][0]["texts"][0] == "Buying shoes"


def test_preference_shares_with_intervals_goodness_of_fit_and_reasons(
    client, designer, study, version
):
    client.force_login(designer)
    options = [screen(version, "Orders"), screen(version, "Order detail")]
    client.post(
        reverse("task_create", args=[study.pk]),
        {
            "kind": "preference",
            "instruction": "Which would you rather use?",
            "options": [option.pk for option in options],
        },
    )
    task = study.tasks.get()
    choice = task.questions.get(role=Question.Role.PREFERENCE)
    reason = task.questions.get(role=Question.Role.REASON)
    answers = [("Order detail", "Shows the date")] * 8 + [("Orders", "Simpler")] * 2
    answers.append(("Order detail", ""))
    for label, why in answers:
        events = [
            event("task_start", 1000, task=task.pk, screen=options[0].pk),
            event("task_end", 5000, task=task.pk, data={"reason": "done"}),
            event("answer", 5001, data={"question": choice.pk, "value": label}),
        ]
        if why:
            events.append(event("answer", 9000, data={"question": reason.pk, "value": why}))
        participate(study, events)
    factories.CriterionFactory(
        study=study,
        metric=Criterion.Metric.ANSWER_SHARE,
        question=choice,
        choice="Order detail",
        threshold=0.5,
    )
    report = build_report(study)
    result = report.tasks[0].preference
    assert result.respondents == 11
    assert [(option.label, option.count) for option in result.options] == [
        ("Orders", 2),
        ("Order detail", 9),
    ]
    low, high = stats.completion_interval(9, 11, study.confidence)
    detail = result.options[1]
    assert (detail.share.low, detail.share.high) == (low, high)
    assert result.p_value == pytest.approx(stats.goodness_of_fit([2, 9]))
    assert result.p_value < 0.05
    assert "Order detail is preferred" in result.reading
    assert detail.reasons == ("Shows the date",) * 8
    assert result.options[0].reasons == ("Simpler", "Simpler")
    # The preference is a criterion like any answer share.
    assert report.criteria[0].measure.value == pytest.approx(9 / 11)
    assert report.questions == []

    page = client.get(reverse("study_results", args=[study.pk])).content.decode()
    assert "Why they chose it" in page and "Shows the date" in page
    assert "goodness-of-fit" in page


# --- Demo and player payload ---------------------------------------------------------------------


def test_the_demo_has_a_first_impressions_study_its_participants_can_take(owner, workspace):
    versions = create_demo_prototypes(workspace, owner)
    main = create_demo_study(workspace, owner, versions["shop"])
    study = Study.objects.get(title=FIRST_IMPRESSIONS["title"])
    assert Study.objects.order_by("pk").first() == main
    assert study.state == Study.State.LIVE
    assert [task.kind for task in study.tasks.all()] == [
        Task.Kind.FIVE_SECOND,
        Task.Kind.FIRST_CLICK,
        Task.Kind.PREFERENCE,
    ]
    assert simulate_participants(study, count=12) == 12
    report = build_report(study)
    glance, first_click, preference = report.tasks
    assert glance.questions[0].respondents == 12
    assert first_click.first_click_result.clicks == 12
    assert 0 < first_click.first_click_result.hits < 12
    assert preference.preference.respondents == 12
    assert preference.preference.reasons
    assert report.criteria[0].measure.n == 12
    assert report.questions == []


def test_the_player_gets_each_kind_without_the_first_click_target(client, owner, workspace):
    versions = create_demo_prototypes(workspace, owner)
    create_demo_study(workspace, owner, versions["shop"])
    study = Study.objects.get(title=FIRST_IMPRESSIONS["title"])
    link = study.share_links.get()
    response = client.post(
        reverse("api_session_start", args=[link.token]),
        {"consent": True},
        content_type="application/json",
    )
    assert response.status_code == 201
    glance, first_click, preference = response.json()["tasks"]
    assert glance["kind"] == "five_second" and glance["exposure_seconds"] == 5
    assert glance["screen"]["name"] == "Home" and glance["screen"]["image_url"]
    assert [question["text"] for question in glance["questions"]] == [FIRST_IMPRESSIONS["recall"]]
    assert first_click["kind"] == "first_click"
    assert not any(key.startswith("target") for key in first_click)
    assert first_click["screen"]["name"] == "Home"
    assert [option["label"] for option in preference["options"]] == ["Orders", "Order detail"]
    choice = study.questions.get(role=Question.Role.PREFERENCE)
    assert preference["preference_question"] == choice.pk
    assert preference["questions"] == []
    # Questions asked after a task are not asked again at the end.
    assert response.json()["questions"] == []
