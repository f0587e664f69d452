"""How Slack's requests come in: checked, kept in the inbox, acknowledged, then answered by workers.

Slack does not send again what was acknowledged, so a request is acknowledged only once it is in the
inbox (bot/store.py); it leaves the inbox once answered, and a restart answers what is left. In HTTP
mode the signature is checked here, once. Each request has a key in the inbox (an event's event_id, the
same in Slack's retries; else its signature, the same in a replay), so an event Slack retries and a
replayed request are answered once. Bad header values are refused with 400 or 401 before the body is read.

While the inbox cannot be written (the database or Redis is down) nothing stops. Over HTTP an event is
refused (503) and Slack sends it again, later and more than once; a command or a click, which Slack never
sends again, is acknowledged and held in memory until the inbox takes it (bot/sweep.py). In Socket Mode
every request is held so: Slack sends an envelope that is not acknowledged again only a few times, seconds
apart, and an outage outlasts them.

Answering happens on `ConversationWorkers`: a fixed number of threads, each conversation's requests one
at a time in order, and a conversation that waits (Slack's Retry-After on one channel) holds one thread,
never the others.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

import tornado.web
from slack_bolt import App, BoltRequest
from slack_sdk.signature import SignatureVerifier
from slack_sdk.socket_mode import SocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse

from adapters.http_server import GuardedHandler, ServerThread, ops_routes, serve_ops
from adapters.slack.conversations import KEY, RECEIVED, RESUMED
from adapters.slack.settings import EVENTS_PATH, SURFACE
from bot import SWEEP_EVERY, Item, Runtime, Sweeper, delays, is_outage

log = logging.getLogger("coopbot.slack")

SIGNATURE_WINDOW = 300  # seconds: Slack's own limit on a request's age
MAX_BODY = 1_000_000  # bytes; Slack's payloads are far smaller


@dataclass(frozen=True, slots=True)
class Taken:
    """What to answer Slack with right away."""

    status: int = 200
    body: str = ""
    content_type: str = "text/plain"


# -- the workers --------------------------------------------------------------------------------------------


class ConversationWorkers:
    """`threads` threads; jobs of one conversation run one at a time, in the order they were submitted."""

    def __init__(self, threads: int) -> None:
        self._cond = threading.Condition()
        self._queues: dict[str, deque[Callable[[], None]]] = {}
        self._ready: deque[str] = deque()  # conversations with a job and no thread on them
        self._running = 0
        self._closed = False
        self._threads = [
            threading.Thread(target=self._work, name=f"coopbot-slack-{n}", daemon=True) for n in range(threads)
        ]
        for thread in self._threads:
            thread.start()

    def submit(self, conversation: str, job: Callable[[], None]) -> None:
        with self._cond:
            queue = self._queues.setdefault(conversation, deque())
            queue.append(job)
            if len(queue) == 1:  # nobody works on it: it is ready (a busy one is re-queued when its job ends)
                self._ready.append(conversation)
                self._cond.notify()

    def _work(self) -> None:
        while True:
            with self._cond:
                while not self._ready and not self._closed:
                    self._cond.wait()
                if self._closed:
                    return
                conversation = self._ready.popleft()
                job = self._queues[conversation][0]
                self._running += 1
            try:
                job()
            except Exception:
                log.exception("a job for %s failed", conversation)
            finally:
                with self._cond:
                    self._running -= 1
                    queue = self._queues[conversation]
                    queue.popleft()
                    if queue:
                        self._ready.append(conversation)
                    else:
                        del self._queues[conversation]
                    self._cond.notify_all()

    @property
    def closed(self) -> bool:
        """Whether the workers stopped (the grace is over): a job waiting for a dependency gives up, and its
        request stays in the inbox."""
        return self._closed

    def drain(self, grace: float) -> int:
        """Let the jobs run for up to `grace` seconds, then stop the threads (a running job is left to end
        with the process); how many jobs did not finish."""
        deadline = time.monotonic() + grace
        with self._cond:
            while self._queues and (left := deadline - time.monotonic()) > 0:
                self._cond.wait(left)
            self._closed = True
            self._cond.notify_all()
            return sum(len(q) for q in self._queues.values())


# -- intake ---------------------------------------------------------------------------------------------------


class Intake:
    """Checks, keeps and schedules Slack's requests; `answer(item, resumed)` is what a worker runs."""

    def __init__(
        self,
        runtime: Runtime,
        workers: ConversationWorkers,
        answer: Callable[[Item], None],
        signing_secret: str = "",
        suggest: Callable[[Mapping[str, Any]], dict[str, Any]] | None = None,
        sweeper: Sweeper | None = None,
        noticed: Callable[[Mapping[str, Any]], None] | None = None,
    ) -> None:
        self.runtime, self.workers, self._answer = runtime, workers, answer
        self.noticed = noticed  # told of each request taken, before it waits for a worker (lookups start early)
        self.sweeper = sweeper or Sweeper(runtime.inbox, SURFACE)
        self.suggest = suggest  # options for a menu being typed in: answered at once, kept nowhere
        self.verifier = SignatureVerifier(signing_secret) if signing_secret else None

    # HTTP mode

    def headers_ok(self, timestamp: str | None, signature: str | None, now: float | None = None) -> int:
        """200, or the status that refuses a request by its headers alone (before its body is read)."""
        if not timestamp or not signature:
            return 401
        try:
            sent = int(timestamp)
        except ValueError:
            return 400
        if abs((time.time() if now is None else now) - sent) > SIGNATURE_WINDOW:
            return 401
        return 200

    def take_http(self, body: bytes, headers: Mapping[str, str]) -> Taken:
        timestamp, signature = headers.get("x-slack-request-timestamp"), headers.get("x-slack-signature")
        if (status := self.headers_ok(timestamp, signature)) != 200:
            return Taken(status)
        if self.verifier is None or not self.verifier.is_valid(body, timestamp, signature):
            return Taken(401)
        text = body.decode("utf-8", errors="replace")
        content_type = headers.get("content-type", "")
        payload = _http_payload(text, content_type)
        if payload is None:
            return Taken(400)
        if payload.get("ssl_check"):
            return Taken()
        if payload.get("type") == "block_suggestion":
            options = self.suggest(payload) if self.suggest else {"options": []}
            return Taken(body=json.dumps(options, ensure_ascii=False), content_type="application/json")
        if payload.get("type") == "url_verification":
            return Taken(body=json.dumps({"challenge": payload.get("challenge", "")}), content_type="application/json")
        key = request_key(payload, signature or "")
        stored = {"mode": "http", "body": text, "content_type": content_type}
        sent_again = isinstance(payload.get("event_id"), str)
        return self.keep(key, conversation_of(payload), stored, payload, sent_again=sent_again)

    # Socket Mode

    def take_socket(self, kind: str, payload: dict[str, Any], envelope_id: str) -> bool:
        """Whether to acknowledge the envelope: not when it could be neither kept nor held."""
        key = request_key(payload, envelope_id)
        stored = {"mode": "socket_mode", "type": kind, "body": payload}
        return self.keep(key, conversation_of(payload), stored, payload, sent_again=False).status == 200

    # both

    def keep(
        self, key: str, conversation: str, stored: dict[str, Any], payload: Mapping[str, Any], *, sent_again: bool
    ) -> Taken:
        """Keep a request in the inbox and have a worker answer it; 200 once it is kept. One that cannot be kept
        gets 503 when Slack sends it again unacknowledged (`sent_again`: events); any other request (a command, a
        click) is held in memory and acknowledged."""
        item = Item(SURFACE, key, conversation, json.dumps(stored, ensure_ascii=False), time.time())
        try:
            (new,) = self.sweeper.take([item], at_once=True)
        except Exception as err:
            if not is_outage(err):
                log.exception("keeping request %s failed", key)
            if sent_again or not self.sweeper.spool(item):
                return Taken(503)
            return Taken()
        if not new:
            log.info("request %s came again; answered once", key)
            return Taken()
        if self.noticed is not None:
            try:
                self.noticed(payload)
            except Exception:  # only a head start: the worker looks up again what it needs
                log.exception("could not start the lookups for request %s", key)
        self.workers.submit(conversation, lambda: self._answer(item))
        return Taken()

    def sweep(self, starting: bool = False) -> int:
        """Schedule what is due and nobody answers: left from the last run (at start), stranded by a failed
        write, held while the inbox was down, or abandoned by another replica; oldest first."""
        due = self.sweeper.sweep()
        for item in due:
            self.workers.submit(item.conversation, lambda item=item: self._answer(item))  # type: ignore[misc]
        if due:
            log.info("answering %d request(s) %s", len(due), "left from the last run" if starting else "found due")
        return len(due)


