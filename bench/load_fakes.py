"""Fake Telegram Bot API and Slack Web API servers for bench/load.py: fast, concurrent, faulty on request.

Unlike the strict fakes under tests/fakes (which check every rendering detail), these record what landed and
when, so that the load suite can count lost, duplicated and out-of-order replies exactly. Both answer every
call after a fixed delay (the API round trip) and can, per send, fail before landing (HTTP 500, nothing
recorded), fail after landing (recorded, then HTTP 500: the ambiguous failure) or throttle one chat or channel
with 429 for a while from its first send. They run on ThreadingHTTPServers with a deep accept queue so the
fakes are never the bottleneck. All times are time.monotonic() of this process.
"""

from __future__ import annotations

import http.client
import itertools
import json
import math
import random
import re
import socket
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

Json = dict[str, Any]
Reply = tuple[int, Json, dict[str, str]]  # HTTP status, JSON body, extra headers

TELEGRAM_TOKEN = "7000000001:AAFakeTokenForLoad_0123456789abcdef"
TELEGRAM_BOT_ID = 7000000001
TELEGRAM_USERNAME = "coopbot_load_bot"
SLACK_TOKEN = "xoxb-load-token"
SLACK_BOT_USER = "UBOT"
SLACK_BOT_ID = "BBOT"
SLACK_TEAM = "TLOAD"
SLACK_APP = "ALOAD"
WEBHOOK_WORKERS = 40  # Telegram's default max_connections
WEBHOOK_TIMEOUT = 10.0  # seconds the webhook pusher waits for the bot's answer


# -- faults ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Faults:
    """What a fake does wrong. Sends are sendMessage (Telegram) and chat.postMessage (Slack)."""

    delay: float = 0.1  # seconds added to every call before it is answered
    fail_after_landing: float = 0.0  # share of sends recorded as landed, then answered HTTP 500
    fail_before_landing: float = 0.0  # share of sends answered HTTP 500 and not recorded
    throttle: str | None = None  # chat id or channel answered 429 for `throttle_seconds` from its first send
    throttle_seconds: float = 30.0
    seed: int = 7  # the same seed gives the same fault pattern for the same sequence of sends


class FaultPlan:
    """The faults' running state: a seeded dice and the throttle window."""

    def __init__(self, faults: Faults) -> None:
        self.faults = faults
        self._rng = random.Random(faults.seed)
        self._lock = threading.Lock()
        self.throttle_started: float | None = None
        self.throttled = 0  # 429s answered

    def retry_after(self, target: str, now: float) -> int | None:
        """Seconds the target must wait (429), or None when its send may go ahead."""
        faults = self.faults
        if faults.throttle is None or target != faults.throttle or faults.throttle_seconds <= 0:
            return None
        with self._lock:
            if self.throttle_started is None:
                self.throttle_started = now
            left = self.throttle_started + faults.throttle_seconds - now
            if left <= 0:
                return None
            self.throttled += 1
            return max(1, math.ceil(left))

    def roll(self) -> str | None:
        """ "before", "after" (the send fails before or after landing) or None."""
        with self._lock:
            dice = self._rng.random()
        if dice < self.faults.fail_before_landing:
            return "before"
        if dice < self.faults.fail_before_landing + self.faults.fail_after_landing:
            return "after"
        return None


# -- timestamps -----------------------------------------------------------------------------------------------

_ts_lock = threading.Lock()
_last_ts = 0


