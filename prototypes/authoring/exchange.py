"""Export a prototype version as a ZIP of its screens and a flow.json, and import one back.

The format is documented in docs/flow-json.md. An imported archive is untrusted: it is
checked completely (sizes, entry names, flow.json, the first bytes of every image) before
anything is created, and its images then go through the same processing as any upload.
"""

import io
import json
import math
import uuid
import zipfile
import zlib

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.text import slugify

from prototypes import imaging
from prototypes.authoring.files import new_files
from prototypes.authoring.models import Device, Hotspot, Prototype, Screen, SharedHotspotSet
from prototypes.authoring.tasks import process_screen
from prototypes.jobs import enqueue

FORMAT = "protoplatform-flow"
FORMAT_VERSION = 1
FLOW_FILE = "flow.json"
EXTENSIONS = {"jpeg": "jpg", "png": "png", "webp": "webp", "heif": "heic", "pdf": "pdf"}

# A ZIP bomb is stopped by these before anything is decompressed beyond them.
MAX_SCREENS = 300
MAX_ENTRIES = MAX_SCREENS + 50
MAX_TOTAL_BYTES = 400 * 1024 * 1024
MAX_FLOW_BYTES = 2 * 1024 * 1024


class ExportRefused(Exception):
    pass


class ImportRefused(Exception):
    """The archive cannot be imported; the message says what is wrong and where."""


def export_filename(version):
    return f"{slugify(version.prototype.name) or 'prototype'}-{version.label}.zip"


def export_version(version):
    """The version as ZIP bytes: flow.json and each screen's display image."""
    prototype = version.prototype
    screens = list(version.screens.prefetch_related("hotspots"))
    shared_sets = list(version.shared_sets.order_by("pk"))
    set_numbers = {shared_set.pk: number for number, shared_set in enumerate(shared_sets, 1)}
    if not screens:
        raise ExportRefused("This version has no screens to export.")
    not_ready = [screen.name for screen in screens if not screen.is_ready]
    if not_ready:
        raise ExportRefused(
            "Some screens are not ready (" + ", ".join(not_ready) + "); wait for them to "
            "finish processing, or replace or delete the ones that failed."
        )
    images = {}
    files = {}
    for index, screen in enumerate(screens, start=1):
        with screen.image.open("rb") as image:
            data = image.read()
        extension = EXTENSIONS.get(imaging.sniff(data[:64]), "bin")
        name = f"screens/{index:02d}-{slugify(screen.name)[:60] or 'screen'}.{extension}"
        files[screen.pk] = name
        images[name] = data
    flow = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "prototype": {
            "name": prototype.name,
            "description": prototype.description,
            "device": prototype.device,
        },
        "screens": [
            {
                "file": files[screen.pk],
                "name": screen.name,
                "hotspots": [
                    exported_hotspot(hotspot, files, set_numbers)
                    for hotspot in screen.hotspots.all()
                ],
            }
            for screen in screens
        ],
    }
    if shared_sets:
        flow["shared_sets"] = [{"name": shared_set.name} for shared_set in shared_sets]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(
            FLOW_FILE,
            json.dumps(flow, indent=2, ensure_ascii=False) + "\n",
            compress_type=zipfile.ZIP_DEFLATED,
        )
        # Images are compressed already; storing them keeps export and import fast.
        for name, data in images.items():
            archive.writestr(name, data, compress_type=zipfile.ZIP_STORED)
    return buffer.getvalue()


def exported_hotspot(hotspot, files, set_numbers):
    exported = {
        "label": hotspot.label,
        "x": hotspot.x,
        "y": hotspot.y,
        "width": hotspot.width,
        "height": hotspot.height,
        "action": hotspot.action,
        "target": files.get(hotspot.target_id),
    }
    if hotspot.shared_set_id:
        exported["shared"] = {
            "set": set_numbers[hotspot.shared_set_id],
            "key": str(hotspot.shared_key),
        }
    return exported


def import_prototype(workspace, user, file):
    """Create a new draft prototype in `workspace` from an exported ZIP; refuse it whole."""
    flow, images = read_archive(file)
    with new_files() as written, transaction.atomic():
        details = flow["prototype"]
        prototype = Prototype.objects.create(
            workspace=workspace,
            name=details["name"],
            description=details["description"],
            device=details["device"],
            kind=Prototype.Kind.PAPER,
            created_by=user,
        )
        draft = prototype.draft
        screens = {}
        for position, entry in enumerate(flow["screens"]):
            screen = Screen(version=draft, name=entry["name"], position=position)
            screen.upload.save("original", ContentFile(images[entry["file"]]), save=False)
            written.append(screen.upload.name)
            screen.save()
            screens[entry["file"]] = screen
        shared_sets = [
            SharedHotspotSet.objects.create(version=draft, name=entry["name"])
            for entry in flow.get("shared_sets", [])
        ]
        Hotspot.objects.bulk_create(
            Hotspot(
                screen=screens[entry["file"]],
                label=spot["label"],
                x=spot["x"],
                y=spot["y"],
                width=spot["width"],
                height=spot["height"],
                action=spot["action"],
                target=screens.get(spot["target"]),
                position=position,
                shared_set=shared_sets[spot["shared"]["set"] - 1] if "shared" in spot else None,
                shared_key=uuid.UUID(spot["shared"]["key"]) if "shared" in spot else None,
            )
            for entry in flow["screens"]
            for position, spot in enumerate(entry["hotspots"])
        )
        for screen in screens.values():
            enqueue(process_screen, screen.pk, False)
    return prototype


