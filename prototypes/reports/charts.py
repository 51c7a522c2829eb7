"""Geometry of the report's server-rendered SVG pictures.

Templates draw the SVG; this module only computes where things go and what a screen reader
should hear, so every picture has an ``aria_label`` that states its numbers. Pictures use
SVG attributes and CSS classes for position and colour, never inline styles (the content
security policy forbids them).
"""

import base64
import mimetypes
from dataclasses import dataclass, replace

from django.core.cache import cache

from prototypes.analysis import AT_LEAST
from prototypes.reports.present import (
    PERCENT,
    SECONDS,
    format_confidence,
    format_interval,
    format_threshold,
    format_value,
)

BAR_WIDTH = 320
BAR_HEIGHT = 58
BAR_MARGIN = 14
# Colours are SVG attributes, not CSS, so the pictures look the same in the PDF renderer.
VERDICT_COLOURS = {"PASS": "#2b8a3e", "FAIL": "#c92a2a", "NOT-YET": "#e67700"}
PIN_COLOURS = {"hit": ("#2b8a3e", 0.75), "miss": ("#c92a2a", 0.75), "comment": ("#3b5bdb", 1)}
# Rendered thumbnails never change (a new image gets a new file name), so they can be kept
# in the cache for a day.
THUMBNAIL_CACHE_SECONDS = 24 * 3600


@dataclass(frozen=True)
class Tick:
    x: float
    label: str


@dataclass(frozen=True)
class IntervalBar:
    """One criterion's interval drawn against its threshold."""

    width: int
    height: int
    axis_y: float
    axis_start: float
    axis_end: float
    # The side of the threshold that meets the criterion.
    accept_x: float
    accept_width: float
    threshold_x: float
    low_x: float | None
    high_x: float | None
    value_x: float | None
    ticks: tuple
    verdict_class: str
    aria_label: str

    @property
    def interval_width(self):
        return self.high_x - self.low_x

    @property
    def colour(self):
        return VERDICT_COLOURS[self.verdict_class]


def interval_bar(result, confidence):
    """The interval bar of a ``metrics.CriterionResult``."""
    criterion, measure = result.criterion, result.measure
    start, end = result.scale
    unit = measure.unit

    def x(value):
        clipped = min(max(value, start), end)
        return BAR_MARGIN + (clipped - start) / (end - start) * (BAR_WIDTH - 2 * BAR_MARGIN)

    threshold_x = x(criterion.threshold)
    if criterion.comparison == AT_LEAST:
        accept_x, accept_width = threshold_x, x(end) - threshold_x
    else:
        accept_x, accept_width = x(start), threshold_x - x(start)
    has_interval = measure.low is not None and measure.high is not None
    return IntervalBar(
        width=BAR_WIDTH,
        height=BAR_HEIGHT,
        axis_y=24,
        axis_start=x(start),
        axis_end=x(end),
        accept_x=accept_x,
        accept_width=accept_width,
        threshold_x=threshold_x,
        low_x=x(measure.low) if has_interval else None,
        high_x=x(measure.high) if has_interval else None,
        value_x=x(measure.value) if measure.value is not None else None,
        ticks=tuple(Tick(x(value), _tick_label(value, unit)) for value in _ticks(start, end)),
        verdict_class=result.css_verdict,
        aria_label=_bar_label(result, confidence),
    )


def _ticks(start, end):
    return [start + (end - start) * step / 4 for step in range(5)]


def _tick_label(value, unit):
    if unit == PERCENT:
        return f"{value * 100:.0f}%"
    if unit == SECONDS:
        return f"{value:.0f} s"
    return f"{value:g}" if value == int(value) else f"{value:.1f}"


def _bar_label(result, confidence):
    criterion, measure, verdict = result.criterion, result.measure, result.verdict
    threshold = format_threshold(criterion.threshold, measure.unit)
    rule = f"{criterion.get_comparison_display()} {threshold}"
    if measure.value is None:
        observed = "no data yet"
    else:
        observed = f"observed {format_value(measure.value, measure.unit)}"
        if measure.low is not None:
            interval = format_interval(measure.low, measure.high, measure.unit).replace("–", " to ")
            observed += f", {format_confidence(confidence)} confidence interval {interval}"
        observed += f", {measure.n} participants"
    return f"{result.description}. {observed}; criterion {rule}. Verdict: {verdict.verdict}."


@dataclass(frozen=True)
class FlowNode:
    x: float
    label: str
    title: str
    is_gap: bool = False
    # Where the arrow to the next screen starts, relative to the node; None on the last one.
    arrow_x: float | None = None


@dataclass(frozen=True)
class FlowRow:
    y: float
    nodes: tuple
    stroke: float
    line_start: float
    line_end: float
    caption: str
    succeeded: bool


@dataclass(frozen=True)
class FlowDiagram:
    width: float
    height: float
    node_width: float
    node_height: float
    rows: tuple
    aria_label: str

    @property
    def node_center(self):
        return self.node_width / 2


FLOW_NODE_WIDTH = 112
FLOW_NODE_HEIGHT = 30
FLOW_GAP = 34
FLOW_ROW_HEIGHT = 74
FLOW_MAX_NODES = 7