def new_ts() -> str:
    """A Slack message timestamp ("1700000000.000123"): wall-clock microseconds, unique and increasing."""
    global _last_ts
    with _ts_lock:
        _last_ts = max(_last_ts + 1, time.time_ns() // 1000)
        return f"{_last_ts // 1_000_000}.{_last_ts % 1_000_000:06d}"


def ts_value(ts: Any) -> int:
    """A timestamp as integer microseconds (a float would round the last digits away)."""
    seconds, _, fraction = str(ts or "").partition(".")
    try:
        return int(seconds) * 1_000_000 + int((fraction + "000000")[:6])
    except ValueError:
        return 0


# -- the HTTP plumbing ----------------------------------------------------------------------------------------


class _Server(ThreadingHTTPServer):
    request_queue_size = 1024  # a burst of connections must not overflow the accept queue of the fake itself
    daemon_threads = True  # open keep-alive connections and long polls must not hold up stopping
    allow_reuse_address = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that went away mid-request (a killed bot, a cancelled poll) is expected under load.
        if not isinstance(sys.exc_info()[1], OSError):
            super().handle_error(request, client_address)


def _decode_values(pairs: list[tuple[str, str]]) -> Json:
    """Form values are strings; objects and lists come JSON-encoded (as python-telegram-bot and slack_sdk send)."""
    params: Json = {}
    for key, value in pairs:
        if value[:1] in ("[", "{"):
            try:
                params[key] = json.loads(value)
                continue
            except ValueError:
                pass
        params[key] = value
    return params


def read_params(handler: BaseHTTPRequestHandler, query: str) -> Json:
    """The query string and the body (form, JSON or multipart) as one dict."""
    params = _decode_values(parse_qsl(query, keep_blank_values=True))
    length = int(handler.headers.get("Content-Length") or 0)
    body = handler.rfile.read(length) if length > 0 else b""
    if not body:
        return params
    kind = handler.headers.get("Content-Type") or ""
    if "json" in kind:
        loaded = json.loads(body)
        if isinstance(loaded, dict):
            params.update(loaded)
    elif kind.startswith("multipart/form-data"):
        message = BytesParser(policy=HTTP).parsebytes(f"Content-Type: {kind}\r\n\r\n".encode() + body)
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            content = part.get_content()
            params.update(_decode_values([(str(name), content if isinstance(content, str) else content.decode())]))
    else:
        params.update(_decode_values(parse_qsl(body.decode("utf-8"), keep_blank_values=True)))
    return params


class FakeServer:
    """A fake API on 127.0.0.1 (a free port) served from a background thread."""

    def __init__(self, faults: Faults) -> None:
        self.plan = FaultPlan(faults)
        self.cond = threading.Condition()
        self.closing = False
        self.calls: Counter[str] = Counter()  # method -> calls
        self.statuses: Counter[tuple[str, int]] = Counter()  # (method, HTTP status) -> answers
        self._server = _Server(("127.0.0.1", 0), self._handler_class())
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.1,), daemon=True)

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        with self.cond:
            self.closing = True
            self.cond.notify_all()  # ends pending long polls
        self._server.shutdown()
        self._server.server_close()

    def dispatch(self, path: str, params: Json, headers: dict[str, str], arrived: float) -> Reply:
        raise NotImplementedError

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _serve(self) -> None:
                arrived = time.monotonic()
                path, _, query = self.path.partition("?")
                try:
                    params = read_params(self, query)
                except (ValueError, UnicodeDecodeError):
                    self._reply(400, {"ok": False, "error": "invalid_form_data"}, {})
                    return
                status, body, headers = fake.dispatch(
                    path, params, {k.lower(): v for k, v in self.headers.items()}, arrived
                )
                if fake.plan.faults.delay > 0:
                    time.sleep(fake.plan.faults.delay)
                self._reply(status, body, headers)

            do_GET = _serve
            do_POST = _serve

            def _reply(self, status: int, body: Json, headers: dict[str, str]) -> None:
                data = json.dumps(body, ensure_ascii=False).encode()
                try:
                    self.send_response(status)
                    for name, value in headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Type", "application/json; charset=utf-8")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except OSError:  # the client is gone (a killed bot, a cancelled long poll)
                    self.close_connection = True

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler


# -- Telegram ---------------------------------------------------------------------------------------------


