"""Demo data: a live study of the demo shop prototype, planned the way the product asks."""

from django.db import transaction

from prototypes.studies import ab, kinds, services
from prototypes.studies.models import Criterion, Problem, Question, Study, Task

# Names of the demo shop's screens (prototypes/sketches.py), with the position to fall back
# on if a screen was renamed.
SCREENS = {
    "Home": 0,
    "Account": 1,
    "Orders": 2,
    "Order detail": 3,
    "Help": 4,
    "Contact": 5,
}

PROBLEM = {
    "title": "Customers can't find out where their order is",
    "who": (
        "Customers who ordered in the last two weeks and are waiting for a parcel, most of "
        "them on their phone."
    ),
    "what": (
        "The order status sits under Account › My orders › the order. Customers who don't "
        "find it contact support or assume the parcel is lost; some cancel and buy elsewhere."
    ),
    "evidence": (
        "“I looked everywhere in the app and ended up calling you just to ask where my parcel "
        "was.” (support call, March)\n"
        "“Where is my order?? No email, nothing in the app.” (App Store review, 2 stars)\n"
        "“I didn't know ‘Account’ was where orders are.” (usability interview, P4)\n"
        "1,240 of 3,900 support tickets in Q1 (32%) asked where an order was; 71% of those "
        "customers had the app installed.\n"
        "Average handling time of those tickets: 6 minutes, about 124 agent hours a quarter."
    ),
}

HYPOTHESIS = (
    "With the order status one tap from the account page, at least 70% of customers find "
    "when their parcel arrives, without help and within a minute."
)

TASKS = [
    {
        "instruction": (
            "You ordered a pair of running shoes last week. Find out when they will arrive."
        ),
        "start": "Home",
        "goals": ["Order detail"],
        "time_limit_seconds": 180,
    },
    {
        "instruction": (
            "Your parcel seems late and you would like to write to customer service about "
            "it. Find where you can send them a message."
        ),
        "start": "Home",
        "goals": ["Contact"],
        "fallback_goals": ["Help"],
        "time_limit_seconds": 180,
    },
    {
        "instruction": "Check whether the rain jacket you ordered has been delivered.",
        "start": "Home",
        "goals": ["Orders"],
        "time_limit_seconds": 120,
    },
]

OPEN_QUESTION = "What, if anything, would make it easier to find out where your order is?"


def _screen_finder(version):
    screens = list(version.screens.order_by("position", "id"))
    by_name = {screen.name.casefold(): screen for screen in screens}

    def find(name):
        found = by_name.get(name.casefold())
        if found is None and name in SCREENS and SCREENS[name] < len(screens):
            found = screens[SCREENS[name]]
        return found

    return find


def _draft_study(user, version, problem, title, hypothesis, participants):
    return Study.objects.create(
        workspace=problem.workspace,
        problem=problem,
        prototype_version=version,
        title=title,
        hypothesis=hypothesis,
        target_participants=participants,
        created_by=user,
    )


@transaction.atomic
def create_demo_study(workspace, user, version):
    """Create the demo problem and a live study of `version` (the published demo shop)."""
    find = _screen_finder(version)
    problem = Problem.objects.create(workspace=workspace, **PROBLEM)
    study = _draft_study(
        user, version, problem, "Where is my order? — shop app sketches", HYPOTHESIS, 30
    )
    tasks = []
    for spec in TASKS:
        start = find(spec["start"])
        goals = [screen for screen in map(find, spec["goals"]) if screen]
        if not goals:
            goals = [screen for screen in map(find, spec.get("fallback_goals", [])) if screen]
        if start is None or not goals or start in goals:
            continue
        task = Task.objects.create(
            study=study,
            position=len(tasks),
            instruction=spec["instruction"],
            start_screen=start,
            expected_path=services.shortest_path(version, start.pk, [goal.pk for goal in goals]),
            time_limit_seconds=spec["time_limit_seconds"],
            ask_seq=True,
        )
        task.goal_screens.set(goals)
        tasks.append(task)
    sus = Question.objects.create(study=study, position=0, kind=Question.Kind.SUS)
    Question.objects.create(
        study=study, position=1, kind=Question.Kind.OPEN, text=OPEN_QUESTION, required=False
    )
    Metric, Comparison = Criterion.Metric, Criterion.Comparison
    first = tasks[0]
    Criterion.objects.bulk_create(
        [
            Criterion(
                study=study,
                position=0,
                metric=Metric.COMPLETION_RATE,
                task=first,
                comparison=Comparison.AT_LEAST,
                threshold=0.70,
                must_have=True,
            ),
            Criterion(
                study=study,
                position=1,
                metric=Metric.SUS,
                question=sus,
                comparison=Comparison.AT_LEAST,
                threshold=68,
                must_have=False,
            ),
            Criterion(
                study=study,
                position=2,
                metric=Metric.TIME_ON_TASK,
                task=first,
                comparison=Comparison.AT_MOST,
                threshold=60,
                must_have=False,
            ),
        ]
    )
    study = services.transition(study, Study.State.LIVE)
    create_first_impressions_study(user, version, problem)
    return study


