"""A local fake of Figma's REST API, for the import's tests and benchmark (no outside network).

It serves what the import calls, shaped like Figma's documented answers
(developers.figma.com/docs/rest-api, "Files" endpoints):

- `GET /v1/files/:key` with `depth` (the tree cut below that depth) or `ids` (those nodes'
  subtrees and their ancestors), answering `{"name", "lastModified", "version", "document"…}`;
- `GET /v1/images/:key?ids=…&scale=…&format=png`, answering `{"err": null, "images": {id:
  url or null}}`, refusing more ids in one request than `max_ids_per_request`, so the client
  must send them in batches;
- the render addresses it hands out, serving PNGs, which need no token (as Figma's storage);
- 403 `{"status": 403, "err": "Invalid token"}` for another token, 404 for a file the token's
  account cannot open, and 429 with `Retry-After` for requests told to be limited.

The server listens on 127.0.0.1, on FIGMA_FAKE_PORT when set (0, any free port, otherwise).
"""

import copy
import io
import json
import os
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from PIL import Image, ImageDraw

TOKEN = "figd_fake-token-0123456789abcdef"


def node(node_id, name, kind, box=None, children=(), **extra):
    data = {"id": node_id, "name": name, "type": kind, "visible": True, **extra}
    if box is not None:
        x, y, width, height = box
        data["absoluteBoundingBox"] = {"x": x, "y": y, "width": width, "height": height}
    if kind not in ("RECTANGLE", "TEXT", "VECTOR"):
        data["children"] = list(children)
    return data


def tap(destination, navigation="NAVIGATE"):
    """A reaction as Figma writes it: the deprecated single `action` and the `actions` list."""
    action = {
        "type": "NODE",
        "destinationId": destination,
        "navigation": navigation,
        "transition": {"type": "DISSOLVE", "duration": 0.3, "easing": {"type": "EASE_OUT"}},
        "preserveScrollPosition": False,
    }
    return {"action": action, "actions": [action], "trigger": {"type": "ON_CLICK"}}


def back():
    action = {"type": "BACK"}
    return {"action": action, "actions": [action], "trigger": {"type": "ON_CLICK"}}


def design_file(name, pages):
    return {
        "name": name,
        "role": "owner",
        "lastModified": "2026-12-01T09:00:00Z",
        "editorType": "figma",
        "thumbnailUrl": "https://example.invalid/thumbnail.png",
        "version": "4242",
        "schemaVersion": 0,
        "components": {},
        "componentSets": {},
        "styles": {},
        "document": node("0:0", "Document", "DOCUMENT", children=pages),
    }


