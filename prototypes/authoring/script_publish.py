"""Scripted flow prototypes on top of the paper-prototype machinery.

A scripted prototype keeps its flow script in `PrototypeVersion.script`. Publishing freezes the
script like any version and materializes it for the shared player, tasks and metrics: one Screen
per step and one Hotspot per choice. Typed answers are routed on the server (`route_typed_answer`)
because patterns are Python regular expressions run under a timeout, which the browser cannot
reproduce.
"""

import uuid
from functools import lru_cache

from django.db import transaction

from prototypes.authoring.models import Device, Hotspot, Prototype, PrototypeVersion, Screen
from prototypes.flowscript import (
    BotMessage,
    ImagePlaceholder,
    ListWidget,
    ScriptError,
    Text,
    TextField,
    parse,
    route_answer,
)

# Screens of the same step share a key across versions, so reports can follow a step from v1 to v2.
STEP_KEY_NAMESPACE = uuid.UUID("0b6f3c1e-6a55-4f0e-9a43-5c2d9f3f7e21")

# Where choices sit on a materialized screen: full-width rows stacked in the lower part, the way
# a sketchy step lays out its buttons. Heatmaps and hotspot overlays use these rectangles.
BAND_LEFT = 0.06
BAND_WIDTH = 0.88
BAND_BOTTOM = 0.96
BAND_TOP = 0.55
ROW_HEIGHT = 0.07


@lru_cache(maxsize=16)
def load_flow(script):
    """The parsed flow of a stored script; ScriptError if it cannot be read.

    Typed answers are routed against the stored script on every request, so parsing the same
    published text again and again is cached (a Flow is immutable). Text being typed in the
    editor is parsed with `parse` directly.
    """
    return parse(script)


def choice_band(index, count):
    """The (x, y, width, height) of choice `index` of `count`, as fractions of the screen."""
    height = min(ROW_HEIGHT, (BAND_BOTTOM - BAND_TOP) / count)
    y = BAND_BOTTOM - (count - index) * height
    return BAND_LEFT, y, BAND_WIDTH, height * 0.9


def step_key(prototype, step_name):
    return uuid.uuid5(STEP_KEY_NAMESPACE, f"{prototype.pk}:{step_name}")


def check_publishable(flow):
    """Raise ScriptError for what parses but cannot be stored as screens and hotspots."""
    limit = Screen._meta.get_field("step").max_length
    for step in flow.steps:
        if len(step.name) > limit:
            raise ScriptError(
                f"step name '{step.name[:20]}…' is longer than {limit} characters",
                step.line,
                1,
            )


def save_draft_script(prototype, script):
    """Store `script` as the draft's script if it parses; return the Flow (ScriptError if not)."""
    script = normalize_newlines(script)
    flow = load_flow(script)
    draft = prototype.draft
    draft.script = script
    draft.save(update_fields=["script"])
    return flow


def normalize_newlines(script):
    return script.replace("\r\n", "\n").replace("\r", "\n")


@transaction.atomic
def publish_script(prototype, user=None, note=""):
    """Freeze the draft's script as the next version with its screens and hotspots.

    Raises ScriptError, publishing nothing, if the script cannot be read.
    """
    draft = prototype.draft
    flow = load_flow(draft.script)
    check_publishable(flow)
    version = draft.publish(user=user, note=note)
    materialize(version, flow)
    return version


def materialize(version, flow):
    """Create one ready Screen per step and one Hotspot per choice of a frozen version."""
    limit = Screen._meta.get_field("name").max_length
    screens = Screen.objects.bulk_create(
        Screen(
            version=version,
            key=step_key(version.prototype, step.name),
            name=(step.title or step.name)[:limit],
            position=position,
            status=Screen.Status.READY,
            step=step.name,
        )
        for position, step in enumerate(flow.steps)
    )
    by_step = {screen.step: screen for screen in screens}
    label_limit = Hotspot._meta.get_field("label").max_length
    hotspots = []
    for step, screen in zip(flow.steps, screens, strict=True):
        for index, choice in enumerate(step.choices):
            x, y, width, height = choice_band(index, len(step.choices))
            hotspots.append(
                Hotspot(
                    screen=screen,
                    label=choice.label[:label_limit],
                    x=x,
                    y=y,
                    width=width,
                    height=height,
                    action=Hotspot.Action.GO_TO,
                    # A choice leading to a missing step (a warning, not an error) goes nowhere.
                    target=by_step.get(choice.target),
                    position=index,
                )
            )
    Hotspot.objects.bulk_create(hotspots)