def flow_diagram(task_report, screens):
    """The most common paths of a task as rows of screens joined by arrows.

    Long paths keep their first three and last three screens with the number of screens in
    between, so a participant going round in circles still fits on one row.
    """
    rows = []
    widest = 0
    descriptions = []
    for index, path in enumerate(task_report.paths):
        names = [_screen_name(screens, pk) for pk in path.screen_ids] or ["(no screen)"]
        if len(names) > FLOW_MAX_NODES:
            hidden = len(names) - 6
            shown = names[:3] + [f"… {hidden} more"] + names[-3:]
            gaps = {3}
        else:
            shown, gaps = names, set()
        y = 18 + index * FLOW_ROW_HEIGHT
        nodes = tuple(
            FlowNode(
                x=position * (FLOW_NODE_WIDTH + FLOW_GAP),
                label=_fit(name),
                title=name,
                is_gap=position in gaps,
                arrow_x=(FLOW_NODE_WIDTH + FLOW_GAP / 2 - 4 if position < len(shown) - 1 else None),
            )
            for position, name in enumerate(shown)
        )
        last_x = nodes[-1].x + FLOW_NODE_WIDTH
        widest = max(widest, last_x)
        people = "person" if path.count == 1 else "people"
        caption = (
            f"{path.share * 100:.0f}% · {path.count} {people} · "
            f"{path.successes} of {path.count} succeeded"
        )
        rows.append(
            FlowRow(
                y=y,
                nodes=nodes,
                stroke=2 + 10 * path.share,
                line_start=FLOW_NODE_WIDTH / 2,
                line_end=last_x - FLOW_NODE_WIDTH / 2,
                caption=caption,
                succeeded=path.successes * 2 >= path.count,
            )
        )
        descriptions.append(f"{' → '.join(names)}: {caption}")
    label = f"Most common paths in task {task_report.number}: " + "; ".join(descriptions)
    return FlowDiagram(
        width=max(widest, 300),
        height=18 + len(rows) * FLOW_ROW_HEIGHT,
        node_width=FLOW_NODE_WIDTH,
        node_height=FLOW_NODE_HEIGHT,
        rows=tuple(rows),
        aria_label=label,
    )


def _screen_name(screens, pk):
    screen = screens.get(pk)
    return screen.name if screen else "(removed screen)"


def _fit(name, length=15):
    return name if len(name) <= length else name[: length - 1] + "…"


@dataclass(frozen=True)
class Pin:
    x: float
    y: float
    number: int | None
    kind: str  # "hit", "miss" or "comment"
    title: str

    @property
    def colour(self):
        return PIN_COLOURS[self.kind][0]

    @property
    def opacity(self):
        return PIN_COLOURS[self.kind][1]


@dataclass(frozen=True)
class ScreenPicture:
    """A screen thumbnail with dots or numbered pins on it, as one SVG."""

    width: float
    height: float
    image: str  # data: URI of the thumbnail, empty when the screen has no picture
    radius: float
    pins: tuple
    aria_label: str
    # A first-click test's target area as (x, y, width, height) in the picture, or None.
    target: tuple | None = None

    @property
    def font_size(self):
        return self.radius * 1.2


PICTURE_WIDTH = 240


def screen_picture(screen, pins, aria_label, pin_size=0.045):
    """``pins`` are (x, y, number, kind, title) with x and y as fractions of the screen;
    ``pin_size`` is a pin's radius as a share of the picture's width."""
    aspect = (screen.height / screen.width) if screen.width and screen.height else 16 / 9
    width, height = PICTURE_WIDTH, round(PICTURE_WIDTH * aspect)
    return ScreenPicture(
        width=width,
        height=height,
        image=thumbnail_data_uri(screen),
        radius=width * pin_size,
        pins=tuple(
            Pin(x * width, y * height, number, kind, title) for x, y, number, kind, title in pins
        ),
        aria_label=aria_label,
    )


def first_click_picture(screen, clicks, target=None):
    """First clicks as green (right) and red dots; ``target`` is a first-click test's target
    area (x, y, width, height as fractions), drawn as a frame, that decides what is right."""
    hits = sum(1 for click in clicks if click.hit)
    if target is None:
        label = (
            f"First clicks on {screen.name}: {hits} on a hotspot and {len(clicks) - hits} "
            "elsewhere (misclicks)"
        )
    else:
        label = (
            f"First clicks on {screen.name}: {hits} inside the target area and "
            f"{len(clicks) - hits} outside it"
        )
    pins = [(click.x, click.y, None, "hit" if click.hit else "miss", "") for click in clicks]
    picture = screen_picture(screen, pins, label, pin_size=0.025)
    if target is not None:
        x, y, width, height = target
        picture = replace(
            picture,
            target=(
                x * picture.width,
                y * picture.height,
                width * picture.width,
                height * picture.height,
            ),
        )
    return picture


def comment_picture(screen, comments, first_number=1, pin_size=0.045):
    pins = [
        (comment.x, comment.y, number, "comment", comment.text)
        for number, comment in enumerate(comments, start=first_number)
    ]
    noun = "comment" if len(comments) == 1 else "comments"
    label = f"{len(comments)} {noun} pinned on {screen.name}"
    return screen_picture(screen, pins, label, pin_size)


def thumbnail_data_uri(screen):
    """The screen's thumbnail (or image) as a data: URI, so that share links and PDFs need no
    media URL; cached by file name."""
    picture = screen.thumbnail or screen.image
    if not picture:
        return ""
    key = f"reports:thumbnail:{picture.name}"
    uri = cache.get(key)
    if uri is None:
        mime = mimetypes.guess_type(picture.name)[0] or "image/png"
        with picture.open("rb") as handle:
            uri = f"data:{mime};base64,{base64.b64encode(handle.read()).decode('ascii')}"
        cache.set(key, uri, THUMBNAIL_CACHE_SECONDS)
    return uri
