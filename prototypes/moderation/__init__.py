"""Moderated sessions and Wizard of Oz: a facilitator with the participant, as it happens.

A designer schedules a session (a personal link with a time) for one participant, joins it,
follows what the participant sees, moves them on, pauses or ends the session and writes notes.
In a scripted flow, steps tagged [wizard] are answered by the facilitator (docs/moderated.md).
The participant's session is recorded like any other, through the events API; what the
facilitator does is kept here, beside it.
"""
