"""A small client of Figma's REST API: read a file, render frames, download the renders.

Only what the import needs, over the standard library's urllib: `GET /v1/files/:key` (with
`depth` or `ids`), `GET /v1/images/:key` (ids in batches) and the download of each render.
The personal access token is sent in the `X-Figma-Token` header to the API only, never to
the addresses of the renders (storage servers that need no token), and never appears in an
exception, a log line or a message: errors are told as sentences for the designer.

A 429 answer is waited out when Figma asks for a pause we can afford (`Retry-After`, in
seconds), and told as a sentence with the time to try again when it asks for longer.
"""

import json
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

# Figma file links: /file/, /design/, /proto/ and /board/ (FigJam) pages, optionally a branch.
LINK = re.compile(
    r"figma\.com/(?:file|design|proto|board)/(?P<key>[A-Za-z0-9]{10,128})"
    r"(?:/[^/?#]*/branch/(?P<branch>[A-Za-z0-9]{10,128}))?"
)
BARE_KEY = re.compile(r"[A-Za-z0-9]{10,128}")
NODE_ID = re.compile(r"\d+[:-]\d+(?:;\d+[:-]\d+)*")

MEGABYTE = 1024 * 1024
# The JSON of one page, without vector data (the import never asks for geometry): a page of
# screens is a few MB. Decoding holds several times its size, within a worker's memory.
MAX_JSON_BYTES = 50 * MEGABYTE
TIMEOUT_SECONDS = 60
ATTEMPTS = 4