def _http_payload(text: str, content_type: str) -> dict[str, Any] | None:
    """An HTTP request's payload: JSON (events), a form (commands), or a form's `payload` (interactivity)."""
    try:
        if content_type.startswith("application/json"):
            data = json.loads(text)
            return data if isinstance(data, dict) else None
        form = {k: v[0] for k, v in parse_qs(text, keep_blank_values=True).items()}
        if "payload" in form:
            data = json.loads(form["payload"])
            return data if isinstance(data, dict) else None
        return form
    except ValueError:
        return None


def request_key(payload: Mapping[str, Any], fallback: str) -> str:
    """What identifies a request: an event's event_id (the same in Slack's retries), else `fallback` (the
    signature, or Socket Mode's envelope id; Slack does not retry commands and clicks)."""
    event_id = payload.get("event_id")
    if isinstance(event_id, str) and event_id:
        return event_id
    return "r:" + hashlib.sha256(fallback.encode()).hexdigest()[:32]


def conversation_of(payload: Mapping[str, Any]) -> str:
    """The channel a request's replies go to, whose requests are answered in order."""
    event = payload.get("event")
    if isinstance(event, dict) and isinstance(event.get("channel"), str):
        return str(event["channel"])
    if isinstance(payload.get("channel_id"), str):
        return str(payload["channel_id"])
    channel = payload.get("channel")
    if isinstance(channel, dict) and isinstance(channel.get("id"), str):
        return str(channel["id"])
    user = payload.get("user")
    if isinstance(user, dict) and isinstance(user.get("id"), str):
        return "user:" + str(user["id"])
    if isinstance(event, dict) and isinstance(event.get("user"), str):
        return "user:" + str(event["user"])
    return "-"


