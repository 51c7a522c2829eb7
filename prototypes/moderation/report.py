"""Wizard of Oz in a study's report: which replies a person gave and which the script's fallback
gave, by step and by session, read in one query whatever the number of turns.

A turn is answered by the wizard (a reply typed, or the next step chosen), by the script's
fallback (nobody answered before the deadline), or is still waiting (a session live right now).
A turn still marked waiting after its deadline was never settled because nobody looked again
(the participant left): the script's fallback is what it fell to, so it counts as one.
"""

from dataclasses import dataclass, field

from prototypes import stats
from prototypes.moderation import machine
from prototypes.moderation.models import WizardTurn

WIZARD, FALLBACK, WAITING = "wizard", "fallback", "waiting"
REPLY, STEP = "reply", "step"

# What a turn is read as (name -> lookup from WizardTurn), in one values_list() row.
TURN_FIELDS = {
    "id": "id",
    "session_id": "moderated__participant_session_id",
    "moderated_session_id": "moderated_id",
    "participant": "moderated__participant_name",
    "step": "step",
    "text": "text",
    "script_target": "script_target",
    "state": "state",
    "deadline": "deadline",
    "target": "target",
    "reply": "reply",
    "t_ms": "t_ms",
    "created_at": "created_at",
    "resolved_at": "resolved_at",
}

EXPORT_COLUMNS = (
    "id",
    "session",
    "step",
    "participant_text",
    "answered_by",
    "answer_kind",
    "reply",
    "target",
    "script_target",
    "t_ms",
    "asked_at",
    "answered_at",
    "response_ms",
)


@dataclass(frozen=True)
class Turn:
    """One participant answer on a wizard step and who answered it."""

    id: int
    session_id: int
    moderated_session_id: int
    participant: str
    step: str
    text: str
    answered_by: str  # WIZARD, FALLBACK or WAITING
    answer_kind: str | None  # REPLY or STEP for the wizard's answers, else None
    reply: str
    target: str
    script_target: str
    t_ms: int | None
    asked_at: object
    answered_at: object
    response_ms: int | None  # how long the wizard took; None unless the wizard answered

    @property
    def clock(self):
        """When in the participant's session the turn came, as m:ss."""
        if self.t_ms is None:
            return None
        seconds = self.t_ms // 1000
        return f"{seconds // 60}:{seconds % 60:02d}"

    def as_dict(self):
        return {
            "id": self.id,
            "step": self.step,
            "text": self.text,
            "answered_by": self.answered_by,
            "answer_kind": self.answer_kind,
            "reply": self.reply,
            "target": self.target or None,
            "script_target": self.script_target or None,
            "t_ms": self.t_ms,
            "asked_at": self.asked_at.isoformat() if self.asked_at else None,
            "answered_at": self.answered_at.isoformat() if self.answered_at else None,
            "response_ms": self.response_ms,
        }


@dataclass
class Tally:
    """Counts of turns by who answered them, with the wizard's median response time."""

    turns: int = 0
    replies: int = 0  # the wizard typed the bot's reply
    steps_chosen: int = 0  # the wizard picked the next step
    fallbacks: int = 0
    waiting: int = 0
    response_ms: list = field(default_factory=list)

    @property
    def by_wizard(self):
        return self.replies + self.steps_chosen

    @property
    def median_response_seconds(self):
        return stats.median(self.response_ms) / 1000 if self.response_ms else None

    def add(self, turn):
        self.turns += 1
        if turn.answered_by == FALLBACK:
            self.fallbacks += 1
        elif turn.answered_by == WAITING:
            self.waiting += 1
        else:
            if turn.answer_kind == REPLY:
                self.replies += 1
            else:
                self.steps_chosen += 1
            if turn.response_ms is not None:
                self.response_ms.append(turn.response_ms)

    def counts(self):
        return {
            "turns": self.turns,
            "by_wizard": self.by_wizard,
            "replies_typed": self.replies,
            "steps_chosen": self.steps_chosen,
            "fallbacks": self.fallbacks,
            "waiting": self.waiting,
            "median_response_seconds": self.median_response_seconds,
        }


@dataclass
class StepTally(Tally):
    step: str = ""


