"""What bench/faults.py adds to the load suite's fake Slack: Socket Mode and response_urls.

`FaultSlack` is bench/load_fakes.py's FakeSlack that also hands out a Socket Mode WebSocket
(apps.connections.open, with the app token) and records what coopbot POSTs to response_urls (the
ephemeral answers to /coop and to buttons). `SocketMode` is Slack's side of that WebSocket, after
tests/fakes/slack_socket.py but built for a paced burst: it greets each connection with `hello`,
pushes envelopes at a given rate, and, as Slack does, pushes an envelope that was not acknowledged
within ACK_WAIT seconds again (a new envelope_id, retry_attempt + 1) at most RETRIES times, then
gives up on it. An envelope waits while no connection is open.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections import deque
from dataclasses import dataclass
from typing import Any

from load_fakes import FakeSlack, Faults, Json, Reply
from load_slack import SlackEvent
from websockets.exceptions import ConnectionClosed
from websockets.sync.server import Server, ServerConnection, serve

APP_TOKEN = "xapp-1-faults-app-token"
ACK_WAIT = 3.0  # seconds Slack waits for an envelope's acknowledgement
RETRIES = 3  # Slack's retries of an event that was not acknowledged


@dataclass(frozen=True, slots=True)
class Response:
    """A POST to a response_url: which one (the id in its path), when, and the payload."""

    url_id: str
    at: float
    payload: Json

    @property
    def text(self) -> str:
        blocks = self.payload.get("blocks") or []
        parts = [str(self.payload.get("text") or "")]
        parts += [str((b.get("text") or {}).get("text") or "") for b in blocks if isinstance(b, dict)]
        return "\n".join(parts)


class FaultSlack(FakeSlack):
    """FakeSlack with apps.connections.open (Socket Mode) and response_urls at /respond/<id>."""

    def __init__(self, faults: Faults) -> None:
        super().__init__(faults)
        self.socket_url = ""
        self.responses: list[Response] = []
        self.socket_opens = 0

    def response_url(self, url_id: str) -> str:
        return f"http://127.0.0.1:{self.port}/respond/{url_id}"

    def responses_to(self, url_id: str) -> list[Response]:
        with self.cond:
            return [r for r in self.responses if r.url_id == url_id]

    def dispatch(self, path: str, params: Json, headers: dict[str, str], arrived: float) -> Reply:
        if path.startswith("/respond/"):
            with self.cond:
                self.responses.append(Response(path.removeprefix("/respond/"), arrived, params))
                self.cond.notify_all()
            return 200, {"ok": True}, {}
        if path == "/api/apps.connections.open":
            token = headers.get("authorization", "").removeprefix("Bearer ") or str(params.get("token") or "")
            if token != APP_TOKEN:
                return 200, {"ok": False, "error": "invalid_auth"}, {}
            with self.cond:
                self.socket_opens += 1
            return 200, {"ok": True, "url": self.socket_url}, {}
        return super().dispatch(path, params, headers, arrived)


@dataclass(slots=True)
class Envelope:
    envelope_id: str
    kind: str  # events_api, slash_commands, interactive
    payload: Json
    event: SlackEvent | None  # the question it carries, for the figures
    attempt: int = 0  # retry_attempt
    sent: float | None = None
    acked: float | None = None


class SocketMode:
    """Slack's end of the Socket Mode WebSocket, on a free loopback port."""

    def __init__(self) -> None:
        self.cond = threading.Condition()
        self.connections = 0
        self.connected: list[float] = []  # when each connection was greeted
        self.last_activity = time.monotonic()
        self.given_up = 0  # envelopes not acknowledged in time and not sent again (after every retry)
        self.late = 0  # acknowledgements that came after ACK_WAIT, when Slack had given the envelope up
        self._queue: deque[Envelope] = deque()  # due to be sent
        self._waiting: dict[str, Envelope] = {}  # sent, not yet acknowledged, within ACK_WAIT
        self._sent: dict[str, Envelope] = {}  # every envelope sent
        self._ids = itertools.count(1)
        self._feeders: list[threading.Thread] = []
        self._closing = False
        self._server: Server = serve(self._handle, "127.0.0.1", 0, compression=None)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        threading.Thread(target=self._retry_loop, daemon=True).start()

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self._server.socket.getsockname()[1]}/link/?ticket=faults"

    def close(self) -> None:
        with self.cond:
            self._closing = True
            self.cond.notify_all()
        self._server.shutdown()

    def connected_since(self, since: float) -> bool:
        with self.cond:
            return any(t >= since for t in self.connected)

    # what Slack sends

    def push(self, kind: str, payload: Json, event: SlackEvent | None = None) -> Envelope:
        envelope = Envelope(f"env-{next(self._ids):06d}", kind, payload, event)
        with self.cond:
            self._queue.append(envelope)
            self.cond.notify_all()
        return envelope

    def deliver(self, events: list[SlackEvent], rate: float) -> None:
        """Push the events' envelopes at `rate` a second, from a thread of their own."""

        def feed() -> None:
            began = time.monotonic()
            for n, event in enumerate(events):
                time.sleep(max(0.0, began + n / rate - time.monotonic()))
                if self._closing:
                    return
                self.push("events_api", json.loads(event.body), event)

        feeder = threading.Thread(target=feed, daemon=True)
        self._feeders.append(feeder)
        feeder.start()

    def feeding(self) -> bool:
        return any(f.is_alive() for f in self._feeders)

    def finished(self) -> bool:
        """Nothing left to send or to wait for (each envelope acknowledged or given up on)."""
        with self.cond:
            return not self.feeding() and not self._queue and not self._waiting

    def activity(self) -> float:
        with self.cond:
            return self.last_activity

    # the connection

    def _handle(self, ws: ServerConnection) -> None:
        hello = {"type": "hello", "num_connections": 1, "connection_info": {"app_id": "ALOAD"},
                 "debug_info": {"host": "faults", "approximate_connection_time": 3600}}  # fmt: skip
        try:
            ws.send(json.dumps(hello))
        except ConnectionClosed:
            return
        with self.cond:
            self.connections += 1
            self.connected.append(time.monotonic())
        try:
            while not self._closing:
                self._send_due(ws)
                try:
                    message = ws.recv(timeout=0.02)
                except TimeoutError:
                    continue
                self._acknowledged(message)
        except ConnectionClosed:
            return

    def _send_due(self, ws: ServerConnection) -> None:
        while True:
            with self.cond:
                if not self._queue:
                    return
                envelope = self._queue.popleft()
            body = {"envelope_id": envelope.envelope_id, "type": envelope.kind, "payload": envelope.payload,
                    "accepts_response_payload": envelope.kind != "events_api", "retry_attempt": envelope.attempt,
                    "retry_reason": "timeout" if envelope.attempt else ""}  # fmt: skip
            try:
                ws.send(json.dumps(body))
            except ConnectionClosed:
                with self.cond:
                    self._queue.appendleft(envelope)
                raise
            now = time.monotonic()
            with self.cond:
                envelope.sent = now
                if envelope.event is not None and envelope.event.first_sent is None:
                    envelope.event.first_sent = now
                if envelope.event is not None:
                    envelope.event.attempts += 1
                self._waiting[envelope.envelope_id] = envelope
                self._sent[envelope.envelope_id] = envelope
                self.last_activity = now

    def _acknowledged(self, message: str | bytes) -> None:
        """An acknowledgement; one that comes late still tells that the app has the event (it may answer it)."""
        try:
            data = json.loads(message)
        except ValueError:
            return
        envelope_id = data.get("envelope_id") if isinstance(data, dict) else None
        now = time.monotonic()
        with self.cond:
            envelope = self._sent.get(str(envelope_id))
            if envelope is None or envelope.acked is not None:
                return
            envelope.acked = now
            if self._waiting.pop(envelope.envelope_id, None) is None:
                self.late += 1
            elif envelope.event is not None and envelope.event.acked is None:
                envelope.event.acked = now
            self.last_activity = now
            self.cond.notify_all()

    def _retry_loop(self) -> None:
        """An envelope unacknowledged for ACK_WAIT is sent again as a new one, RETRIES times at most."""
        while not self._closing:
            time.sleep(0.1)
            now = time.monotonic()
            with self.cond:
                late = [e for e in self._waiting.values() if e.sent is not None and now - e.sent > ACK_WAIT]
                for envelope in late:
                    del self._waiting[envelope.envelope_id]
                    if envelope.kind != "events_api" or envelope.attempt >= RETRIES:
                        self.given_up += 1  # Slack retries events only
                        continue
                    again = Envelope(f"env-{next(self._ids):06d}", "events_api", envelope.payload, envelope.event)
                    again.attempt = envelope.attempt + 1
                    self._queue.append(again)
                if late:
                    self.last_activity = now


def pushed_payload(kind: str, form: dict[str, Any]) -> Json:
    """What an HTTP form (a slash command's fields, or interactivity's `payload`) is over Socket Mode."""
    if kind == "interactive":
        loaded = json.loads(str(form["payload"]))
        return loaded if isinstance(loaded, dict) else {}
    return dict(form)
