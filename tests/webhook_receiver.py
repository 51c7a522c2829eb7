"""A local webhook receiver for tests: answers with the statuses it is given, in turn, and keeps
what it was sent. With a secret, it verifies each request as a real receiver would, with the
Standard Webhooks library, and answers 401 to a request whose signature does not match."""

import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks.webhooks import Webhook, WebhookVerificationError


@dataclass
class Received:
    headers: dict
    body: bytes
    status: int
    verified: object = None  # the verified payload, when a secret was given


@dataclass
class Receiver:
    statuses: list = field(default_factory=list)  # answered in turn, then 200
    secret: str | None = None
    received: list = field(default_factory=list)

    @property
    def url(self):
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}/hook"

    @property
    def accepted(self):
        return [request for request in self.received if 200 <= request.status < 300]

    def start(self, port=0):
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                headers = {name.lower(): value for name, value in self.headers.items()}
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                verified = None
                if receiver.secret and 200 <= status < 300:
                    try:
                        verified = Webhook(receiver.secret).verify(body, headers)
                    except WebhookVerificationError:
                        status = 401
                receiver.received.append(Received(headers, body, status, verified))
                self.send_response(status)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()