@dataclass
class SessionTurns:
    session_id: int
    moderated_session_id: int
    participant: str
    turns: list = field(default_factory=list)
    tally: Tally = field(default_factory=Tally)


@dataclass
class WizardSummary:
    """A study's wizard turns: totals, per step (in the order steps were first met) and per
    session (in the order sessions first had a turn)."""

    total: Tally
    steps: list  # StepTally
    sessions: list  # SessionTurns

    def as_dict(self):
        return {
            **self.total.counts(),
            "steps": [{"step": step.step, **step.counts()} for step in self.steps],
            "sessions": [
                {
                    "session": item.session_id,
                    "moderated_session": item.moderated_session_id,
                    **item.tally.counts(),
                    "turns": [turn.as_dict() for turn in item.turns],
                }
                for item in self.sessions
            ],
        }


def answered_by(state, deadline, now):
    """WIZARD, FALLBACK or WAITING for a turn in `state` with `deadline`, seen at `now`."""
    if state == WizardTurn.State.ANSWERED:
        return WIZARD
    if state == WizardTurn.State.TIMED_OUT or machine.turn_due(state, deadline, now):
        return FALLBACK
    return WAITING


def to_turn(row, now):
    """A Turn from a row of TURN_FIELDS' values, as seen at `now`."""
    values = dict(zip(TURN_FIELDS, row, strict=True))
    by = answered_by(values["state"], values["deadline"], now)
    kind = None
    response_ms = None
    if by == WIZARD:
        kind = REPLY if values["reply"] else STEP
        if values["resolved_at"] is not None:
            seconds = (values["resolved_at"] - values["created_at"]).total_seconds()
            response_ms = max(0, round(seconds * 1000))
    return Turn(
        id=values["id"],
        session_id=values["session_id"],
        moderated_session_id=values["moderated_session_id"],
        participant=values["participant"],
        step=values["step"],
        text=values["text"],
        answered_by=by,
        answer_kind=kind,
        reply=values["reply"],
        target=values["target"],
        script_target=values["script_target"],
        t_ms=values["t_ms"],
        asked_at=values["created_at"],
        answered_at=values["resolved_at"] if by != WAITING else None,
        response_ms=response_ms,
    )


def summarise(turns):
    """The WizardSummary of `turns` (Turn values, oldest first); None when there are none."""
    if not turns:
        return None
    total = Tally()
    steps = {}
    sessions = {}
    for turn in turns:
        total.add(turn)
        steps.setdefault(turn.step, StepTally(step=turn.step)).add(turn)
        session = sessions.setdefault(
            turn.session_id,
            SessionTurns(turn.session_id, turn.moderated_session_id, turn.participant),
        )
        session.turns.append(turn)
        session.tally.add(turn)
    return WizardSummary(total, list(steps.values()), list(sessions.values()))


def turn_rows(sessions):
    """The wizard turns of `sessions` (a queryset of participant sessions) as rows of
    TURN_FIELDS, by session and oldest first, in one query."""
    return (
        WizardTurn.objects.filter(moderated__participant_session__in=sessions)
        .order_by("moderated__participant_session_id", "id")
        .values_list(*TURN_FIELDS.values())
    )


def wizard_summary(sessions, now):
    """The WizardSummary of the turns in `sessions`, or None when they had none (one query)."""
    return summarise([to_turn(row, now) for row in turn_rows(sessions)])


class TurnExportRows:
    """The raw-data export's wizard_turns rows (EXPORT_COLUMNS), streamed like the others."""

    def __init__(self, sessions, now):
        self.rows = turn_rows(sessions)
        self.now = now

    def iterator(self, chunk_size):
        for row in self.rows.iterator(chunk_size=chunk_size):
            turn = to_turn(row, self.now)
            yield (
                turn.id,
                turn.session_id,
                turn.step,
                turn.text,
                turn.answered_by,
                turn.answer_kind,
                turn.reply,
                turn.target,
                turn.script_target,
                turn.t_ms,
                turn.asked_at,
                turn.answered_at,
                turn.response_ms,
            )


def wizard_tables(sessions, now):
    """The raw-data export's table of wizard turns: (name, columns, rows). The participant's
    name a facilitator scheduled the session under stays out: the sessions table says who."""
    return [("wizard_turns", EXPORT_COLUMNS, TurnExportRows(sessions, now))]