class TelegramError(Exception):
    def __init__(self, code: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.code, self.description, self.retry_after = code, description, retry_after


@dataclass(slots=True)
class TgQuestion:
    """A user's message to the bot, as the load put it on the fake."""

    update_id: int
    chat_id: int
    message_id: int
    available: float  # when the fake made it available (queued for getUpdates, or for the webhook pusher)
    update: Json


@dataclass(frozen=True, slots=True)
class TgSend:
    """A sendMessage that landed."""

    at: float  # when it arrived at the fake
    chat_id: int
    reply_to: int | None
    text: str
    message_id: int
    markup: Json | None = None  # the inline keyboard (reply_markup), for the buttons a user may press


class FakeTelegram(FakeServer):
    """The Bot API at /bot<token>/<method>: long polling with Telegram's offset rules, or webhook pushes."""

    def __init__(self, faults: Faults, token: str = TELEGRAM_TOKEN) -> None:
        super().__init__(faults)
        self.token = token
        self.me: Json = {
            "id": TELEGRAM_BOT_ID,
            "is_bot": True,
            "first_name": "coopbot",
            "username": TELEGRAM_USERNAME,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }
        self.pending: list[Json] = []  # updates not yet confirmed by a getUpdates offset, oldest first
        self.sends: list[TgSend] = []  # in the order they arrived
        self.edits: list[TgSend] = []  # editMessageText calls, the edited message's id as message_id
        self.replied: set[tuple[int, int]] = set()  # (chat, message) answered at least once
        self.polls: list[float] = []  # arrival of every getUpdates
        self.webhook_sets: list[float] = []  # arrival of every setWebhook
        self.last_send = 0.0  # arrival of the latest sendMessage attempt, landed or not
        self.pusher: WebhookPusher | None = None
        self._chats: dict[int, Json] = {}
        self._update_ids = itertools.count(100_000)
        self._message_ids = itertools.count(1)
        self._poll_generation = 0

    # the users' side

    def post_messages(self, items: list[tuple[Json, Json, str]]) -> list[TgQuestion]:
        """Messages (chat, from, text) that mention the bot, made available all at once."""
        now = int(time.time())
        questions: list[TgQuestion] = []
        with self.cond:
            for chat, user, text in items:
                self._chats[chat["id"]] = chat
                message: Json = {"message_id": next(self._message_ids), "date": now, "chat": chat, "from": user}
                message["text"] = text
                mention = "@" + TELEGRAM_USERNAME
                if text.startswith(mention):
                    message["entities"] = [{"type": "mention", "offset": 0, "length": len(mention)}]
                update_id = next(self._update_ids)
                update = {"update_id": update_id, "message": message}
                questions.append(TgQuestion(update_id, chat["id"], message["message_id"], 0.0, update))
        available = self.post_updates([q.update for q in questions])
        for question in questions:
            question.available = available
        return questions

    def post_updates(self, updates: list[Json]) -> float:
        """Updates of any kind (their update_id from `new_update_id`) made available at once; when."""
        with self.cond:
            available = time.monotonic()
            if self.pusher is None:
                self.pending.extend(updates)
                self.cond.notify_all()
        if self.pusher is not None:
            self.pusher.push(updates)
        return available

    def new_update_id(self) -> int:
        with self.cond:
            return next(self._update_ids)

    def new_message_id(self) -> int:
        with self.cond:
            return next(self._message_ids)

    def redeliver(self, questions: list[TgQuestion]) -> None:
        """Push these updates to the webhook again, with their update_ids (as Telegram does after a failure)."""
        if self.pusher is not None:
            self.pusher.push([q.update for q in questions])

    # what the bot did

    def polled_since(self, since: float) -> bool:
        with self.cond:
            return any(t >= since for t in self.polls)

    def webhook_set_since(self, since: float) -> bool:
        with self.cond:
            return any(t >= since for t in self.webhook_sets)

    def answered(self) -> int:
        with self.cond:
            return len(self.replied)

    def snapshot(self) -> list[TgSend]:
        with self.cond:
            return list(self.sends)

    # the API

    def dispatch(self, path: str, params: Json, headers: dict[str, str], arrived: float) -> Reply:
        match = re.fullmatch(r"/bot([^/]+)/(\w+)", path)
        if not match:
            return 404, {"ok": False, "error_code": 404, "description": "Not Found"}, {}
        if match.group(1) != self.token:
            return 401, {"ok": False, "error_code": 401, "description": "Unauthorized"}, {}
        method = match.group(2)
        with self.cond:
            self.calls[method] += 1
        handler: Callable[[Json, float], Any] | None = getattr(self, f"_api_{method}", None)
        try:
            result = handler(params, arrived) if handler is not None else True
        except TelegramError as err:
            body: Json = {"ok": False, "error_code": err.code, "description": err.description}
            if err.retry_after is not None:
                body["parameters"] = {"retry_after": err.retry_after}
            status = err.code
        else:
            body, status = {"ok": True, "result": result}, 200
        with self.cond:
            self.statuses[(method, status)] += 1
        return status, body, {}

    def _api_getMe(self, params: Json, arrived: float) -> Json:
        return self.me

    def _api_getUpdates(self, params: Json, arrived: float) -> list[Json]:
        offset = int(params.get("offset") or 0)
        timeout = float(params.get("timeout") or 0)
        limit = min(max(int(params.get("limit") or 100), 1), 100)
        allowed = params.get("allowed_updates") or []
        with self.cond:
            self.polls.append(arrived)
            if self.pusher is not None:
                raise TelegramError(409, "Conflict: can't use getUpdates method while webhook is active")
            # Telegram forgets updates below the offset (a negative offset keeps the last -offset ones).
            if offset > 0:
                self.pending = [u for u in self.pending if u["update_id"] >= offset]
            elif offset < 0:
                self.pending = self.pending[offset:]
            self._poll_generation += 1
            generation = self._poll_generation
            deadline = arrived + timeout
            while True:
                if generation != self._poll_generation:  # as Telegram does when a second poller comes
                    raise TelegramError(409, "Conflict: terminated by other getUpdates request")
                ready = [u for u in self.pending if not allowed or any(kind in u for kind in allowed)][:limit]
                left = deadline - time.monotonic()
                if ready or left <= 0 or self.closing:
                    return ready
                self.cond.wait(left)

    def _api_sendMessage(self, params: Json, arrived: float) -> Json:
        chat_id = int(params.get("chat_id") or 0)
        with self.cond:
            self.last_send = max(self.last_send, arrived)
        wait = self.plan.retry_after(str(chat_id), arrived)
        if wait is not None:
            raise TelegramError(429, f"Too Many Requests: retry after {wait}", retry_after=wait)
        fault = self.plan.roll()
        if fault == "before":
            raise TelegramError(500, "Internal Server Error")
        text = str(params.get("text", ""))
        reply_to = _reply_to(params)
        with self.cond:
            chat = self._chats.get(chat_id) or {"id": chat_id, "type": "supergroup", "title": str(chat_id)}
            message: Json = {
                "message_id": next(self._message_ids),
                "date": int(time.time()),
                "chat": chat,
                "from": self.me,
                "text": text,
            }
            markup = params.get("reply_markup") if isinstance(params.get("reply_markup"), dict) else None
            self.sends.append(TgSend(arrived, chat_id, reply_to, text, message["message_id"], markup))
            if reply_to is not None:
                self.replied.add((chat_id, reply_to))
            self.cond.notify_all()
        if fault == "after":
            raise TelegramError(500, "Internal Server Error")
        return message

    def _api_editMessageText(self, params: Json, arrived: float) -> Json:
        chat_id = int(params.get("chat_id") or 0)
        chat = self._chats.get(chat_id) or {"id": chat_id, "type": "supergroup", "title": str(chat_id)}
        with self.cond:
            text, message_id = str(params.get("text", "")), int(params.get("message_id") or 0)
            self.edits.append(TgSend(arrived, chat_id, None, text, message_id))
            self.cond.notify_all()
        return {
            "message_id": int(params.get("message_id") or 0),
            "date": int(time.time()),
            "edit_date": int(time.time()),
            "chat": chat,
            "from": self.me,
            "text": str(params.get("text", "")),
        }

    def _api_getWebhookInfo(self, params: Json, arrived: float) -> Json:
        with self.cond:
            url = self.pusher.url if self.pusher else ""
            return {"url": url, "has_custom_certificate": False, "pending_update_count": len(self.pending)}

    def _api_setWebhook(self, params: Json, arrived: float) -> bool:
        url = str(params.get("url") or "")
        if not url:
            return self._api_deleteWebhook(params, arrived)
        secret = params.get("secret_token")
        if secret is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", str(secret)):
            raise TelegramError(400, "Bad Request: secret token contains unallowed characters")
        workers = min(int(params.get("max_connections") or WEBHOOK_WORKERS), 100)
        with self.cond:
            old, self.pusher = self.pusher, WebhookPusher(url, None if secret is None else str(secret), workers)
            backlog = [] if _flag(params.get("drop_pending_updates")) else self.pending
            self.pending = []
            self.webhook_sets.append(arrived)
            self.cond.notify_all()  # a pending long poll now ends with 409
        if old is not None:
            backlog = old.close() + backlog
        self.pusher.push(backlog)
        return True

    def _api_deleteWebhook(self, params: Json, arrived: float) -> bool:
        with self.cond:
            old, self.pusher = self.pusher, None
        undelivered = old.close() if old is not None else []  # Telegram keeps them for getUpdates
        with self.cond:
            self.pending = [] if _flag(params.get("drop_pending_updates")) else undelivered + self.pending
        return True

    def stop(self) -> None:
        if self.pusher is not None:
            self.pusher.close()
        super().stop()


def _flag(value: Any) -> bool:
    return value in (True, "true", "True", "1", 1)


def _reply_to(params: Json) -> int | None:
    reply = params.get("reply_parameters")
    if isinstance(reply, str):
        try:
            reply = json.loads(reply)
        except ValueError:
            reply = None
    message_id = reply.get("message_id") if isinstance(reply, dict) else params.get("reply_to_message_id")
    try:
        return int(message_id) if message_id is not None else None
    except (TypeError, ValueError):
        return None


class WebhookPusher:
    """Telegram's side of a webhook: POSTs each update as JSON with the secret header, retrying until a 200.

    Up to `workers` connections at once, but one update at a time per chat, in order (so the bot's own
    ordering is what the order figure measures)."""

    def __init__(self, url: str, secret: str | None, workers: int) -> None:
        self.url, self.secret = url, secret
        parts = urlsplit(url)
        self._host, self._port = parts.hostname or "127.0.0.1", parts.port or 80
        self._path = parts.path or "/"
        self.statuses: Counter[str] = Counter()  # HTTP status or error kind of every attempt
        self._cond = threading.Condition()
        self._queue: list[Json] = []
        self._busy: set[int] = set()  # chats with an update in flight
        self._in_flight = 0
        self._closing = False
        self._threads = [threading.Thread(target=self._work, daemon=True) for _ in range(max(1, workers))]
        for thread in self._threads:
            thread.start()

    def push(self, updates: list[Json]) -> None:
        with self._cond:
            self._queue.extend(updates)
            self._cond.notify_all()

    def idle(self) -> bool:
        with self._cond:
            return not self._queue and not self._in_flight

    def close(self) -> list[Json]:
        """Stop pushing; the updates not delivered yet."""
        with self._cond:
            self._closing = True
            left, self._queue = self._queue, []
            self._cond.notify_all()
        return left

    def _take(self) -> Json | None:
        with self._cond:
            while not self._closing:
                for i, update in enumerate(self._queue):
                    chat = _chat_of(update)
                    if chat not in self._busy:
                        del self._queue[i]
                        self._busy.add(chat)
                        self._in_flight += 1
                        return update
                self._cond.wait(0.5)
            return None

    def _work(self) -> None:
        conn: http.client.HTTPConnection | None = None
        while (update := self._take()) is not None:
            attempt = 0
            try:
                while not self._closing:
                    conn, status = self._post(conn, update)
                    with self._cond:
                        self.statuses[status] += 1
                    if status == "200":
                        break
                    attempt += 1
                    time.sleep(min(0.25 * 2**attempt, 4.0))
            finally:
                with self._cond:
                    self._busy.discard(_chat_of(update))
                    self._in_flight -= 1
                    self._cond.notify_all()
        if conn is not None:
            conn.close()

    def _post(
        self, conn: http.client.HTTPConnection | None, update: Json
    ) -> tuple[http.client.HTTPConnection | None, str]:
        headers = {"Content-Type": "application/json"}  # exactly this: python-telegram-bot refuses anything else
        if self.secret is not None:
            headers["X-Telegram-Bot-Api-Secret-Token"] = self.secret
        result = exchange(conn, self._host, self._port, self._path, json.dumps(update).encode(), headers)
        if result.stale:
            with self._cond:
                self.statuses["stale keep-alive"] += 1
        return result.conn, result.outcome


@dataclass(frozen=True, slots=True)
class Exchange:
    conn: http.client.HTTPConnection | None  # to reuse, unless the server closed it
    outcome: str  # the HTTP status, or the kind of connection failure
    took: float | None  # seconds until the whole answer was read
    headers: dict[str, str]
    stale: bool  # a kept-alive connection had been closed by the server and was replaced


def exchange(
    conn: http.client.HTTPConnection | None,
    host: str,
    port: int,
    path: str,
    body: bytes,
    headers: dict[str, str],
    timeout: float = WEBHOOK_TIMEOUT,
) -> Exchange:
    """One POST over a kept-alive connection (or a new one). A kept-alive connection the server has closed
    meanwhile (its idle timeout) is replaced once, as HTTP clients do: that is no reset of a live request."""
    stale = False
    while True:
        reused = conn is not None
        began = time.monotonic()
        try:
            conn = conn or http.client.HTTPConnection(host, port, timeout=timeout)
            conn.request("POST", path, body, headers)
            response = conn.getresponse()
            response.read()
            took = time.monotonic() - began
            answer = {k.lower(): v for k, v in response.getheaders()}
            if response.will_close:
                conn.close()
                conn = None
            return Exchange(conn, str(response.status), took, answer, stale)
        except (OSError, http.client.HTTPException) as err:
            if conn is not None:
                conn.close()
            conn = None
            kind = error_kind(err)
            if reused and kind == "reset" and not stale:
                stale = True
                continue
            return Exchange(None, kind, None, {}, stale)


def _chat_of(update: Json) -> int:
    for kind in ("message", "edited_message"):
        if kind in update:
            return int(update[kind]["chat"]["id"])
    if "callback_query" in update:
        return int(update["callback_query"].get("message", {}).get("chat", {}).get("id", 0))
    return 0


def error_kind(err: BaseException) -> str:
    """A short name for a client-side connection failure."""
    if isinstance(err, TimeoutError | socket.timeout):
        return "timeout"
    if isinstance(err, ConnectionRefusedError):
        return "refused"
    if isinstance(err, ConnectionResetError | BrokenPipeError | ConnectionAbortedError):
        return "reset"
    if isinstance(err, http.client.RemoteDisconnected | http.client.IncompleteRead | http.client.BadStatusLine):
        return "reset"  # closed by the server without (a whole) answer
    return type(err).__name__


# -- Slack ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SlackPost:
    """A chat.postMessage that landed."""

    at: float
    channel: str
    thread_ts: str | None
    ts: str
    text: str
    metadata: Json | None


@dataclass(slots=True)
class _Message:
    ts: str
    user: str
    text: str
    thread_ts: str | None = None
    bot: bool = False
    metadata: Json | None = None
    extra: Json = field(default_factory=dict)

    def as_json(self, with_metadata: bool) -> Json:
        message: Json = {"type": "message", "user": self.user, "text": self.text, "ts": self.ts, "team": SLACK_TEAM}
        if self.thread_ts:
            message["thread_ts"] = self.thread_ts
        if self.bot:
            message |= {"bot_id": SLACK_BOT_ID, "app_id": SLACK_APP}
        if with_metadata and self.metadata is not None:
            message["metadata"] = self.metadata
        return message | self.extra


class FakeSlack(FakeServer):
    """The Web API at /api/<method> (Bearer token): auth.test, chat.postMessage, conversations.replies and
    .history over every landed post and every user message the load announced, conversations.info and
    users.info (every conversation internal, every person a member); other methods answer ok."""

    def __init__(self, faults: Faults, token: str = SLACK_TOKEN) -> None:
        super().__init__(faults)
        self.token = token
        self.posts: list[SlackPost] = []  # in the order they landed
        self.threads: Counter[str] = Counter()  # thread_ts -> posts in it
        self.last_post_attempt = 0.0
        self._channels: dict[str, list[_Message]] = {}

    def add_user_message(self, channel: str, ts: str, user: str, text: str) -> None:
        """A message a person posted (the event the load is about to send), so threads have their parent."""
        with self.cond:
            self._channels.setdefault(channel, []).append(_Message(ts, user, text))

    def answered(self) -> int:
        with self.cond:
            return len(self.threads)

    def snapshot(self) -> list[SlackPost]:
        with self.cond:
            return list(self.posts)

    def dispatch(self, path: str, params: Json, headers: dict[str, str], arrived: float) -> Reply:
        if not path.startswith("/api/"):
            return 404, {"ok": False, "error": "not_found"}, {}
        method = path.removeprefix("/api/")
        token = headers.get("authorization", "").removeprefix("Bearer ") or str(params.get("token") or "")
        with self.cond:
            self.calls[method] += 1
        if token != self.token:
            reply: Reply = (200, {"ok": False, "error": "invalid_auth"}, {})
        else:
            handler: Callable[[Json, float], Reply] | None = getattr(self, "_api_" + method.replace(".", "_"), None)
            try:
                reply = handler(params, arrived) if handler is not None else (200, {"ok": True}, {})
            except (KeyError, TypeError, ValueError) as err:
                reply = (200, {"ok": False, "error": "invalid_arguments", "detail": str(err)}, {})
        with self.cond:
            self.statuses[(method, reply[0])] += 1
        return reply

    def _api_auth_test(self, params: Json, arrived: float) -> Reply:
        body = {"ok": True, "url": "https://load.slack.com/", "team": "load", "user": "coopbot", "team_id": SLACK_TEAM,
                "user_id": SLACK_BOT_USER, "bot_id": SLACK_BOT_ID, "is_enterprise_install": False}  # fmt: skip
        return 200, body, {}

    def _api_chat_postMessage(self, params: Json, arrived: float) -> Reply:
        channel = str(params["channel"])
        with self.cond:
            self.last_post_attempt = max(self.last_post_attempt, arrived)
        wait = self.plan.retry_after(channel, arrived)
        if wait is not None:
            return 429, {"ok": False, "error": "ratelimited"}, {"Retry-After": str(wait)}
        fault = self.plan.roll()
        if fault == "before":
            return 500, {"ok": False, "error": "internal_error"}, {}
        thread = str(params["thread_ts"]) if params.get("thread_ts") else None
        metadata = params.get("metadata") if isinstance(params.get("metadata"), dict) else None
        text = str(params.get("text") or "")
        with self.cond:
            ts = new_ts()
            message = _Message(ts, SLACK_BOT_USER, text, thread, bot=True, metadata=metadata)
            self._channels.setdefault(channel, []).append(message)
            self.posts.append(SlackPost(arrived, channel, thread, ts, text, metadata))
            if thread:
                self.threads[thread] += 1
            self.cond.notify_all()
        if fault == "after":
            return 500, {"ok": False, "error": "internal_error"}, {}
        return 200, {"ok": True, "channel": channel, "ts": ts, "message": message.as_json(True)}, {}

    def _api_chat_update(self, params: Json, arrived: float) -> Reply:
        channel, ts = str(params["channel"]), str(params["ts"])
        with self.cond:
            found = next((m for m in self._channels.get(channel, []) if m.ts == ts), None)
            if found is None:
                return 200, {"ok": False, "error": "message_not_found"}, {}
            found.text = str(params.get("text") or found.text)
            if isinstance(params.get("metadata"), dict):
                found.metadata = params["metadata"]
            return 200, {"ok": True, "channel": channel, "ts": ts, "text": found.text}, {}

    def _api_conversations_info(self, params: Json, arrived: float) -> Reply:
        # Every conversation of the load is internal to the workspace: staff may read staff-only material there.
        channel = str(params["channel"])
        info = {"id": channel, "is_im": channel.startswith("D"), "is_channel": channel.startswith("C"),
                "is_shared": False, "is_ext_shared": False, "is_pending_ext_shared": False}  # fmt: skip
        return 200, {"ok": True, "channel": info}, {}

    def _api_users_info(self, params: Json, arrived: float) -> Reply:
        user = {"id": str(params["user"]), "team_id": SLACK_TEAM, "is_restricted": False, "is_ultra_restricted": False}
        return 200, {"ok": True, "user": user}, {}

    def _api_conversations_replies(self, params: Json, arrived: float) -> Reply:
        channel, ts = str(params["channel"]), str(params["ts"])
        with_metadata = _flag(params.get("include_all_metadata"))
        with self.cond:
            messages = self._channels.get(channel, [])
            parent = next((m for m in messages if m.ts == ts), None)
            if parent is None:
                return 200, {"ok": False, "error": "thread_not_found"}, {}
            replies = sorted((m for m in messages if m.thread_ts == ts and m.ts != ts), key=lambda m: ts_value(m.ts))
            replies = [m for m in replies if _within(m.ts, params)]
            head = parent.as_json(with_metadata)
            if replies:
                head |= {"thread_ts": ts, "reply_count": len(replies), "latest_reply": replies[-1].ts}
            found = [head, *(m.as_json(with_metadata) for m in replies)]
        return 200, {"ok": True, "messages": found, "has_more": False, "response_metadata": {"next_cursor": ""}}, {}

    def _api_conversations_history(self, params: Json, arrived: float) -> Reply:
        # As Slack: the channel's top-level messages only, newest first; thread replies need conversations.replies.
        channel = str(params["channel"])
        with_metadata = _flag(params.get("include_all_metadata"))
        with self.cond:
            messages = [
                m
                for m in self._channels.get(channel, [])
                if (not m.thread_ts or m.thread_ts == m.ts) and _within(m.ts, params)
            ]
            found = [m.as_json(with_metadata) for m in sorted(messages, key=lambda m: ts_value(m.ts), reverse=True)]
        return 200, {"ok": True, "messages": found, "has_more": False, "response_metadata": {"next_cursor": ""}}, {}


def _within(ts: str, params: Json) -> bool:
    """Whether ts lies between the `oldest` and `latest` parameters (exclusive unless `inclusive`)."""
    value, inclusive = ts_value(ts), _flag(params.get("inclusive"))
    oldest = ts_value(params.get("oldest")) if params.get("oldest") else None
    latest = ts_value(params.get("latest")) if params.get("latest") else None
    if oldest is not None and (value < oldest or (value == oldest and not inclusive)):
        return False
    return latest is None or value < latest or (value == latest and inclusive)