def phone_flow(count, width=390, height=844, prefix="Screen"):
    """A page of `count` phone frames in rows of ten, each with a "Next" button to the next
    frame and a "Back" link, the first one the flow's starting point."""
    frames = []
    for index in range(count):
        x, y = (index % 10) * (width + 100), (index // 10) * (height + 200)
        frame_id = f"1:{index + 1}"
        children = [
            node(f"2:{index + 1}", "Title", "TEXT", (x + 24, y + 80, width - 48, 40)),
            node(f"4:{index + 1}", "Back", "TEXT", (x + 16, y + 24, 60, 30), reactions=[back()]),
        ]
        if index + 1 < count:
            children.append(
                node(
                    f"3:{index + 1}",
                    "Next",
                    "INSTANCE",
                    (x + 24, y + height - 100, width - 48, 56),
                    reactions=[tap(f"1:{index + 2}")],
                    transitionNodeID=f"1:{index + 2}",
                )
            )
        frames.append(
            node(frame_id, f"{prefix} {index + 1}", "FRAME", (x, y, width, height), children)
        )
    return node(
        "0:1",
        "Page 1",
        "CANVAS",
        children=frames,
        flowStartingPoints=[{"nodeId": "1:1", "name": "Flow 1"}],
        prototypeStartNodeID="1:1",
    )


def render_png(width, height, label):
    """A plain wireframe PNG, as Figma renders a frame."""
    image = Image.new("RGB", (max(1, width), max(1, height)), "white")
    draw = ImageDraw.Draw(image)
    draw.rectangle((10, 10, image.width - 10, 60), outline="black", width=3)
    draw.text((20, 25), label, fill="black")
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


class FakeFigma:
    """The fake's state, changed by the tests between calls."""

    def __init__(self, port=None):
        self.files = {}
        self.token = TOKEN
        # Files the token's account cannot open (not shared with it): 404, as Figma answers.
        self.not_shared = set()
        self.max_ids_per_request = 10
        # (path prefix, Retry-After) answered with 429, once each, before the real answer.
        self.limits = []
        self.renders = {}
        # Path → address answered with a 302, as a compromised or misconfigured API might.
        self.redirects = {}
        # Frames Figma fails to render: null in the images map, as documented.
        self.unrenderable = set()
        self.requests = []
        self.lock = threading.Lock()
        port = int(os.environ.get("FIGMA_FAKE_PORT", "0")) if port is None else port
        self.server = ThreadingHTTPServer(("127.0.0.1", port), self._handler())
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()

    def reset(self):
        with self.lock:
            self.files.clear()
            self.not_shared.clear()
            self.limits.clear()
            self.renders.clear()
            self.redirects.clear()
            self.unrenderable.clear()
            self.requests.clear()
            self.token = TOKEN
            self.max_ids_per_request = 10

    def requested(self, prefix):
        return [request for request in self.requests if request["path"].startswith(prefix)]

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format, *args):
                pass  # Quiet: the tests read `fake.requests` instead.

            def do_GET(self):
                parts = urllib.parse.urlsplit(self.path)
                query = {k: v[0] for k, v in urllib.parse.parse_qs(parts.query).items()}
                with fake.lock:
                    fake.requests.append(
                        {
                            "path": parts.path,
                            "query": query,
                            "token": self.headers.get("X-Figma-Token"),
                        }
                    )
                    limit = next(
                        (item for item in fake.limits if parts.path.startswith(item[0])), None
                    )
                    if limit:
                        fake.limits.remove(limit)
                if limit:
                    return self._json(
                        429,
                        {"status": 429, "err": "Rate limit exceeded"},
                        {"Retry-After": str(limit[1])},
                    )
                if parts.path in fake.redirects:
                    self.send_response(302)
                    self.send_header("Location", fake.redirects[parts.path])
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return None
                if parts.path.startswith("/renders/"):
                    return self._render(parts.path)
                if self.headers.get("X-Figma-Token") != fake.token:
                    return self._json(403, {"status": 403, "err": "Invalid token"})
                segments = parts.path.strip("/").split("/")
                if len(segments) != 3 or segments[0] != "v1":
                    return self._json(404, {"status": 404, "err": "Not found"})
                key = urllib.parse.unquote(segments[2])
                if key not in fake.files or key in fake.not_shared:
                    return self._json(404, {"status": 404, "err": "Not found"})
                if segments[1] == "files":
                    return self._json(200, self._file(fake.files[key], query))
                if segments[1] == "images":
                    return self._images(key, query)
                return self._json(404, {"status": 404, "err": "Not found"})

            def _file(self, data, query):
                answer = copy.deepcopy(data)
                if "ids" in query:
                    wanted = set(query["ids"].split(","))
                    answer["document"] = _keep(answer["document"], wanted) or answer["document"]
                if "depth" in query:
                    _cut(answer["document"], int(query["depth"]))
                return answer

            def _images(self, key, query):
                ids = [item for item in query.get("ids", "").split(",") if item]
                if not ids:
                    return self._json(400, {"status": 400, "err": "No ids given"})
                if len(ids) > fake.max_ids_per_request:
                    return self._json(400, {"status": 400, "err": "Too many ids in one request"})
                scale = float(query.get("scale", "1"))
                nodes = _index(fake.files[key]["document"])
                images = {}
                for node_id in ids:
                    found = nodes.get(node_id)
                    if found is None or node_id in fake.unrenderable:
                        images[node_id] = None
                        continue
                    box = found["absoluteBoundingBox"]
                    size = round(box["width"] * scale), round(box["height"] * scale)
                    path = urllib.parse.quote(f"{node_id}|{size[0]}|{size[1]}|{found['name']}")
                    images[node_id] = f"{fake.url}/renders/{key}/{path}.png"
                return self._json(200, {"err": None, "images": images, "status": 200})

            def _render(self, path):
                name = urllib.parse.unquote(path.rsplit("/", 1)[1].removesuffix(".png"))
                node_id, width, height, label = name.split("|", 3)
                data = fake.renders.get(node_id) or render_png(int(width), int(height), label)
                self.send_response(200)
                self.send_header("Content-Type", "image/png")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _json(self, status, body, headers=None):
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

        return Handler


def _index(root):
    found, stack = {}, [root]
    while stack:
        item = stack.pop()
        found[item["id"]] = item
        stack.extend(item.get("children") or [])
    return found


def _keep(item, wanted):
    """The item if listed (whole), or with only the children that lead to a listed node."""
    if item["id"] in wanted:
        return item
    kept = [child for child in (_keep(c, wanted) for c in item.get("children") or []) if child]
    if not kept:
        return None
    item["children"] = kept
    return item


def _cut(item, depth):
    if "children" in item:
        if depth <= 0:
            del item["children"]
        else:
            for child in item["children"]:
                _cut(child, depth - 1)
