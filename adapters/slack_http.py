"""HTTP mode's server: Slack's events, commands and interactivity at one path, dispatched to Bolt.

A ThreadingHTTPServer in a background thread rather than Bolt's development server: requests are
served concurrently (Slack waits at most 3 seconds for each), and `stop()` ends it within a second,
which is what SIGINT/SIGTERM need. Signature checking stays with Bolt's RequestVerification.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from slack_bolt import App, BoltRequest, BoltResponse

log = logging.getLogger("coopbot.slack.http")

MAX_BODY = 1_000_000  # bytes; Slack's payloads are far smaller


def _handler(app: App, path: str) -> type[BaseHTTPRequestHandler]:
    class SlackRequestHandler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            request_path, _, query = self.path.partition("?")
            if request_path != path:
                self._send(BoltResponse(status=404, body=""))
                return
            length = int(self.headers.get("Content-Length") or 0)
            if length > MAX_BODY:
                self.close_connection = True
                self._send(BoltResponse(status=413, body=""))
                return
            body = self.rfile.read(length).decode("utf-8", errors="replace")
            headers: dict[str, str | Sequence[str]] = {k.lower(): v for k, v in self.headers.items()}
            self._send(app.dispatch(BoltRequest(body=body, query=query, headers=headers)))

        def do_GET(self) -> None:
            self._send(BoltResponse(status=404, body=""))

        def _send(self, response: BoltResponse) -> None:
            body: Any = response.body
            data = (body if isinstance(body, str) else json.dumps(body)).encode("utf-8")
            self.send_response(response.status)
            for name, values in response.headers.items():
                for value in values:
                    if name.lower() != "content-length":
                        self.send_header(name, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            log.debug("%s " + format, self.address_string(), *args)

    return SlackRequestHandler


class SlackHttpServer:
    def __init__(self, app: App, host: str, port: int, path: str) -> None:
        self.httpd = ThreadingHTTPServer((host, port), _handler(app, path))
        self.httpd.daemon_threads = True  # an open keep-alive connection must not hold up shutdown
        self._thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.2}, name="coopbot-slack-http", daemon=True
        )

    @property
    def port(self) -> int:
        return int(self.httpd.server_address[1])

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self._thread.join(timeout=5)
