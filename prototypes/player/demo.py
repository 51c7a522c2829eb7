"""Simulated participants for the demo: finished sessions whose events go through the same
ingestion service as real participants' events, so reports show data of the real shape.

The simulation is seeded: the same study gives the same participants, outcomes and answers on
every run (only the event UUIDs, which must be unique in the database, are random).
"""

import itertools
import math
import random
import uuid
from collections import deque
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from prototypes.authoring.models import Hotspot
from prototypes.player import ingestion, services
from prototypes.sessions.models import Answer, Comment, ParticipantSession
from prototypes.studies import ab, participants
from prototypes.studies.kinds import option_labels
from prototypes.studies.models import Question, Study, Task

SEED = 1729
BATCH_SIZE = 50
# Simulated sessions happen over the week after the study went live, not at its very edges.
SIM_WEEK = timedelta(days=7)
SIM_MARGIN = timedelta(minutes=30)
USER_AGENTS = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148",
    "Mozilla/5.0 (Linux; Android 15; Pixel 8) AppleWebKit/537.36 Chrome/131.0 Mobile Safari",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/131.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/605.1.15 Version/18.1 Safari",
)
COMMENTS = {
    "en": (
        "I wasn't sure where to tap here.",
        "This label is confusing.",
        "I expected this to open something else.",
        "Clear and simple, I like this screen.",
        "The text is too small to read on my phone.",
        "Where do I go back from here?",
    ),
    "fr": (
        "Je ne savais pas trop où appuyer ici.",
        "Ce libellé prête à confusion.",
        "Je pensais que cela ouvrirait autre chose.",
        "Clair et simple, j’aime bien cet écran.",
        "Le texte est trop petit pour mon téléphone.",
        "Comment revenir en arrière d’ici ?",
    ),
}
OPEN_ANSWERS = {
    "en": (
        "Make the main action easier to find.",
        "Mostly clear, but the menu labels could be more obvious.",
        "I would like to see the status right on the first screen.",
        "It was quick once I found the right button.",
        "Fewer steps, please.",
    ),
    "fr": (
        "Rendre l’action principale plus facile à trouver.",
        "Plutôt clair, mais les libellés du menu pourraient être plus explicites.",
        "J’aimerais voir le statut dès le premier écran.",
        "C’était rapide une fois le bon bouton trouvé.",
        "Moins d’étapes, s’il vous plaît.",
    ),
}


RECALL_ANSWERS = {
    "en": (
        "An online shop, you can see your orders.",
        "Shopping app with an account and help.",
        "Something about orders and deliveries.",
        "A shop. I didn't catch much else.",
        "Buying things and tracking the parcel.",
    ),
    "fr": (
        "Une boutique en ligne, on voit ses commandes.",
        "Une appli d’achat avec un compte et de l’aide.",
        "Quelque chose sur les commandes et les livraisons.",
        "Une boutique. Je n’ai pas vu grand-chose d’autre.",
        "Acheter et suivre son colis.",
    ),
}
PREFERENCE_REASONS = {
    "en": (
        "I can see the delivery date straight away.",
        "Less to read, it feels simpler.",
        "It shows everything I need in one place.",
        "The list is easier to scan.",
    ),
    "fr": (
        "Je vois tout de suite la date de livraison.",
        "Moins de texte, ça paraît plus simple.",
        "Tout ce dont j’ai besoin est au même endroit.",
        "La liste se parcourt plus facilement.",
    ),
}


class TimeUp(Exception):
    """The task's time limit passed while the participant was still clicking."""


