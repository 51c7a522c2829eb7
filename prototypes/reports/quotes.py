"""Which participant comments a summary quotes, and the designer's say over them.

A quote should show what many participants felt, where they struggled, in words a stakeholder
reads in a few seconds. Length alone says nothing: a 2,000-character paste or a keyboard mash
is long, not representative. So a comment is scored on where it was left (a friction screen,
during a task), on how many of its words other participants also used, and on a readable
length; comments past the length cap or without real words are never chosen automatically.
The designer then pins or hides quotes; a stakeholder link shows only the pinned ones.
"""

import re
from collections import Counter

from django.db import transaction

QUOTES_SHOWN = 4
# Longer comments are not quoted unless the designer pins them; pinned ones are cut here.
QUOTE_MAX_CHARS = 280
# Readable at a glance: comments in this band get the full length score.
GOOD_LENGTH = (25, 180)

WORD = re.compile(r"[^\W\d_]{2,}", re.UNICODE)
# Words too common to say anything about what two comments share.
_STOP_WORDS = """
the and for that this with was were are you not but have has had its it's from they what when
where which there then than too can could would should just very really
les des une est pas que qui pour dans sur avec mais par plus
"""
STOP_WORDS = frozenset(_STOP_WORDS.split())


def words(text):
    return [word for word in WORD.findall(text.casefold()) if word not in STOP_WORDS]


def is_junk(text):
    """No real words, or the same few words or letters over and over (a keyboard mash)."""
    found = WORD.findall(text.casefold())
    if not found:
        return True
    letters = [char for char in text.casefold() if char.isalpha()]
    if len(letters) >= 20 and len(set(letters)) < 6:
        return True
    return len(found) >= 8 and len(set(found)) / len(found) < 0.3


def length_score(text):
    low, high = GOOD_LENGTH
    length = len(text)
    if length < low:
        return length / low
    if length <= high:
        return 1.0
    return max(0.0, 1 - (length - high) / (QUOTE_MAX_CHARS - high + 1))


def relevance(comment, friction_rank, shared):
    """A score for one comment: higher is a better quote. ``friction_rank`` maps screen ids
    to their place among friction screens (0 = worst); ``shared`` counts, for each word, how
    many participants used it."""
    score = length_score(comment.text)
    if comment.screen_id in friction_rank:
        score += 2 - friction_rank[comment.screen_id] / max(1, len(friction_rank))
    if comment.task_number is not None:
        score += 0.5
    own = set(words(comment.text))
    if own:
        # Words others used too, as a share of this comment's words: an echo of the crowd.
        echoed = sum(1 for word in own if shared[word] > 1)
        score += echoed / len(own)
    return score


def quotable(comment):
    return len(comment.text) <= QUOTE_MAX_CHARS and not is_junk(comment.text)


def ranked(comments, friction):
    """Comments from best quote to worst, junk and over-long ones left out."""
    friction_rank = {point.screen.pk: rank for rank, point in enumerate(friction)}
    shared = Counter()
    for session_words in _words_by_session(comments).values():
        shared.update(session_words)
    candidates = [comment for comment in comments if quotable(comment)]
    return sorted(
        candidates, key=lambda comment: (-relevance(comment, friction_rank, shared), comment.id)
    )


def _words_by_session(comments):
    by_session = {}
    for comment in comments:
        by_session.setdefault(comment.session_id, set()).update(words(comment.text))
    return by_session


def representative(comments, friction, pinned=(), hidden=(), limit=QUOTES_SHOWN):
    """The quotes to show: pinned ones first, then the best of each friction screen, then the
    best others; one per participant, never the same words twice, never a hidden one."""
    chosen, sessions, texts = [], set(), set()

    def fits(comment):
        return (
            comment.id not in hidden
            and comment.session_id not in sessions
            and comment.text.casefold() not in texts
        )

    def choose(comment):
        chosen.append(comment)
        sessions.add(comment.session_id)
        texts.add(comment.text.casefold())

    for comment in comments:
        if comment.id in pinned and comment.id not in hidden:
            choose(comment)
    best = ranked(comments, friction)
    for point in friction:
        first = next((c for c in best if c.screen_id == point.screen.pk and fits(c)), None)
        if first is not None and len(chosen) < limit:
            choose(first)
    for comment in best:
        if len(chosen) >= limit:
            break
        if fits(comment):
            choose(comment)
    return chosen


def candidates(comments, friction, limit=40):
    """Comments a designer may pin, best quotes first; over-long and junk ones last."""
    best = ranked(comments, friction)
    chosen = {comment.id for comment in best}
    return (best + [comment for comment in comments if comment.id not in chosen])[:limit]


def curation_of(study):
    """(pinned comment ids, hidden comment ids) of a study's quotes."""
    from prototypes.reports.models import QuoteCuration

    pinned, hidden = set(), set()
    rows = QuoteCuration.objects.filter(comment__session__study=study).values_list(
        "comment_id", "choice"
    )
    for comment_id, choice in rows:
        (pinned if choice == QuoteCuration.Choice.PINNED else hidden).add(comment_id)
    return pinned, hidden


def curate(comment, choice, user):
    """Pin or hide one comment as a quote, or with ``choice`` None let the summary decide."""
    from prototypes.reports.models import QuoteCuration

    with transaction.atomic():
        if choice is None:
            QuoteCuration.objects.filter(comment=comment).delete()
            return
        QuoteCuration.objects.update_or_create(
            comment=comment, defaults={"choice": choice, "curated_by": user}
        )