class EventsHandler(GuardedHandler):
    """POST /slack/events: events, the slash command and interactivity."""

    max_body = MAX_BODY

    def initialize(self, intake: Intake) -> None:
        self.intake = intake

    def check_headers(self) -> None:
        headers = self.request.headers
        status = self.intake.headers_ok(headers.get("X-Slack-Request-Timestamp"), headers.get("X-Slack-Signature"))
        if status != 200:
            self.reject(status)

    async def handle(self, body: bytes) -> None:
        headers = {k.lower(): v for k, v in self.request.headers.get_all()}
        # The inbox commits to disk before the acknowledgement; a thread keeps the loop accepting meanwhile.
        taken = await asyncio.get_running_loop().run_in_executor(None, self.intake.take_http, body, headers)
        self.set_status(taken.status)
        self.set_header("Content-Type", taken.content_type)
        self.finish(taken.body)


# -- answering what was taken, and the servers -------------------------------------------------------------


def answerer(
    app: App, runtime: Runtime, sweeper: Sweeper, workers: ConversationWorkers, failed_for_outage: Callable[[], bool]
) -> Callable[[Item], None]:
    """What a worker runs for a request in the inbox: claim it, have Bolt dispatch it to the listeners, mark it
    answered. While a dependency is down (the inbox, the database, Redis, Slack's search for a reply) it is
    tried again in place, so its conversation keeps its order, until it is answered or the workers stop."""

    def answer(item: Item) -> None:
        claimed = _claim(sweeper, item.key, workers)
        if claimed is None:
            return
        if claimed:  # a restart cut its answer short; a post is looked for first, an ephemeral one cannot be
            runtime.metrics.possible_duplicates.labels(SURFACE).inc()
        resumed, waits = claimed > 0, delays()
        while not _dispatch(app, item, resumed) and failed_for_outage():
            if workers.closed:  # stopping: it stays in the inbox for the next start
                sweeper.release(item.key)
                return
            time.sleep(next(waits))
            resumed = True  # the last try may have posted before it failed
        sweeper.finish(item.key)

    return answer