def simulate_participants(study, count=30, progress=None):
    """Record `count` finished sessions of simulated participants on `study`; returns how many.

    In a concept A/B study each participant is assigned a concept as a real one is, and clicks
    through that concept's screens. The sessions are spread over the week after the study
    went live (a study launched just now by the demo is moved back a week first), never
    before. ``progress(done, count)`` is called as participants finish.
    """
    rng = random.Random(f"{SEED}:{study.title}:{count}")
    worlds = {}
    link = study.share_links.filter(revoked_at__isnull=True).first()
    now = timezone.now()
    with transaction.atomic():
        launch = backdate_launch(study, now)
        for number in range(1, count + 1):
            session = participants.start_session(
                study, link=link, participant_id=f"SIM-{number:03d}", simulated=True, rng=rng
            )
            version = services.shown_version(session)
            if version.pk not in worlds:
                worlds[version.pk] = World(study, version)
            participant = Participant(rng, worlds[version.pk])
            events = participant.run()
            user_agent = rng.choice(USER_AGENTS)
            for start in range(0, len(events), BATCH_SIZE):
                ingestion.ingest_events(session.token, events[start : start + BATCH_SIZE])
            duration = timedelta(milliseconds=events[-1]["t_ms"])
            # Spread the sessions over the time the study has been live, as a real study's.
            room = max(0.0, (now - launch - duration - 2 * SIM_MARGIN).total_seconds())
            started_at = launch + SIM_MARGIN + timedelta(seconds=rng.uniform(0, room))
            finished_at = started_at + duration
            ParticipantSession.objects.filter(pk=session.pk).update(
                user_agent=user_agent,
                started_at=started_at,
                consented_at=started_at,
                finished_at=finished_at,
                last_seen_at=finished_at,
            )
            Comment.objects.filter(session=session).update(created_at=finished_at)
            Answer.objects.filter(session=session).update(answered_at=finished_at)
            if progress is not None:
                progress(number, count)
    return count


def backdate_launch(study, now):
    """When the simulated sessions may start: a week before ``now`` for a study that went
    live just now (its launch, links and creation are moved back to match), else its launch."""
    if study.went_live_at is not None and study.went_live_at <= now - SIM_WEEK:
        return study.went_live_at
    launch = now - SIM_WEEK
    moved = {"created_at": min(study.created_at, launch - timedelta(days=1))}
    if study.went_live_at is not None:
        moved["went_live_at"] = launch
    Study.objects.filter(pk=study.pk).update(**moved)
    for field, value in moved.items():
        setattr(study, field, value)
    study.share_links.update(created_at=launch)
    return launch


class World:
    """The study as a simulated participant sees it: in ``version`` (a concept of a concept
    A/B study), the tasks' screens are their counterparts there."""

    def __init__(self, study, version=None):
        version = version or study.prototype_version
        if version.pk == study.prototype_version_id:
            counterparts = None
        else:
            counterparts = ab.screen_counterparts(study.prototype_version, version)

        def shown(screen_id):
            return counterparts.get(screen_id) if counterparts is not None else screen_id

        self.language = study.language if study.language in COMMENTS else "en"
        self.tasks = list(study.tasks.prefetch_related("goal_screens"))
        self.start = {task.pk: shown(task.start_screen_id) for task in self.tasks}
        self.goals = {
            task.pk: {shown(screen.pk) for screen in task.goal_screens.all()} - {None}
            for task in self.tasks
        }
        self.paths = {}
        for task in self.tasks:
            path = [shown(step) for step in task.expected_path or []]
            self.paths[task.pk] = path if None not in path else []
        questions = list(study.questions.all())
        # Questions attached to a task are answered right after it, the others at the end.
        self.questions = [question for question in questions if question.task_id is None]
        self.task_questions = {}
        for question in questions:
            if question.task_id is not None:
                self.task_questions.setdefault(question.task_id, []).append(question)
        self.options = {
            task.pk: option_labels(task.options.select_related("version"))
            for task in self.tasks
            if task.kind == Task.Kind.PREFERENCE
        }
        self.hotspots = {}
        for hotspot in Hotspot.objects.filter(screen__version=version).order_by("position", "id"):
            self.hotspots.setdefault(hotspot.screen_id, []).append(hotspot)

    def exits(self, screen):
        return [
            hotspot
            for hotspot in self.hotspots.get(screen, ())
            if hotspot.action == Hotspot.Action.GO_TO and hotspot.target_id
        ]

    def expected_route(self, task):
        """The hotspots along the task's expected path; None if it has none or a step of it
        has no hotspot."""
        route = []
        for source, target in itertools.pairwise(self.paths[task.pk]):
            hotspot = next((h for h in self.exits(source) if h.target_id == target), None)
            if hotspot is None:
                return None
            route.append(hotspot)
        return route or None

    def route(self, start, goals):
        """The hotspots of a shortest route from `start` to a goal; None when there is none."""
        came_by = {start: None}
        queue = deque([start])
        while queue:
            screen = queue.popleft()
            if screen in goals:
                route = []
                while came_by[screen] is not None:
                    route.append(came_by[screen])
                    screen = came_by[screen].screen_id
                return route[::-1]
            for hotspot in self.exits(screen):
                if hotspot.target_id not in came_by:
                    came_by[hotspot.target_id] = hotspot
                    queue.append(hotspot.target_id)
        return None