def ending_screens(version, ending="success"):
    """The screens of `version` standing for steps tagged [success] (or [failure])."""
    flow = load_flow(version.script)
    names = [step.name for step in flow.steps if step.ending == ending]
    return version.screens.filter(step__in=names)


def route_typed_answer(version, step_name, text):
    """Where a typed answer on step `step_name` of `version` leads.

    Returns the target step's name, or None when the participant stays on the step (nothing
    matched and there is no fallback, or the route leads to a step that does not exist).
    Raises ScriptError for an unreadable script and KeyError for an unknown step.
    """
    flow = load_flow(version.script)
    target = route_answer(flow.step(step_name), text)
    if target is None:
        return None
    try:
        flow.step(target)
    except KeyError:
        return None
    return target


@transaction.atomic
def create_scripted_prototype(workspace, user, name, script, device=Device.PHONE):
    """A new scripted prototype whose draft holds `script` (ScriptError, nothing created, if it
    cannot be read)."""
    script = normalize_newlines(script)
    parse(script)
    prototype = Prototype.objects.create(
        workspace=workspace,
        name=name,
        kind=Prototype.Kind.SCRIPTED,
        device=device,
        created_by=user,
    )
    PrototypeVersion.objects.create(prototype=prototype, number=0, script=script)
    return prototype


# --- Playback ---------------------------------------------------------------------------------


def step_view(step, prefix="flow"):
    """What the `scripted/step.html` template needs to draw a step."""
    blocks = []
    for block in step.blocks:
        if isinstance(block, BotMessage):
            blocks.append({"kind": "bot", "text": block.text})
        elif isinstance(block, ListWidget):
            blocks.append({"kind": "list", "items": block.items})
        elif isinstance(block, TextField):
            blocks.append({"kind": "field", "label": block.label})
        elif isinstance(block, ImagePlaceholder):
            blocks.append({"kind": "image", "caption": block.caption})
        elif isinstance(block, Text):
            blocks.append({"kind": "text", "text": block.text})
    answers = bool(step.routes) or step.fallback is not None
    return {
        "name": step.name,
        "title": step.title or step.name,
        "kind": step.kind,
        "ending": step.ending,
        "blocks": blocks,
        "choices": step.choices,
        "answers": answers,
        # A page step takes its typed answer from its own text fields; a chat step (or a page
        # step without a field) gets a message box.
        "answer_in_fields": answers
        and step.kind == "page"
        and any(block["kind"] == "field" for block in blocks),
        "dom_id": f"{prefix}-{step.name}",
    }


def flow_description(version, flow):
    """The JSON the browser plays `flow` of `version` from (see script-player.js).

    Published versions carry the ids of the Screen and Hotspot rows standing for each step and
    choice, so the participant player can record events against them; drafts have none.
    """
    screens = {}
    if not version.is_draft:
        screens = {screen.step: screen for screen in version.screens.prefetch_related("hotspots")}
    steps = []
    for step in flow.steps:
        screen = screens.get(step.name)
        hotspots = (
            {hotspot.position: hotspot.pk for hotspot in screen.hotspots.all()} if screen else {}
        )
        steps.append(
            {
                "name": step.name,
                "title": step.title or step.name,
                "kind": step.kind,
                "ending": step.ending,
                "screen": screen.pk if screen else None,
                "answers": bool(step.routes) or step.fallback is not None,
                "wizard": step.wizard,
                "choices": [
                    {"label": choice.label, "target": choice.target, "hotspot": hotspots.get(index)}
                    for index, choice in enumerate(step.choices)
                ],
            }
        )
    return {
        "title": flow.title or version.prototype.name,
        "start": flow.start,
        "version": {"id": version.pk, "number": version.number},
        "steps": steps,
    }


def playback_context(version, route_url, prefix="flow"):
    """Template context for `scripted/flow.html`: every step of `version` drawn in its device
    frame, the JSON description and where typed answers are routed. ScriptError if the script
    cannot be read."""
    flow = load_flow(version.script)
    prototype = version.prototype
    return {
        "flow": flow,
        "flow_steps": [step_view(step, prefix) for step in flow.steps],
        "flow_description": flow_description(version, flow),
        "flow_json_id": f"{prefix}-data",
        "route_url": route_url,
        "device": prototype.device,
        "aspect_ratio": prototype.aspect_ratio,
    }
