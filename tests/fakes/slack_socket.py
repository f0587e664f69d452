"""A fake Socket Mode endpoint on 127.0.0.1: the WebSocket that apps.connections.open hands out.

Like Slack's, it greets a new connection with `hello`, pushes envelopes (`events_api`,
`slash_commands`, `interactive`) and expects each to be acknowledged with its `envelope_id`
within seconds. Tests queue envelopes with `push` and wait for the acks with `wait_ack`.
"""

from __future__ import annotations

import json
import queue
import threading
import time
from typing import Any

from websockets.exceptions import ConnectionClosed
from websockets.sync.server import Server, ServerConnection, serve

Json = dict[str, Any]


class FakeSocketModeServer:
    def __init__(self) -> None:
        self.received: list[Json] = []
        self.connections = 0
        self._outbox: queue.Queue[Json] = queue.Queue()
        self._changed = threading.Condition()
        self._server: Server = serve(self._handle, "127.0.0.1", 0, compression=None)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> FakeSocketModeServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self._server.socket.getsockname()[1]}/link/?ticket=test"

    def push(self, envelope_type: str, payload: Json, envelope_id: str | None = None, retry: int = 0) -> str:
        envelope_id = envelope_id or f"env-{time.time_ns()}"
        self._outbox.put({"envelope_id": envelope_id, "type": envelope_type, "payload": payload,
                          "accepts_response_payload": envelope_type != "events_api",
                          "retry_attempt": retry, "retry_reason": "timeout" if retry else ""})  # fmt: skip
        return envelope_id

    def wait_ack(self, envelope_id: str, timeout: float = 10.0) -> Json:
        deadline = time.monotonic() + timeout
        with self._changed:
            while not (acks := [m for m in self.received if m.get("envelope_id") == envelope_id]):
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"no ack for {envelope_id} in {timeout}s; received {self.received}")
                self._changed.wait(left)
            return acks[0]

    def _handle(self, ws: ServerConnection) -> None:
        with self._changed:
            self.connections += 1
        ws.send(json.dumps({"type": "hello", "num_connections": 1, "connection_info": {"app_id": "ACOOPBOT1"},
                            "debug_info": {"host": "fake", "approximate_connection_time": 3600}}))  # fmt: skip
        try:
            while True:
                self._flush(ws)
                try:
                    message = ws.recv(timeout=0.05)
                except TimeoutError:
                    continue
                with self._changed:
                    self.received.append(json.loads(message))
                    self._changed.notify_all()
        except ConnectionClosed:
            return

    def _flush(self, ws: ServerConnection) -> None:
        while True:
            try:
                envelope = self._outbox.get_nowait()
            except queue.Empty:
                return
            ws.send(json.dumps(envelope))