def _claim(sweeper: Sweeper, key: str, workers: ConversationWorkers) -> int | None:
    """Claim a request in the inbox, waiting while it cannot be written; None when it is not this one's to answer
    (answered already, held by another replica, or the workers stopped)."""
    waits = delays()
    while not workers.closed:
        try:
            return sweeper.claim(key)
        except Exception as err:
            if not is_outage(err):
                log.exception("could not claim request %s; it stays in the inbox", key)
                break
        time.sleep(next(waits))
    sweeper.release(key)
    return None


def _dispatch(app: App, item: Item, resumed: bool) -> bool:
    """Bolt dispatches the request to its listener; whether it went through (False: a listener failed)."""
    stored = json.loads(item.payload)
    context = {KEY: item.key, RESUMED: resumed, RECEIVED: item.received}
    if stored["mode"] == "socket_mode":
        request = BoltRequest(body=stored["body"], mode="socket_mode", context=context)
    else:
        headers: dict[str, str | Sequence[str]] = {"content-type": [stored["content_type"]]}
        request = BoltRequest(body=stored["body"], headers=headers, context=context)
    response = app.dispatch(request)
    if response.status >= 500:
        log.error("request %s was not answered (%d)", item.key, response.status)
        return False
    return True


def sweep_until(intake: Intake, stop: threading.Event) -> None:
    while not stop.wait(SWEEP_EVERY):
        try:
            intake.sweep()
        except Exception:  # never the end of sweeping: the next one tries again
            log.exception("sweeping the inbox failed")


def _wait(stop: threading.Event) -> None:
    while not stop.wait(0.5):  # a timeout keeps the main thread responsive to signals
        pass


def serve_http(intake: Intake, host: str, port: int, runtime: Runtime) -> None:
    """Events, commands and interactivity at EVENTS_PATH, with /healthz and a bare /readyz, on one port; the
    operations endpoints in full on --metrics-port."""
    stop = runtime.stop
    routes = [(EVENTS_PATH, EventsHandler, {"intake": intake}), *ops_routes(runtime, public=True)]
    server = ServerThread(tornado.web.Application(routes), host, port)
    server.start()
    ops = serve_ops(runtime)
    log.info("coopbot is listening for Slack on http://%s:%d%s", host, server.port, EVENTS_PATH)
    try:
        _wait(stop)
    finally:
        server.stop()  # take nothing more; what was taken is in the inbox
        if ops is not None:
            ops.stop()


def serve_socket_mode(intake: Intake, app: App, app_token: str, runtime: Runtime) -> None:
    """Socket Mode: each envelope is kept in the inbox, then acknowledged; health and metrics on --metrics-port."""
    stop, ops = runtime.stop, serve_ops(runtime)

    def on_request(client: SocketModeClient, request: SocketModeRequest) -> None:
        payload = request.payload if isinstance(request.payload, dict) else {}
        if payload.get("type") == "block_suggestion":  # answered in the acknowledgement itself
            options = intake.suggest(payload) if intake.suggest else {"options": []}
            client.send_socket_mode_response(SocketModeResponse(envelope_id=request.envelope_id, payload=options))
            return
        ours = request.type in ("events_api", "slash_commands", "interactive") and bool(payload)
        if ours and not intake.take_socket(request.type, payload, request.envelope_id):
            return  # not kept: unacknowledged, so Slack sends it again
        client.send_socket_mode_response(SocketModeResponse(envelope_id=request.envelope_id))

    client = SocketModeClient(
        app_token=app_token, web_client=app.client, logger=logging.getLogger("coopbot.slack.socket")
    )
    client.socket_mode_request_listeners.append(on_request)  # type: ignore[arg-type]
    client.connect()
    log.info("coopbot is connected to Slack in Socket Mode")
    try:
        _wait(stop)
    finally:
        client.close()
        if ops is not None:
            ops.stop()
