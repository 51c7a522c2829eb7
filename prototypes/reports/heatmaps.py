"""Click heatmaps: which screens need one, whether the cached picture is current, and drawing.

A heatmap is drawn in the background (``tasks.render_heatmap``) and cached in HeatmapImage
under a fingerprint of the clicks it shows: their count and the highest event id. Events are
only ever added, so a new click changes the fingerprint and the picture is drawn again; the
same clicks always give the same fingerprint, so drawing is idempotent.
"""

import io
from dataclasses import dataclass

import numpy as np
from django.db import transaction
from django.db.models import Count, Max
from PIL import Image, ImageOps
from scipy import ndimage

from prototypes.jobs import enqueue, runs_in_process
from prototypes.reports.models import HeatmapImage
from prototypes.sessions.models import Event
from prototypes.studies.outcomes import CLICK_TYPES

MAX_WIDTH = 720
# Spread of one click, as a share of the picture's longer side.
BLUR = 0.025
# Colour of the heat from cold to hot: blue, cyan, green, yellow, red.
HEAT_STOPS = np.array([0.0, 0.25, 0.5, 0.75, 1.0])
HEAT_COLOURS = np.array(
    [[49, 95, 214], [21, 170, 191], [64, 192, 87], [250, 176, 5], [224, 49, 49]], dtype=float
)


def study_clicks(study):
    return Event.objects.filter(
        session__study=study,
        # Sessions the designer left out of the results are left out of the heatmaps too.
        session__exclusion__isnull=True,
        type__in=CLICK_TYPES,
        x__isnull=False,
        y__isnull=False,
    )


def fingerprint(count, last_id):
    return f"{count}-{last_id}"


def click_fingerprints(study):
    """Screen id -> fingerprint of its clicks in ``study``, for every screen with clicks."""
    rows = (
        study_clicks(study)
        .exclude(screen__isnull=True)
        .order_by()
        .values_list("screen_id")
        .annotate(count=Count("id"), last=Max("id"))
    )
    return {screen_id: fingerprint(count, last) for screen_id, count, last in rows}


def screen_fingerprint(study, screen):
    totals = study_clicks(study).filter(screen=screen).aggregate(count=Count("id"), last=Max("id"))
    if not totals["count"]:
        return ""
    return fingerprint(totals["count"], totals["last"])


@dataclass(frozen=True)
class HeatmapState:
    screen: object
    clicks: int
    ready: bool
    heatmap: HeatmapImage | None

    @property
    def building(self):
        return not self.ready


def heatmap_states(study, screens, fingerprints=None):
    """The heatmap of every screen with clicks: ready, or queued to be drawn now.

    Two queries, plus one write per stale screen whose build was not requested yet. When jobs
    run in the process (no broker), nothing is queued here: each drawing would run in this
    request, and a page of many screens would wait seconds for them. The page's placeholders
    ask for their heatmap one by one instead (heatmap_state, polled by htmx), each drawn in its
    own small request while the page is already shown.
    """
    queue_now = not runs_in_process()
    if fingerprints is None:
        fingerprints = click_fingerprints(study)
    cached = {heatmap.screen_id: heatmap for heatmap in HeatmapImage.objects.filter(study=study)}
    states = []
    for screen in screens:
        wanted = fingerprints.get(screen.pk)
        if not wanted:
            continue
        heatmap = cached.get(screen.pk)
        ready = bool(heatmap and heatmap.file and heatmap.fingerprint == wanted)
        if not ready and queue_now:
            heatmap = request_heatmap(study, screen, wanted, heatmap)
        states.append(HeatmapState(screen, int(wanted.split("-")[0]), ready, heatmap))
    return states


def heatmap_state(study, screen):
    wanted = screen_fingerprint(study, screen)
    if not wanted:
        return None
    heatmap = HeatmapImage.objects.filter(study=study, screen=screen).first()
    ready = bool(heatmap and heatmap.file and heatmap.fingerprint == wanted)
    if not ready:
        heatmap = request_heatmap(study, screen, wanted, heatmap)
        if runs_in_process():
            # Drawn as the request's transaction committed (unless one is still open).
            heatmap.refresh_from_db()
            ready = bool(heatmap.file and heatmap.fingerprint == wanted)
    return HeatmapState(screen, int(wanted.split("-")[0]), ready, heatmap)


def request_heatmap(study, screen, wanted, heatmap=None):
    """Queue a drawing of the screen's heatmap unless one was already queued for this data."""
    from prototypes.reports.tasks import render_heatmap

    if heatmap is not None and heatmap.requested_fingerprint == wanted:
        return heatmap
    with transaction.atomic():
        heatmap, _ = HeatmapImage.objects.get_or_create(study=study, screen=screen)
        updated = (
            HeatmapImage.objects.filter(pk=heatmap.pk)
            .exclude(requested_fingerprint=wanted)
            .update(requested_fingerprint=wanted)
        )
        if updated:
            enqueue(render_heatmap, study.pk, screen.pk)
    heatmap.requested_fingerprint = wanted
    return heatmap


def draw_heatmap(picture, points):
    """PNG bytes of ``picture`` (a file of the screen) greyed out, with heat where ``points``
    (x, y as fractions of the screen) are dense."""
    with Image.open(picture) as source:
        source.load()
        screen = ImageOps.exif_transpose(source).convert("RGB")
    if screen.width > MAX_WIDTH:
        height = round(screen.height * MAX_WIDTH / screen.width)
        screen = screen.resize((MAX_WIDTH, height), Image.Resampling.LANCZOS)
    width, height = screen.size
    # The screen fades to a light grey so that the colours of the heat stand out.
    base = Image.blend(
        ImageOps.grayscale(screen).convert("RGB"), Image.new("RGB", screen.size, "white"), 0.45
    )

    density = np.zeros((height, width))
    if points:
        coordinates = np.clip(np.asarray(points, dtype=float), 0.0, 1.0)
        columns = np.minimum((coordinates[:, 0] * width).astype(int), width - 1)
        rows = np.minimum((coordinates[:, 1] * height).astype(int), height - 1)
        np.add.at(density, (rows, columns), 1.0)
        density = ndimage.gaussian_filter(density, sigma=max(width, height) * BLUR)
        # The square root keeps a few scattered clicks visible next to a crowded spot.
        density = np.sqrt(density / density.max())

    colours = np.stack(
        [np.interp(density, HEAT_STOPS, HEAT_COLOURS[:, channel]) for channel in range(3)],
        axis=-1,
    )
    # Faint heat stays see-through; the hottest spots cover three quarters of the screen.
    alpha = np.clip((density - 0.03) * 1.2, 0.0, 0.75)
    heat = np.dstack([colours, alpha * 255]).astype(np.uint8)
    picture = Image.alpha_composite(base.convert("RGBA"), Image.fromarray(heat))

    buffer = io.BytesIO()
    picture.convert("RGB").save(buffer, "PNG", optimize=True)
    return buffer.getvalue()
