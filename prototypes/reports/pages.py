"""What the results page, the stakeholder summary and its PDF are given to render."""

from collections import defaultdict
from dataclasses import dataclass, replace

from prototypes.analysis import FAIL, GO, NO_GO, NOT_YET
from prototypes.live.observe import quoted_notes
from prototypes.moderation import services as moderation
from prototypes.reports import charts, quotes
from prototypes.reports.concepts import compare_concepts
from prototypes.reports.decisions import latest_decision
from prototypes.reports.metrics import build_report
from prototypes.reports.present import ANYTIME_VALID, format_confidence, more_participants_text
from prototypes.studies.models import Task


@dataclass(frozen=True)
class VerdictSummary:
    verdict: str
    css: str
    explanation: str
    # How many more participants would settle every open must-have criterion, if known.
    more_participants: int | None = None


def verdict_summary(report):
    """The verdict with one honest paragraph on why, and what would settle it."""
    confidence = format_confidence(report.confidence)
    must_haves = report.must_haves
    css = report.css_verdict
    if not must_haves:
        return VerdictSummary(
            report.verdict,
            css,
            "No must-have criterion was stated for this study, so the evidence cannot decide "
            "either way.",
        )
    if report.verdict == GO:
        which = (
            "The must-have criterion"
            if len(must_haves) == 1
            else f"All {len(must_haves)} must-have criteria"
        )
        return VerdictSummary(
            GO,
            css,
            f"{which} passed: every value in the {confidence} confidence interval meets the "
            "target.",
        )
    if report.verdict == NO_GO:
        failed = [result for result in must_haves if result.verdict.verdict == FAIL]
        return VerdictSummary(
            NO_GO,
            css,
            f"{_count(failed, 'must-have criterion', 'must-have criteria')} failed: no value in "
            f"the {confidence} confidence interval meets the target ("
            + "; ".join(result.description for result in failed)
            + ").",
        )

    open_results = [result for result in must_haves if result.verdict.verdict == NOT_YET]
    without_data = [result for result in open_results if not result.verdict.n]
    if len(without_data) == len(open_results):
        # Nothing measured yet: there is no interval to speak of.
        if not report.started:
            explanation = (
                "No participants yet. The verdict is judged against the criteria below as "
                "results come in."
            )
        else:
            which = "criterion" if len(open_results) == 1 else "criteria"
            explanation = (
                f"No results yet for the must-have {which}: participants have started, but "
                "none has finished what it measures."
            )
        return VerdictSummary(NOT_YET, css, explanation)
    projected = [
        result.verdict.more_participants
        for result in open_results
        if result.verdict.n and result.verdict.more_participants is not None
    ]
    unsettled = len(open_results) - len(without_data) - len(projected)
    parts = [
        f"{_count(open_results, 'must-have criterion is', 'must-have criteria are')} still "
        f"open: the {confidence} confidence interval includes the target."
    ]
    more = None
    if projected and not without_data and not unsettled:
        more = max(projected)
        sentence = more_participants_text(more)
        if len(open_results) > 1:
            sentence = sentence.replace("settle it", "settle all of them")
        parts.append(sentence[0].upper() + sentence[1:] + " (a projection, not a promise).")
    if without_data:
        parts.append(f"{_count(without_data, 'has', 'have')} no data yet.")
    if unsettled:
        parts.append(
            f"{_count(range(unsettled), 'sits', 'sit')} so close to the target that no "
            "realistic number of more participants would settle it."
        )
    return VerdictSummary(NOT_YET, css, " ".join(parts), more)


def _count(items, singular, plural):
    count = len(items)
    return f"{count} {singular if count == 1 else plural}"


def criterion_rows(report):
    return [(result, charts.interval_bar(result, report.confidence)) for result in report.criteria]


def summary_context(report, for_pdf=False, approved_only=False):
    """What the summary renders. With ``approved_only`` (a stakeholder's link or PDF) the only
    quotes are those the designer pinned; otherwise pinned ones come first and hidden ones never."""
    screens = report.screens
    friction = [
        (point, charts.screen_picture(point.screen, [], f"Screen {point.screen.name}"))
        for point in report.friction
    ]
    pinned, hidden = quotes.curation_of(report.study)
    if approved_only:
        chosen = [comment for comment in report.comments if comment.id in pinned]
    else:
        chosen = quotes.representative(report.comments, report.friction, pinned, hidden)
    comments = [
        (
            comment,
            screens[comment.screen_id],
            # One big pin: the picture is shown small next to the quote.
            charts.comment_picture(screens[comment.screen_id], [comment], pin_size=0.09),
        )
        for comment in chosen
        if comment.screen_id in screens
    ]
    return {
        "report": report,
        "study": report.study,
        "verdict": verdict_summary(report),
        "confidence": format_confidence(report.confidence),
        "anytime_valid": ANYTIME_VALID,
        "criterion_rows": criterion_rows(report),
        "friction": friction,
        "comments": comments,
        "for_pdf": for_pdf,
        "approved_only": approved_only,
        "pinned": pinned,
        "hidden": hidden,
        "quote_max_chars": quotes.QUOTE_MAX_CHARS,
        "concepts": compare_concepts(report.study, report.revision),
        "decision": latest_decision(report.study),
        "observer_notes": list(quoted_notes(report.study)),
        "facilitator_notes": list(moderation.quoted_notes(report.study)),
    }


@dataclass
class TaskPictures:
    report: object
    flow: charts.FlowDiagram
    first_clicks: list  # ScreenPicture per screen first clicked on


def task_pictures(report, first_clicks):
    """Flow diagram and first-click pictures of every task; ``first_clicks`` as returned by
    ``metrics.first_clicks``."""
    pictures = []
    for task in report.tasks:
        by_screen = defaultdict(list)
        target = None
        if task.task.kind == Task.Kind.FIRST_CLICK and task.task.has_target:
            # Right means inside the designer's target area, not on a hotspot.
            model = task.task
            target = (model.target_x, model.target_y, model.target_width, model.target_height)
        for click in first_clicks.get(task.task.pk, ()):
            if target is not None:
                click = replace(click, hit=task.task.target_contains(click.x, click.y))
            by_screen[click.screen_id].append(click)
        clicked = [
            charts.first_click_picture(report.screens[screen_id], clicks, target)
            for screen_id, clicks in by_screen.items()
            if screen_id in report.screens
        ]
        pictures.append(TaskPictures(task, charts.flow_diagram(task, report.screens), clicked))
    return pictures


def comment_wall(report):
    """(screen, numbered comments, picture) per screen; numbers run across the whole wall."""
    wall, number = [], 1
    for screen, comments in report.comment_screens:
        numbered = list(enumerate(comments, start=number))
        wall.append((screen, numbered, charts.comment_picture(screen, comments, number)))
        number += len(comments)
    return wall


def settled_criteria(problem):
    """(study, criterion result) for every criterion of the problem's studies that reached
    PASS or FAIL, earliest first: the verdicts' entries in the problem's decision log, beside
    (and apart from) the team's own decisions. One report per study with criteria."""
    entries = []
    for study in problem.studies.filter(criteria__isnull=False).distinct().order_by("pk"):
        entries += [(study, result) for result in build_report(study).milestones]
    return sorted(entries, key=lambda entry: (entry[1].settled_on is None, entry[1].settled_on))