def read_archive(file):
    """Return (flow, {file name: bytes}) from an uploaded ZIP, or raise ImportRefused."""
    if file.size > MAX_TOTAL_BYTES:
        raise ImportRefused(f"The ZIP file is larger than {megabytes(MAX_TOTAL_BYTES)}.")
    try:
        with zipfile.ZipFile(file) as archive:
            entries = check_entries(archive.infolist())
            if FLOW_FILE not in entries:
                raise ImportRefused(
                    "The ZIP file has no flow.json at its top level. Import a ZIP exported "
                    "from Protoplatform, without unpacking and re-packing it."
                )
            flow = parse_flow(read_entry(archive, entries[FLOW_FILE], MAX_FLOW_BYTES))
            images = {}
            for number, screen in enumerate(flow["screens"], start=1):
                name = screen["file"]
                if name not in entries:
                    raise ImportRefused(f"flow.json, screen {number}: “{name}” is not in the ZIP.")
                data = read_entry(archive, entries[name], settings.UPLOAD_MAX_BYTES)
                if imaging.sniff(data[:2048]) is None:
                    raise ImportRefused(
                        f"“{name}” is not an image we can use. {imaging.ACCEPTED_DESCRIPTION}"
                    )
                images[name] = data
    except (
        zipfile.BadZipFile,
        zlib.error,
        OSError,
        EOFError,
        RuntimeError,
        NotImplementedError,
        ValueError,
    ) as error:
        raise ImportRefused(
            f"This file cannot be read as a ZIP: it is damaged or not a ZIP file ({error})."
        ) from None
    return flow, images


def check_entries(infos):
    if len(infos) > MAX_ENTRIES:
        raise ImportRefused(f"The ZIP file has more than {MAX_ENTRIES} entries.")
    if sum(info.file_size for info in infos) > MAX_TOTAL_BYTES:
        raise ImportRefused(f"The ZIP file would unpack to more than {megabytes(MAX_TOTAL_BYTES)}.")
    entries = {}
    for info in infos:
        if not safe_entry_name(info.filename):
            raise ImportRefused(
                f"The ZIP file contains an unsafe path (“{info.filename}”), so it was refused."
            )
        if info.flag_bits & 0x1:
            raise ImportRefused("The ZIP file is password-protected.")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise ImportRefused(
                f"“{info.filename}” is compressed with a method we do not read; "
                "use standard ZIP compression."
            )
        if info.filename in entries:
            raise ImportRefused(f"The ZIP file contains “{info.filename}” twice.")
        entries[info.filename] = info
    return entries


def safe_entry_name(name):
    """Relative, forward-slash paths without "..", so no entry can point outside the archive."""
    if not name or name.startswith("/") or "\\" in name or "\x00" in name:
        return False
    parts = name.rstrip("/").split("/")
    return ":" not in parts[0] and all(part not in ("", ".", "..") for part in parts)


def read_entry(archive, info, limit):
    if info.file_size > limit:
        raise ImportRefused(f"“{info.filename}” is larger than {megabytes(limit)}.")
    with archive.open(info) as entry:
        # The size in the header can lie; never decompress more than the limit.
        data = entry.read(limit + 1)
    if len(data) > limit:
        raise ImportRefused(f"“{info.filename}” is larger than {megabytes(limit)}.")
    return data


def megabytes(size):
    return f"{size / 1024 / 1024:g} MB"


