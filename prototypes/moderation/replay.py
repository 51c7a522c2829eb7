"""What a moderated session adds to its replay: the Wizard of Oz turns (who answered each:
the wizard, or the script's fallback when the time ran out) and the facilitator's notes, on the
participant's clock."""

from prototypes.moderation.models import ModeratedSession, WizardTurn


def clock(t_ms):
    if t_ms is None:
        return "before the start"
    seconds = t_ms // 1000
    return f"{seconds // 60}:{seconds % 60:02d}"


def moderation_log(session):
    """None for a session nobody moderated; else its wizard turns and notes, oldest first (three
    queries)."""
    moderated = ModeratedSession.objects.filter(participant_session=session).first()
    if moderated is None:
        return None
    turns = []
    for turn in moderated.turns.select_related("answered_by").order_by("id"):
        if turn.state == WizardTurn.State.ANSWERED:
            by = "wizard"
            answer = f"replied “{turn.reply}”" if turn.reply else f"went on to {turn.target}"
        elif turn.state == WizardTurn.State.TIMED_OUT:
            by = "fallback"
            answer = f"went on to {turn.target}" if turn.target else "stayed on the step"
        else:
            by, answer = "nobody", "had no answer"
        turns.append(
            {
                "clock": clock(turn.t_ms),
                "step": turn.step,
                "text": turn.text,
                "by": by,
                "answer": answer,
            }
        )
    notes = [
        {
            "id": note.pk,
            "clock": clock(note.t_ms),
            "text": note.text,
            "tags": note.tags,
            "quoted": note.quoted,
            "author": note.author.get_username() if note.author else "",
        }
        for note in moderated.notes.select_related("author")
    ]
    return {"moderated": moderated, "turns": turns, "notes": notes}