class Participant:
    """One simulated person: how skilled they are decides how their tasks tend to go."""

    def __init__(self, rng, world):
        self.rng = rng
        self.world = world
        self.skill = rng.gauss(0, 1)
        self.t = 0
        self.events = []
        self.successes = []

    def run(self):
        self.wait(15000)  # reading the welcome and consent
        for task in self.world.tasks:
            self.do_task(task)
        self.answer_questions()
        self.wait(2000)
        self.record("session_end")
        return self.events

    def wait(self, mean_ms):
        self.t += max(150, int(self.rng.lognormvariate(math.log(mean_ms), 0.45)))

    def record(self, type, **fields):
        self.events.append({"id": str(uuid.uuid4()), "type": type, "t_ms": self.t, **fields})

    # Tasks --------------------------------------------------------------------------------

    def do_task(self, task):
        if task.kind != Task.Kind.CLICKTHROUGH:
            self.do_other_kind(task)
            return
        rng = self.rng
        goals = self.world.goals[task.pk]
        expected = self.world.expected_route(task)
        shortest = self.world.route(self.world.start[task.pk], goals)
        # A shorter way than the expected path (another concept's shortcut) is the one people
        # find, and the fewer clicks, the fewer chances to get lost.
        if expected and not (shortest and len(shortest) < len(expected)):
            route = expected
        else:
            route = shortest
        ease = len(route) / len(expected) if route and expected else 1
        self.task = task
        self.screen = self.world.start[task.pk]
        self.history = []
        self.wait(7000)  # reading the instruction
        self.record("task_start", task=task.pk, screen=self.screen)
        self.deadline = self.t + task.time_limit_seconds * 1000 if task.time_limit_seconds else None
        fates = {
            "direct": max(0.05, 0.62 + 0.12 * self.skill),
            "indirect": 0.2,
            "gave_up": max(0.03, 0.12 - 0.04 * self.skill) * ease,
            "timed_out": 0.08 * ease if self.deadline else 0,
        }
        fate = (
            rng.choices(list(fates), weights=list(fates.values()))[0]
            if route is not None
            else "gave_up"
        )
        try:
            if fate == "direct":
                self.follow(route)
            elif fate == "indirect":
                self.follow(self.detour(route, goals) or route)
            else:
                self.wander(goals, steps=rng.randint(2, 5) if fate == "gave_up" else 50)
                if fate == "timed_out" and self.deadline:
                    raise TimeUp
        except TimeUp:
            self.t = self.deadline
            self.end_task("timed_out")
            fate = "timed_out"
        else:
            if fate in ("direct", "indirect"):
                self.end_task("goal")
            else:
                self.wait(3000)
                self.record("give_up", task=task.pk, screen=self.screen)
                self.end_task("gave_up")
        succeeded = fate in ("direct", "indirect")
        self.successes.append(succeeded)
        if task.ask_seq:
            self.wait(4000)
            mean = {"direct": 6.2, "indirect": 4.8}.get(fate, 2.2) + 0.4 * self.skill
            seq = min(7, max(1, round(rng.gauss(mean, 0.8))))
            self.record("answer", task=task.pk, data={"seq": seq})

    def detour(self, route, goals):
        """A route that first takes a wrong turn, then either finds the goal from there or goes
        back and carries on."""
        options = []
        screen = self.screen
        for index, step in enumerate(route):
            for hotspot in self.world.exits(screen):
                if hotspot.pk == step.pk:
                    continue
                onwards = self.world.route(hotspot.target_id, goals)
                if onwards is not None:
                    options.append(route[:index] + [hotspot] + onwards)
                for back in self.world.hotspots.get(hotspot.target_id, ()):
                    if back.action == Hotspot.Action.BACK:
                        options.append(route[:index] + [hotspot, back] + route[index:])
            screen = step.target_id
        return self.rng.choice(options) if options else None

    def follow(self, route):
        for hotspot in route:
            if self.rng.random() < max(0.03, 0.15 - 0.05 * self.skill):
                self.misclick()
            self.click(hotspot)
            self.maybe_comment()

    def wander(self, goals, steps):
        for _ in range(steps):
            options = [h for h in self.world.exits(self.screen) if h.target_id not in goals]
            if self.history:
                options += [
                    h
                    for h in self.world.hotspots.get(self.screen, ())
                    if h.action == Hotspot.Action.BACK
                ]
            if options and self.rng.random() < 0.75:
                self.click(self.rng.choice(options))
            else:
                self.misclick()
            self.maybe_comment()

    def pace(self):
        self.wait(min(6000, max(1200, 2600 * (1 - 0.15 * self.skill))))
        if self.deadline is not None and self.t > self.deadline:
            raise TimeUp

    def click(self, hotspot):
        self.pace()
        self.record(
            "click",
            task=self.task.pk,
            screen=self.screen,
            hotspot=hotspot.pk,
            x=round(hotspot.x + hotspot.width * self.aim(), 4),
            y=round(hotspot.y + hotspot.height * self.aim(), 4),
        )
        if hotspot.action == Hotspot.Action.BACK and self.history:
            self.screen = self.history.pop()
        elif hotspot.action == Hotspot.Action.GO_TO and hotspot.target_id:
            self.history.append(self.screen)
            self.screen = hotspot.target_id
        else:
            return
        self.record("navigate", task=self.task.pk, screen=self.screen)

    def aim(self):
        """Where in a hotspot a click lands, as a fraction of its size: mostly near the middle."""
        return min(0.95, max(0.05, self.rng.gauss(0.5, 0.18)))

    def misclick(self):
        self.pace()
        x, y = self.point_off_hotspots()
        self.record("misclick", task=self.task.pk, screen=self.screen, x=x, y=y)

    def point_off_hotspots(self):
        hotspots = self.world.hotspots.get(self.screen, ())
        for _ in range(20):
            x, y = round(self.rng.random(), 4), round(self.rng.random(), 4)
            if not any(h.x <= x <= h.x + h.width and h.y <= y <= h.y + h.height for h in hotspots):
                break
        return x, y

    def maybe_comment(self):
        if self.rng.random() >= 0.04:
            return
        self.wait(12000)
        x, y = self.point_off_hotspots()
        self.record(
            "comment",
            task=self.task.pk,
            screen=self.screen,
            x=x,
            y=y,
            data={"text": self.rng.choice(COMMENTS[self.world.language])},
        )

    def end_task(self, reason):
        self.record("task_end", task=self.task.pk, screen=self.screen, data={"reason": reason})

    # First-click, five-second and preference tests -----------------------------------------

    def do_other_kind(self, task):
        self.task = task
        self.screen = self.world.start[task.pk]
        self.wait(6000)  # reading the instruction
        self.record("task_start", task=task.pk, screen=self.screen)
        if task.kind == Task.Kind.FIRST_CLICK:
            self.wait(min(9000, max(1500, 4000 * (1 - 0.2 * self.skill))))
            x, y = self.first_click(task)
            self.record("misclick", task=task.pk, screen=self.screen, x=x, y=y)
        elif task.kind == Task.Kind.FIVE_SECOND:
            self.t += task.exposure_seconds * 1000
        elif task.kind == Task.Kind.PREFERENCE:
            self.wait(9000)
            self.prefer(task)
        self.end_task("done")
        for question in self.world.task_questions.get(task.pk, ()):
            if question.role:
                continue
            value = self.recall(question)
            if value is not None:
                self.wait(8000)
                self.record("answer", data={"question": question.pk, "value": value})

    def first_click(self, task):
        """Skilled participants mostly click in the target area, the others anywhere."""
        rng = self.rng
        if task.has_target and rng.random() < min(0.9, max(0.2, 0.6 + 0.15 * self.skill)):
            return (
                round(task.target_x + task.target_width * self.aim(), 4),
                round(task.target_y + task.target_height * self.aim(), 4),
            )
        return round(rng.random(), 4), round(rng.random(), 4)

    def prefer(self, task):
        options = self.world.options.get(task.pk, [])
        own = {question.role: question for question in self.world.task_questions.get(task.pk, ())}
        choice, reason = own.get(Question.Role.PREFERENCE), own.get(Question.Role.REASON)
        if not options or choice is None:
            return
        # The last option is the newer idea; most participants lean towards it.
        weights = [1 + 1.5 * (index == len(options) - 1) for index in range(len(options))]
        label = self.rng.choices([label for _, label in options], weights=weights)[0]
        self.record("answer", data={"question": choice.pk, "value": label})
        if reason is not None and self.rng.random() < 0.8:
            self.wait(12000)
            text = self.rng.choice(PREFERENCE_REASONS[self.world.language])
            self.record("answer", data={"question": reason.pk, "value": text})

    def recall(self, question):
        if question.kind == Question.Kind.OPEN:
            return self.rng.choice(RECALL_ANSWERS[self.world.language])
        return self.answer(question, mood=0.6)

    # Questions ----------------------------------------------------------------------------

    def answer_questions(self):
        rng = self.rng
        success_rate = sum(self.successes) / len(self.successes) if self.successes else 0.7
        # How they felt overall, from 0 (miserable) to 1 (delighted).
        mood = min(1, max(0, 0.2 + 0.6 * success_rate + 0.1 * self.skill + rng.gauss(0, 0.1)))
        for question in self.world.questions:
            value = self.answer(question, mood)
            if value is None:
                continue
            self.wait(9000 if question.kind == Question.Kind.SUS else 6000)
            self.record("answer", data={"question": question.pk, "value": value})

    def answer(self, question, mood):
        rng = self.rng
        Kind = Question.Kind
        if question.kind == Kind.SUS:
            # Odd items are worded positively, even items negatively.
            return [
                min(
                    5,
                    max(
                        1,
                        round(
                            (1 + 4 * mood if index % 2 == 0 else 5 - 4 * mood) + rng.gauss(0, 0.7)
                        ),
                    ),
                )
                for index in range(10)
            ]
        if question.kind == Kind.OPEN:
            if not question.required and rng.random() < 0.4:
                return None
            return rng.choice(OPEN_ANSWERS[self.world.language])
        choices = ingestion.choice_labels(question.choices)
        if question.kind == Kind.SINGLE and choices:
            weights = [1 + mood * 2 if index == 0 else 1 for index in range(len(choices))]
            return rng.choices(choices, weights=weights)[0]
        if question.kind == Kind.MULTIPLE and choices:
            picked = rng.sample(choices, rng.randint(1, min(3, len(choices))))
            return [choice for choice in choices if choice in picked]
        if question.kind == Kind.RATING:
            low, high = question.scale_min, question.scale_max
            return min(high, max(low, low + round((high - low) * (mood + rng.gauss(0, 0.12)))))
        return None