class FigmaError(Exception):
    """The import cannot go on; the message is written for the designer."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class FigmaLink:
    file_key: str
    node_id: str = ""


def parse_link(text):
    """The file key (a branch's own key for a branch link) and node id of a pasted Figma link.

    Raise FigmaError when the text is neither a Figma file link nor a bare file key.
    """
    text = text.strip()
    match = LINK.search(text)
    if match:
        key = match.group("branch") or match.group("key")
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(text).query)
        node = (query.get("node-id") or [""])[0]
        # Links write node ids as 12-34; the API writes 12:34.
        node = node.replace("-", ":") if NODE_ID.fullmatch(node) else ""
        return FigmaLink(key, node)
    if BARE_KEY.fullmatch(text):
        return FigmaLink(text)
    raise FigmaError(
        "This is not a link to a Figma file. In Figma, choose Share › Copy link (or copy the "
        "address of the file from the browser) and paste it here."
    )


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """urllib copies a request's headers onto the redirected one: the token would follow a
    redirect to another host. Figma's API does not redirect, so a redirect is an error."""

    def redirect_request(self, *args, **kwargs):
        return None


API_OPENER = urllib.request.build_opener(_NoRedirect)
DOWNLOAD_OPENER = urllib.request.build_opener()


class Client:
    """Calls to one Figma API with one token; `wait` is told of each pause Figma asks for."""

    def __init__(self, base_url, token, max_wait_seconds, wait=None, sleep=time.sleep):
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.max_wait_seconds = max_wait_seconds
        self.wait = wait or (lambda seconds: None)
        self.sleep = sleep

    def file(self, key, **query):
        """GET /v1/files/:key with `depth` or `ids` (a list, sent comma-separated)."""
        if "ids" in query:
            query["ids"] = ",".join(query["ids"])
        return self.api(f"/v1/files/{urllib.parse.quote(key)}", query)

    def render(self, key, ids, scale, batch_size):
        """{node id: address of its PNG render, or None when Figma could not render it}.

        Figma renders every id of a request before it answers, and large requests time out on
        its side, so the ids go in batches.
        """
        urls = {}
        for start in range(0, len(ids), batch_size):
            batch = ids[start : start + batch_size]
            answer = self.api(
                f"/v1/images/{urllib.parse.quote(key)}",
                {"ids": ",".join(batch), "scale": f"{scale:g}", "format": "png"},
            )
            if answer.get("err"):
                raise FigmaError(
                    f"Figma could not render the frames ({str(answer['err'])[:200]}). Try "
                    "again in a few minutes."
                )
            images = answer.get("images") or {}
            urls.update({node: images.get(node) for node in batch})
        return urls

    def download(self, url, max_bytes):
        """The bytes of a render, without the token; at most `max_bytes` + 1 are read."""
        # Plain http only when the API itself is reached over http (a local fake in tests).
        schemes = ("https", "http") if self.base_url.startswith("http:") else ("https",)
        if urllib.parse.urlsplit(url).scheme not in schemes:
            raise FigmaError("Figma gave an address for this frame's image that is not a web page.")
        request = urllib.request.Request(url, headers={"User-Agent": "Protoplatform"})
        with self._open(request, "Figma's image server", DOWNLOAD_OPENER) as response:
            return _read_bounded(response, max_bytes)

    def api(self, path, query):
        url = f"{self.base_url}{path}?{urllib.parse.urlencode(query, safe=':,')}"
        request = urllib.request.Request(
            url,
            headers={
                "X-Figma-Token": self.token,
                "Accept": "application/json",
                "User-Agent": "Protoplatform",
            },
        )
        with self._open(request, "Figma", API_OPENER) as response:
            data = _read_bounded(response, MAX_JSON_BYTES)
        if len(data) > MAX_JSON_BYTES:
            raise FigmaError(
                "This Figma file is too large to import at once. Link a single page or frame "
                "(select it in Figma, then Copy link) and import that."
            )
        try:
            return json.loads(data)
        except ValueError:
            raise FigmaError(
                "Figma sent an answer we could not read. Try again in a few minutes."
            ) from None

    def _open(self, request, what, opener):
        """Open the request, waiting out the pauses Figma asks for; errors become sentences."""
        for attempt in range(1, ATTEMPTS + 1):
            try:
                return opener.open(request, timeout=TIMEOUT_SECONDS)
            except urllib.error.HTTPError as error:
                status, retry_after = error.code, error.headers.get("Retry-After")
                body = _error_text(error)
                error.close()
            except (urllib.error.URLError, TimeoutError, OSError) as error:
                reason = getattr(error, "reason", error)
                raise FigmaError(
                    f"We could not reach {what} ({reason}). Try again in a few minutes."
                ) from None
            if status == 429:
                seconds = _seconds(retry_after)
                if attempt < ATTEMPTS and seconds <= self.max_wait_seconds:
                    self.wait(seconds)
                    self.sleep(seconds)
                    continue
                raise FigmaError(_rate_limited(seconds))
            raise FigmaError(_status_message(status, body, what))
        raise AssertionError("unreachable: the last attempt returns or raises")


def _read_bounded(response, max_bytes):
    chunks, remaining = [], max_bytes + 1
    while remaining > 0:
        chunk = response.read(min(remaining, MEGABYTE))
        if not chunk:
            break
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def _error_text(error):
    """Figma's own words from an error answer (`{"status": 403, "err": "Invalid token"}`)."""
    try:
        body = json.loads(error.read(64 * 1024) or b"{}")
    except (ValueError, OSError):
        return ""
    if not isinstance(body, dict):
        return ""
    return str(body.get("err") or body.get("message") or "")[:200]


def _seconds(retry_after):
    """Retry-After in seconds (Figma sends seconds; an HTTP date is read too), at least 1."""
    if retry_after is None:
        return 60
    try:
        return max(1, int(float(retry_after)))
    except ValueError:
        pass
    try:
        moment = datetime.strptime(retry_after, "%a, %d %b %Y %H:%M:%S GMT").replace(tzinfo=UTC)
    except ValueError:
        return 60
    return max(1, int((moment - datetime.now(UTC)).total_seconds()))


def _rate_limited(seconds):
    after = (datetime.now(UTC) + timedelta(seconds=seconds)).strftime("%H:%M")
    if seconds < 120:
        wait = f"{seconds} seconds"
    elif seconds < 2 * 3600:
        wait = f"{round(seconds / 60)} minutes"
    else:
        wait = f"{round(seconds / 3600)} hours"
    return (
        f"Figma is limiting requests from this account and asked us to wait {wait}. Import "
        f"again after {after} UTC."
    )


def _status_message(status, body, what):
    if status == 403:
        return (
            "Figma refused the token: it is wrong, expired or revoked, or lacks the “File "
            "content” read scope. Create a new personal access token in Figma (Settings › "
            "Security › Personal access tokens) and import again."
        )
    if status == 404:
        return (
            "Figma has no file at this link that the token's account can open. Check the link, "
            "and that the file is shared with the account that made the token (at least “can "
            "view”)."
        )
    if status == 400:
        detail = f" ({body})" if body else ""
        return f"Figma refused the request{detail}. Check the link and import again."
    if status >= 500:
        return f"{what} had a problem on its side (HTTP {status}). Try again in a few minutes."
    return f"{what} answered with an error (HTTP {status}). Try again in a few minutes."