FIRST_IMPRESSIONS = {
    "title": "First impressions of the shop's home screen",
    "hypothesis": (
        "Customers see at a glance that the app is where their orders are, and most of them "
        "would tap Account first to find one."
    ),
    "recall": "What can you do in this app? Say what you remember.",
    "first_click": "Where would you tap first to find out when your order arrives?",
    "preference": "Which of these two pages would you rather use to check on your parcel, and why?",
}


def create_first_impressions_study(user, version, problem):
    """A live study of the demo shop with a five-second test, a first-click test and a
    preference test; None when the shop lacks the screens it needs."""
    find = _screen_finder(version)
    home, orders, detail = find("Home"), find("Orders"), find("Order detail")
    account = home and home.hotspots.filter(target=find("Account")).first()
    if not (home and orders and detail and account):
        return None
    study = _draft_study(
        user, version, problem, FIRST_IMPRESSIONS["title"], FIRST_IMPRESSIONS["hypothesis"], 20
    )
    glance = Task.objects.create(
        study=study,
        position=0,
        kind=Task.Kind.FIVE_SECOND,
        instruction="You will see a screen of an app for five seconds. Look at it as you would "
        "if you had just opened it.",
        start_screen=home,
        ask_seq=False,
    )
    Question.objects.create(
        study=study,
        task=glance,
        position=0,
        kind=Question.Kind.OPEN,
        text=FIRST_IMPRESSIONS["recall"],
    )
    first_click = Task.objects.create(
        study=study,
        position=1,
        kind=Task.Kind.FIRST_CLICK,
        instruction=FIRST_IMPRESSIONS["first_click"],
        start_screen=home,
        # The target is the Account tab, where the orders are.
        target_x=account.x,
        target_y=account.y,
        target_width=account.width,
        target_height=account.height,
        ask_seq=False,
    )
    choice = Task.objects.create(
        study=study,
        position=2,
        kind=Task.Kind.PREFERENCE,
        instruction=FIRST_IMPRESSIONS["preference"],
        start_screen=orders,
        ask_seq=False,
    )
    choice.options.set([orders, detail])
    for task in (glance, first_click, choice):
        task.goal_screens.set([task.start_screen])
    preferred = kinds.sync_task_questions(choice)
    Criterion.objects.bulk_create(
        [
            Criterion(
                study=study,
                position=0,
                metric=Criterion.Metric.FIRST_CLICK_RATE,
                task=first_click,
                comparison=Criterion.Comparison.AT_LEAST,
                threshold=0.5,
                must_have=True,
            ),
            Criterion(
                study=study,
                position=1,
                metric=Criterion.Metric.ANSWER_SHARE,
                question=preferred,
                choice=preferred.choices[-1],
                comparison=Criterion.Comparison.AT_LEAST,
                threshold=0.5,
                must_have=False,
            ),
        ]
    )
    return services.transition(study, Study.State.LIVE)


CONCEPTS = {
    "title": "Delivery day on Home — concept A/B",
    "hypothesis": (
        "Showing the latest order's delivery day on Home (concept B) lets more customers find "
        "out when their parcel arrives than the way through Account and My orders (concept A)."
    ),
}


def create_concept_study(user, version, concept_version, problem):
    """A live concept A/B study of the demo shop: ``version`` against ``concept_version`` on
    the first demo task; None when the shop lacks its screens."""
    find = _screen_finder(version)
    spec = TASKS[0]
    start, goal = find(spec["start"]), find(spec["goals"][0])
    if not (start and goal):
        return None
    study = _draft_study(user, version, problem, CONCEPTS["title"], CONCEPTS["hypothesis"], 40)
    task = Task.objects.create(
        study=study,
        position=0,
        instruction=spec["instruction"],
        start_screen=start,
        expected_path=services.shortest_path(version, start.pk, [goal.pk]),
        time_limit_seconds=spec["time_limit_seconds"],
        ask_seq=True,
    )
    task.goal_screens.set([goal])
    Criterion.objects.create(
        study=study,
        position=0,
        metric=Criterion.Metric.COMPLETION_RATE,
        task=task,
        comparison=Criterion.Comparison.AT_LEAST,
        threshold=0.80,
        must_have=True,
    )
    ab.add_concept(study, version)
    ab.add_concept(study, concept_version)
    return services.transition(study, Study.State.LIVE)
