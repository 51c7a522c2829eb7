"""The app's areas import only from their own layer or the layers below it.

Data flows one way (README, "Layout"): a workspace's people author prototypes, plan studies on
them, recruit participants, who run the player, whose records the reports read. Code follows
the same order, so a new kind of study or session plugs in on top without a cycle. Imports
inside functions count too: a late import is still a dependency.
"""

import ast
from pathlib import Path

APP = Path(__file__).resolve().parents[2] / "prototypes"

# Lowest first. A module may import from its own layer and those above it in this list. A new
# package or top-level module is one more name on the line of its layer (or a new line).
LAYERS = [
    # Pure helpers (no area of the app) and the generic machinery every area uses.
    "tokens stats sequential analysis imaging flowscript sketches ratelimit jobs health apps forms "
    "moderation.machine prepared",
    # The live channel (transport only: topics and messages, no area's data).
    "live.channel",
    # Speech to text: engines and decoding, no model of the app.
    "audio.transcription",
    # A study kind's package spans the flow: each of its modules sits on the layer it serves.
    "treetests treetests.analysis treetests.tree treetests.pictures",
    "cardsorts cardsorts.analysis cardsorts.pictures",
    "workspaces",
    # The evidence inbox: what customers said, before any prototype.
    "friction",
    # What participants' sessions recorded: every area above reads these.
    # live.feed: what the channel says about sessions (the player announces its batches).
    "sessions live.feed",
    "authoring treetests.models",
    # Imports into authoring's drafts from outside tools.
    "figma",
    # Webhooks record what happened where it happens: here, and in the player and reports.
    "studies cardsorts.models treetests.services treetests.forms moderation.models"
    " webhooks webhooks.models webhooks.services webhooks.delivery webhooks.tasks",
    # Think-aloud audio: what recruitment's erasure deletes sits below it, the endpoints above.
    "audio.models audio.storage audio.transcript_models audio.transcripts audio.clips",
    "audio.transcript_forms audio.replay_panel",
    "recruitment",
    "player treetests.events treetests.demo audio",
    "live",
    # Moderated sessions: the player's page with a facilitator, pushed through the live channel.
    "moderation",
    "reports treetests.report treetests.views treetests.urls cardsorts.report webhooks.verdicts"
    " moderation.report",
    "audio.transcript_views audio.transcript_urls",
    "dashboard api webhooks.views webhooks.forms webhooks.urls",
    # What Django and Celery load: URLs of media, every model, every task, commands, middleware.
    "media models tasks storage_sweep management migrations htmx_messages public_errors",
]

RANK = {name: rank for rank, line in enumerate(LAYERS) for name in line.split()}


def layer_of(module):
    """The rank of a dotted module under `prototypes`, or None when no layer names it."""
    parts = module.split(".")
    if parts[0] != "prototypes" or len(parts) < 2:
        return None
    # The longest name that LAYERS places: a module of a study kind's package, else the package.
    for end in range(len(parts), 1, -1):
        rank = RANK.get(".".join(parts[1:end]))
        if rank is not None:
            return rank
    return None


def module_name(path):
    relative = path.relative_to(APP.parent).with_suffix("")
    parts = relative.parts[:-1] if relative.name == "__init__" else relative.parts
    return ".".join(parts)


def imported_modules(source, module, is_package=False):
    """Every `prototypes.…` module the source imports, with its line, anywhere in the file."""
    package = module if is_package else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            # `from prototypes.treetests import events`: a name that is a module counts as that
            # module, which may sit on another layer than its package.
            for alias in node.names:
                name = f"{base}.{alias.name}"
                yield (name if is_module(name) else base), node.lineno


def is_module(dotted):
    path = APP.parent.joinpath(*dotted.split("."))
    return path.with_suffix(".py").exists() or (path / "__init__.py").exists()


def upward_imports(source, module, is_package=False):
    """(line, imported module) for each import from a layer above the module's own."""
    own = layer_of(module)
    return sorted(
        {
            (line, imported)
            for imported, line in imported_modules(source, module, is_package)
            if imported.startswith("prototypes.")
            and layer_of(imported) is not None
            and layer_of(imported) > own
        }
    )


def app_modules():
    for path in sorted(APP.rglob("*.py")):
        yield path, module_name(path)


def test_every_module_of_the_app_has_a_layer():
    unplaced = sorted(
        {module for _, module in app_modules() if module != "prototypes"}
        - {module for _, module in app_modules() if layer_of(module) is not None}
    )
    assert unplaced == [], f"add these to a line of LAYERS in {__file__}: {unplaced}"


def test_no_module_imports_from_a_layer_above_its_own():
    crossings = [
        f"{path.relative_to(APP.parent)}:{line} imports {imported}"
        for path, module in app_modules()
        if layer_of(module) is not None
        for line, imported in upward_imports(
            path.read_text(), module, is_package=path.name == "__init__.py"
        )
    ]
    assert crossings == [], "\n".join(crossings)


def test_an_import_from_a_higher_layer_is_found_even_inside_a_function():
    source = (
        "from prototypes.studies.models import Study\n"
        "def dashboard(request):\n"
        "    from prototypes.reports import metrics\n"
        "    from prototypes import player\n"
    )
    assert upward_imports(source, "prototypes.studies.views") == [
        (3, "prototypes.reports.metrics"),
        (4, "prototypes.player"),
    ]


def test_a_relative_import_is_placed_like_an_absolute_one():
    assert upward_imports("from ..player import api\n", "prototypes.studies.views") == [
        (1, "prototypes.player.api")
    ]
    assert upward_imports("from . import services\n", "prototypes.studies.views") == []


def test_the_records_sit_below_every_area_that_reads_them():
    sessions = RANK["sessions"]
    assert all(RANK[area] > sessions for area in ("authoring", "studies", "recruitment"))
    assert all(RANK[area] > sessions for area in ("player", "reports", "dashboard"))


def test_a_study_kind_module_is_placed_apart_from_its_package():
    assert layer_of("prototypes.treetests.events") == RANK["player"]
    assert layer_of("prototypes.treetests.analysis") < RANK["workspaces"]
    assert upward_imports(
        "from prototypes.treetests import events\n", "prototypes.studies.views"
    ) == [(1, "prototypes.treetests.events")]
