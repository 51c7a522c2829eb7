"""How report numbers are written for people: percentages, seconds, scores and intervals."""

PERCENT = "percent"
SECONDS = "seconds"
SCORE = "score"

# En dash between the two bounds of an interval, as in "65–92%".
DASH = "\u2013"

# What a confidence sequence buys, in the one plain sentence every page and the PDF show.
ANYTIME_VALID = (
    "These intervals and verdicts are valid however often you look: they are wider than "
    "one-look intervals so that checking after every participant cannot fake a result."
)


def format_value(value, unit):
    if value is None:
        return "—"
    if unit == PERCENT:
        return f"{value * 100:.0f}%"
    if unit == SECONDS:
        return format_seconds(value)
    return f"{value:.1f}"


def format_interval(low, high, unit):
    if low is None or high is None:
        return ""
    if unit == PERCENT:
        return f"{low * 100:.0f}{DASH}{high * 100:.0f}%"
    if unit == SECONDS:
        return f"{format_seconds(low)}{DASH}{format_seconds(high)}"
    return f"{low:.1f}{DASH}{high:.1f}"


def format_seconds(seconds):
    if seconds < 10:
        return f"{seconds:.1f} s"
    if seconds < 120:
        return f"{seconds:.0f} s"
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} min {rest:02d} s"


def format_threshold(threshold, unit):
    if unit == PERCENT:
        return f"{threshold * 100:g}%"
    if unit == SECONDS:
        return format_seconds(threshold)
    return f"{threshold:g}"


def format_confidence(confidence):
    return f"{confidence * 100:g}%"


def format_p_value(p_value):
    if p_value < 0.001:
        return "p < 0.001"
    return f"p = {p_value:.3f}" if p_value < 0.01 else f"p = {p_value:.2f}"


def chance_in_words(p_value):
    """Where a p-value puts a difference, as a share of studies a person can picture."""
    if p_value < 0.001:
        return "in fewer than 1 of 1,000 studies"
    if p_value < 0.01:
        return f"in about {p_value * 1000:.0f} of 1,000 studies"
    return f"in about {p_value * 100:.0f}% of studies"


def more_participants_text(more):
    """A NOT YET's projection in the one wording used on every page, the PDF and the API:
    a number of *more* participants (``more_participants`` in report.json), never a total."""
    if more is None:
        return "no realistic number of more participants would settle it"
    people = "participant" if more == 1 else "participants"
    return f"about {more} more {people} would likely settle it if the results so far hold"