def parse_flow(data):
    """Check flow.json completely; the message of each refusal says where the problem is."""
    try:
        flow = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise ImportRefused("flow.json is not UTF-8 text.") from None
    except json.JSONDecodeError as error:
        raise ImportRefused(
            f"flow.json is not valid JSON (line {error.lineno}, column {error.colno}: {error.msg})."
        ) from None
    if not isinstance(flow, dict) or flow.get("format") != FORMAT:
        raise ImportRefused("flow.json does not describe a Protoplatform prototype.")
    if flow.get("format_version") != FORMAT_VERSION:
        raise ImportRefused(
            f"flow.json has format version {flow.get('format_version')!r}; this Protoplatform "
            f"reads version {FORMAT_VERSION}."
        )
    details = flow.get("prototype")
    if not isinstance(details, dict):
        raise ImportRefused("flow.json: “prototype” must be an object.")
    text(details, "name", "flow.json, prototype", Prototype, required=True)
    text(details, "description", "flow.json, prototype", Prototype, required=False)
    if details.get("device") not in Device.values:
        raise ImportRefused(
            "flow.json, prototype: “device” must be one of " + ", ".join(Device.values) + "."
        )
    screens = flow.get("screens")
    if not isinstance(screens, list) or not screens:
        raise ImportRefused("flow.json: “screens” must be a list of at least one screen.")
    if len(screens) > MAX_SCREENS:
        raise ImportRefused(f"flow.json lists more than {MAX_SCREENS} screens.")
    files = set()
    for number, screen in enumerate(screens, start=1):
        where = f"flow.json, screen {number}"
        if not isinstance(screen, dict):
            raise ImportRefused(f"{where}: must be an object.")
        text(screen, "file", where, None, required=True)
        text(screen, "name", where, Screen, required=True)
        if screen["file"] in files:
            raise ImportRefused(f"{where}: “{screen['file']}” is used by two screens.")
        files.add(screen["file"])
    shared_sets = flow.setdefault("shared_sets", [])
    if not isinstance(shared_sets, list) or len(shared_sets) > MAX_SCREENS:
        raise ImportRefused(f"flow.json: “shared_sets” must be a list of at most {MAX_SCREENS}.")
    for number, shared_set in enumerate(shared_sets, start=1):
        if not isinstance(shared_set, dict):
            raise ImportRefused(f"flow.json, shared set {number}: must be an object.")
        text(shared_set, "name", f"flow.json, shared set {number}", SharedHotspotSet, required=True)
    for number, screen in enumerate(screens, start=1):
        hotspots = screen.get("hotspots", [])
        if not isinstance(hotspots, list):
            raise ImportRefused(f"flow.json, screen {number}: “hotspots” must be a list.")
        screen["hotspots"] = hotspots
        for index, hotspot in enumerate(hotspots, start=1):
            where = f"flow.json, screen {number}, hotspot {index}"
            check_hotspot(hotspot, where, files)
            check_shared(hotspot, where, len(shared_sets))
    return flow


def text(mapping, key, where, model, required):
    value = mapping.get(key, "")
    if not isinstance(value, str) or (required and not value.strip()):
        raise ImportRefused(f"{where}: “{key}” must be {'non-empty ' if required else ''}text.")
    if model is not None:
        max_length = model._meta.get_field(key).max_length
        if max_length and len(value) > max_length:
            raise ImportRefused(f"{where}: “{key}” is longer than {max_length} characters.")
    mapping[key] = value


def check_hotspot(hotspot, where, files):
    if not isinstance(hotspot, dict):
        raise ImportRefused(f"{where}: must be an object.")
    text(hotspot, "label", where, Hotspot, required=True)
    for key in ("x", "y", "width", "height"):
        value = hotspot.get(key)
        if (
            isinstance(value, bool)
            or not isinstance(value, (int, float))
            or not math.isfinite(value)
            or not 0 <= value <= 1
        ):
            raise ImportRefused(f"{where}: “{key}” must be a number from 0 to 1.")
    if hotspot["width"] <= 0 or hotspot["height"] <= 0:
        raise ImportRefused(f"{where}: the width and height must be more than 0.")
    if hotspot["x"] + hotspot["width"] > 1 + 1e-9 or hotspot["y"] + hotspot["height"] > 1 + 1e-9:
        raise ImportRefused(f"{where}: the hotspot goes past the edge of the image.")
    action = hotspot.get("action")
    if action not in Hotspot.Action.values:
        raise ImportRefused(
            f"{where}: “action” must be one of " + ", ".join(Hotspot.Action.values) + "."
        )
    target = hotspot.get("target")
    if action == Hotspot.Action.GO_TO:
        # null: the screen it led to was deleted; kept so the flow map can point it out.
        if target is not None and target not in files:
            raise ImportRefused(f"{where}: “target” must be the file of one of the screens.")
    elif target is not None:
        raise ImportRefused(f"{where}: only a “goto” hotspot has a target.")


def check_shared(hotspot, where, set_count):
    if "shared" not in hotspot:
        return
    shared = hotspot["shared"]
    number = shared.get("set") if isinstance(shared, dict) else None
    if isinstance(number, bool) or not isinstance(number, int) or not 1 <= number <= set_count:
        raise ImportRefused(f"{where}: “shared.set” must be the number of one of “shared_sets”.")
    try:
        uuid.UUID(shared.get("key"))
    except (TypeError, ValueError, AttributeError):
        raise ImportRefused(f"{where}: “shared.key” must be a UUID.") from None
