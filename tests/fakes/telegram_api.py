"""A fake Telegram Bot API server on 127.0.0.1 for the end-to-end tests of the Telegram adapter.

It speaks the part of the Bot API that coopbot uses the way the real server does: methods at
`/bot<token>/<method>`, parameters form-encoded with JSON values for objects, replies
`{"ok": true, "result": ...}` or `{"ok": false, "error_code": ..., "description": ...}`. It rejects
what the real server rejects (HTML that does not parse, text over 4096 characters, callback_data
over 64 bytes, getUpdates while a webhook is set) so a rendering bug fails a test instead of
passing silently, and it injects faults on request (429 with retry_after, dropped connections).

Tests play the users: `say`, `send_non_text`, `edit`, `press` queue updates that the bot
long-polls with getUpdates (or, with a webhook set, push them to it); `wait_replies` waits for
what the bot sent.
"""

from __future__ import annotations

import html
import json
import re
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, TypeVar
from urllib.parse import parse_qsl

T = TypeVar("T")
Json = dict[str, Any]

BOT_ID = 7000000001
TOKEN = "7000000001:AAFakeTokenForCoopbotTests_0123456789"
MAX_TEXT = 4096  # characters (UTF-16 code units) after entity parsing
MAX_CALLBACK_DATA = 64  # bytes

ALICE: Json = {"id": 1001, "is_bot": False, "first_name": "Alice", "language_code": "en"}
MINJUN: Json = {"id": 1002, "is_bot": False, "first_name": "민준", "language_code": "ko"}
BATBAYAR: Json = {"id": 1003, "is_bot": False, "first_name": "Batbayar", "language_code": "mn"}
DELEGATION: Json = {"id": -1001234567890, "type": "supergroup", "title": "Delegation to PPS"}

_TAGS = {
    "b",
    "strong",
    "i",
    "em",
    "u",
    "ins",
    "s",
    "strike",
    "del",
    "span",
    "tg-spoiler",
    "a",
    "code",
    "pre",
    "blockquote",
    "tg-emoji",
}
_HTML_TOKEN = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[^<>]*)?)>|&(lt|gt|amp|quot|#\d+|#x[0-9a-fA-F]+);")
_COMMAND = re.compile(r"^/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]+)?")
_MENTION = re.compile(r"@[A-Za-z0-9_]{5,32}")


class ApiError(Exception):
    def __init__(self, code: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.code, self.description, self.retry_after = code, description, retry_after


def u16len(text: str) -> int:
    """Telegram measures text and entity offsets in UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def parse_html(text: str) -> str:
    """The visible text of a message in parse mode HTML, or ApiError where Telegram would refuse it."""
    out: list[str] = []
    stack: list[str] = []
    pos = 0
    for token in _HTML_TOKEN.finditer(text):
        out.append(_plain_between(text[pos : token.start()]))
        pos = token.end()
        closing, tag, _attrs, entity = token.groups()
        if entity:
            out.append(html.unescape(f"&{entity};"))
        elif tag.lower() not in _TAGS:
            raise ApiError(400, f'Bad Request: can\'t parse entities: Unsupported start tag "{tag}"')
        elif not closing:
            stack.append(tag.lower())
        elif not stack or stack.pop() != tag.lower():
            raise ApiError(400, f'Bad Request: can\'t parse entities: Unmatched end tag "{tag}"')
    out.append(_plain_between(text[pos:]))
    if stack:
        raise ApiError(400, f"Bad Request: can't parse entities: Can't find end tag corresponding to \"{stack[-1]}\"")
    return "".join(out)


def _plain_between(chunk: str) -> str:
    for char in "<>&":
        if char in chunk:
            raise ApiError(400, f"Bad Request: can't parse entities: unescaped {char!r} in {chunk[:40]!r}")
    return chunk


@dataclass
class Sent:
    """A message the bot sent (or its latest edit), as the tests inspect it."""

    chat_id: int
    message_id: int
    html: str  # the text parameter exactly as the bot sent it
    text: str  # what a user sees
    buttons: list[tuple[str, str]] = field(default_factory=list)  # (text, callback_data), row by row
    reply_to: int | None = None
    parse_mode: str | None = None
    edits: int = 0
    message: Json = field(default_factory=dict)  # the Message object the API returned


@dataclass
class Fault:
    kind: str  # "error" (reply with error_code) or "drop" (close the connection without a reply)
    code: int = 429
    retry_after: int | None = None
    description: str = "Too Many Requests: retry after 1"


class FakeTelegram:
    """The fake Bot API. Use as a context manager; `base_url` is python-telegram-bot's base_url form."""

    def __init__(self, token: str = TOKEN, username: str = "coopbot_test_bot") -> None:
        self.token = token
        self.me: Json = {
            "id": BOT_ID,
            "is_bot": True,
            "first_name": "coopbot",
            "username": username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }
        self.calls: list[tuple[str, Json]] = []  # every answered request, in order: (method, parameters)
        self.arrived: list[str] = []  # every request's method as it arrives (a long poll answers later)
        self.sent: list[Sent] = []
        self.callback_answers: list[Json] = []
        self.commands: dict[tuple[str, str], list[Json]] = {}  # (scope type, language_code) -> commands
        self.webhook: Json = {}
        self.confirmed_offset = 0  # updates below this were confirmed by a getUpdates offset
        self.delivered = 0  # the highest update_id a getUpdates call returned
        self.last_update_id = 0  # the newest update the users made
        self._cond = threading.Condition()
        self._updates: list[Json] = []
        self._next_update_id = 500
        self._next_message_id = 1
        self._messages: dict[tuple[int, int], Json] = {}
        self._chats: dict[int, Json] = {}
        self._open_queries: set[str] = set()
        self._faults: dict[str, list[Fault]] = {}
        self._closing = False
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), name="fake-telegram", daemon=True
        )

    # -- lifecycle -------------------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/bot"

    def __enter__(self) -> FakeTelegram:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        with self._cond:
            self._closing = True
            self._cond.notify_all()  # releases pending long polls
        self._server.shutdown()
        self._server.server_close()

    # -- the users' side ---------------------------------------------------------------------------------

    def say(self, text: str, *, user: Json = ALICE, chat: Json | None = None, reply_to: Json | None = None) -> Json:
        """A user sends a text message; commands and @mentions get entities as Telegram adds them."""
        message = self._user_message(user, chat, reply_to)
        message["text"] = text
        entities = _entities(text)
        if entities:
            message["entities"] = entities
        return self._push("message", message)

    def send_non_text(
        self, kind: str, *, user: Json = ALICE, chat: Json | None = None, reply_to: Json | None = None
    ) -> Json:
        """A sticker, photo, voice message, location or file."""
        payloads: dict[str, Json] = {
            "sticker": {
                "sticker": {
                    "file_id": "st1",
                    "file_unique_id": "u1",
                    "type": "regular",
                    "width": 512,
                    "height": 512,
                    "is_animated": False,
                    "is_video": False,
                    "emoji": "👍",
                }
            },
            "photo": {"photo": [{"file_id": "ph1", "file_unique_id": "u2", "width": 90, "height": 90}]},
            "voice": {"voice": {"file_id": "vo1", "file_unique_id": "u3", "duration": 3}},
            "location": {"location": {"latitude": 36.35, "longitude": 127.38}},
            "document": {"document": {"file_id": "do1", "file_unique_id": "u4", "file_name": "q.pdf"}},
        }
        message = self._user_message(user, chat, reply_to)
        message.update(payloads[kind])
        return self._push("message", message)

    def edit(self, message: Json, text: str) -> Json:
        """The user edits a message they sent earlier."""
        edited = {**message, "text": text, "edit_date": int(time.time())}
        edited.pop("entities", None)
        if _entities(text):
            edited["entities"] = _entities(text)
        return self._push("edited_message", edited)

    def message_of(self, sent: Sent) -> Json:
        """The message the bot sent, as Telegram shows it in a reply to it."""
        with self._cond:
            return dict(self._messages[(sent.chat_id, sent.message_id)])

    def press(self, sent: Sent, button: int | str = 0, *, user: Json = ALICE) -> Json:
        """A user presses an inline button (by index or by its text) under a message the bot sent."""
        texts = [text for text, _ in sent.buttons]
        index = button if isinstance(button, int) else texts.index(button)
        with self._cond:
            query_id = f"cq{self._next_update_id}"
            self._open_queries.add(query_id)
        query = {
            "id": query_id,
            "from": user,
            "message": self._messages[(sent.chat_id, sent.message_id)],
            "chat_instance": "ci1",
            "data": sent.buttons[index][1],
        }
        return self._push("callback_query", query)

    def push_webhook(self, update: Json, secret_token: str | None) -> int:
        """POST one update to the registered webhook, as Telegram does; returns the HTTP status."""
        headers = {"Content-Type": "application/json"}
        if secret_token is not None:
            headers["X-Telegram-Bot-Api-Secret-Token"] = secret_token
        request = urllib.request.Request(self.webhook["url"], json.dumps(update).encode(), headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=5) as response:
                return response.status
        except urllib.error.HTTPError as err:
            return err.code

    def update(self, kind: str, payload: Json) -> Json:
        """A raw update of any type, for cases the helpers above do not cover."""
        return self._push(kind, payload)

    # -- faults --------------------------------------------------------------------------------------------

    def fail_next(self, method: str, *, code: int = 429, retry_after: int | None = 1, description: str = "") -> None:
        text = description or (f"Too Many Requests: retry after {retry_after}" if code == 429 else "Bad Request")
        self._faults.setdefault(method, []).append(Fault("error", code, retry_after, text))

    def drop_next(self, method: str) -> None:
        """The next call of `method` gets its connection closed without a reply (a network error)."""
        self._faults.setdefault(method, []).append(Fault("drop"))

    # -- what the bot did ---------------------------------------------------------------------------------

    def replies(self, chat_id: int) -> list[Sent]:
        with self._cond:
            return [s for s in self.sent if s.chat_id == chat_id]

    def wait_for(self, condition: Callable[[], T], timeout: float = 8.0, what: str = "condition") -> T:
        """Wait until condition() is truthy (it is re-checked whenever the fake handles a request)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while not (result := condition()):
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"timed out waiting for {what}; calls: {[m for m, _ in self.calls][-15:]}")
                self._cond.wait(min(left, 0.2))
            return result

    def wait_replies(self, chat_id: int, count: int = 1, *, after: int = 0, timeout: float = 8.0) -> list[Sent]:
        """The bot's messages to chat_id after the first `after` of them, once there are `count`."""
        return self.wait_for(
            lambda: (r := self.replies(chat_id)[after:]) and len(r) >= count and r,
            timeout,
            f"{count} repl(y/ies) in chat {chat_id}",
        )

    def calls_of(self, method: str) -> list[Json]:
        with self._cond:
            return [params for name, params in self.calls if name == method]

    def pending_updates(self) -> list[Json]:
        with self._cond:
            return [u for u in self._updates if u["update_id"] >= self.confirmed_offset]

    # -- internals -------------------------------------------------------------------------------------------

    def _user_message(self, user: Json, chat: Json | None, reply_to: Json | None) -> Json:
        chat = chat or {"id": user["id"], "type": "private", "first_name": user["first_name"]}
        with self._cond:
            self._chats[chat["id"]] = chat
            message_id = self._new_message_id()
        message: Json = {"message_id": message_id, "date": int(time.time()), "chat": chat, "from": user}
        if reply_to is not None:
            message["reply_to_message"] = reply_to
        with self._cond:
            self._messages[(chat["id"], message_id)] = message
        return message

    def _new_message_id(self) -> int:
        self._next_message_id += 1
        return self._next_message_id

    def _push(self, kind: str, payload: Json) -> Json:
        with self._cond:
            update = {"update_id": self._next_update_id, kind: payload}
            self.last_update_id = self._next_update_id
            self._next_update_id += 1
            webhook = dict(self.webhook)
            if not webhook:
                self._updates.append(update)
                self._cond.notify_all()
        if webhook:
            self.push_webhook(update, webhook.get("secret_token"))
        return payload

    def handle(self, method: str, params: Json) -> Any:
        """Dispatch one API call; returns the result or raises ApiError."""
        handler = getattr(self, f"_api_{method}", None)
        if handler is None:
            raise ApiError(404, "Not Found")
        return handler(params)

    def take_fault(self, method: str) -> Fault | None:
        with self._cond:
            queue = self._faults.get(method)
            return queue.pop(0) if queue else None

    def arrive(self, method: str) -> None:
        with self._cond:
            self.arrived.append(method)
            self._cond.notify_all()

    def record(self, method: str, params: Json) -> None:
        with self._cond:
            self.calls.append((method, params))
            self._cond.notify_all()

    def _api_getMe(self, params: Json) -> Json:
        return self.me

    def _api_deleteWebhook(self, params: Json) -> bool:
        with self._cond:
            self.webhook = {}
            if _flag(params.get("drop_pending_updates")):
                self.confirmed_offset = self._next_update_id
        return True

    def _api_setWebhook(self, params: Json) -> bool:
        secret = params.get("secret_token")
        if secret is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", secret):
            raise ApiError(400, "Bad Request: secret token contains unallowed characters")
        with self._cond:
            self.webhook = {"url": params["url"], "secret_token": secret}
        return True

    def _api_getWebhookInfo(self, params: Json) -> Json:
        return {
            "url": self.webhook.get("url", ""),
            "has_custom_certificate": False,
            "pending_update_count": len(self.pending_updates()),
        }

    def _api_getUpdates(self, params: Json) -> list[Json]:
        offset, timeout = int(params.get("offset", 0)), float(params.get("timeout", 0))
        limit = int(params.get("limit", 100))
        allowed = params.get("allowed_updates") or []
        deadline = time.monotonic() + timeout
        with self._cond:
            if self.webhook:
                raise ApiError(409, "Conflict: can't use getUpdates method while webhook is active")
            self.confirmed_offset = max(self.confirmed_offset, offset)
            while True:
                ready = [u for u in self._updates if u["update_id"] >= self.confirmed_offset]
                ready = [u for u in ready if not allowed or any(k in u for k in allowed)]
                left = deadline - time.monotonic()
                if ready or left <= 0 or self._closing:
                    self.delivered = max([self.delivered] + [u["update_id"] for u in ready[:limit]])
                    return ready[:limit]
                self._cond.wait(left)

    def _api_sendMessage(self, params: Json) -> Json:
        chat = self._chat(params)
        text, plain = self._text(params)
        buttons = _buttons(params.get("reply_markup"))
        reply_to = self._reply_to(chat["id"], params)
        with self._cond:
            message: Json = {
                "message_id": self._new_message_id(),
                "date": int(time.time()),
                "chat": chat,
                "from": self.me,
                "text": plain,
            }
            if isinstance(params.get("reply_markup"), dict) and "inline_keyboard" in params["reply_markup"]:
                message["reply_markup"] = params["reply_markup"]  # a message shows inline keyboards only
            if reply_to is not None:
                message["reply_to_message"] = self._messages[(chat["id"], reply_to)]
            self._messages[(chat["id"], message["message_id"])] = message
            self.sent.append(
                Sent(
                    chat["id"],
                    message["message_id"],
                    text,
                    plain,
                    buttons,
                    reply_to,
                    params.get("parse_mode"),
                    message=message,
                )
            )
        return message

    def _api_editMessageText(self, params: Json) -> Json:
        chat = self._chat(params)
        key = (chat["id"], int(params.get("message_id", 0)))
        text, plain = self._text(params)
        with self._cond:
            record = next((s for s in self.sent if (s.chat_id, s.message_id) == key), None)
            if record is None:
                raise ApiError(400, "Bad Request: message to edit not found")
            buttons = _buttons(params.get("reply_markup"))
            if (plain, buttons) == (record.text, record.buttons):
                raise ApiError(
                    400,
                    "Bad Request: message is not modified: specified new message content and "
                    "reply markup are exactly the same as a current content and reply markup "
                    "of the message",
                )
            message = {**self._messages[key], "text": plain, "edit_date": int(time.time())}
            message.pop("reply_markup", None)
            if params.get("reply_markup"):
                message["reply_markup"] = params["reply_markup"]
            self._messages[key] = message
            record.html, record.text, record.buttons, record.message = text, plain, buttons, message
            record.edits += 1
        return message

    def _api_answerCallbackQuery(self, params: Json) -> bool:
        with self._cond:
            if params.get("callback_query_id") not in self._open_queries:
                raise ApiError(400, "Bad Request: query is too old and response timeout expired or query ID is invalid")
            self._open_queries.discard(params["callback_query_id"])
            self.callback_answers.append(params)
        return True

    def _api_setMyCommands(self, params: Json) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list) or len(commands) > 100:
            raise ApiError(400, "Bad Request: commands must be a list of at most 100 BotCommand")
        for command in commands:
            if not re.fullmatch(r"[a-z0-9_]{1,32}", command.get("command", "")):
                raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
            if not 1 <= len(command.get("description", "")) <= 256:
                raise ApiError(400, "Bad Request: command description must be 1-256 characters")
        scope = (params.get("scope") or {"type": "default"})["type"]
        with self._cond:
            self.commands[(scope, params.get("language_code", ""))] = commands
        return True

    def _api_getMyCommands(self, params: Json) -> list[Json]:
        scope = (params.get("scope") or {"type": "default"})["type"]
        return self.commands.get((scope, params.get("language_code", "")), [])

    def _chat(self, params: Json) -> Json:
        try:
            return self._chats[int(params.get("chat_id", 0))]
        except (KeyError, ValueError):
            raise ApiError(400, "Bad Request: chat not found") from None

    def _text(self, params: Json) -> tuple[str, str]:
        text = str(params.get("text", ""))
        plain = parse_html(text) if str(params.get("parse_mode", "")).upper() == "HTML" else text
        if not plain.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        if u16len(plain) > MAX_TEXT:
            raise ApiError(400, "Bad Request: message is too long")
        return text, plain

    def _reply_to(self, chat_id: int, params: Json) -> int | None:
        reply = params.get("reply_parameters") or {}
        message_id = reply.get("message_id", params.get("reply_to_message_id"))
        if message_id is None:
            return None
        if (chat_id, int(message_id)) in self._messages:
            return int(message_id)
        if reply.get("allow_sending_without_reply"):
            return None
        raise ApiError(400, "Bad Request: message to be replied not found")


def _flag(value: Any) -> bool:
    return value in (True, "true", "True", "1", 1)


def _entities(text: str) -> list[Json]:
    """Entities Telegram's server adds to a plain message: a leading bot_command, and @mentions."""
    found: list[Json] = []
    command = _COMMAND.match(text)
    if command:
        found.append({"type": "bot_command", "offset": 0, "length": u16len(command.group())})
    for mention in _MENTION.finditer(text):
        if command and mention.start() < command.end():
            continue
        found.append({"type": "mention", "offset": u16len(text[: mention.start()]), "length": u16len(mention.group())})
    return found


def _buttons(markup: Any) -> list[tuple[str, str]]:
    if not markup:
        return []
    buttons: list[tuple[str, str]] = []
    for row in markup.get("inline_keyboard", []):
        for button in row:
            data = button.get("callback_data", "")
            if not button.get("text"):
                raise ApiError(400, "Bad Request: text buttons are unallowed in the inline keyboard")
            if not 1 <= len(data.encode()) <= MAX_CALLBACK_DATA:
                raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
            buttons.append((button["text"], data))
    return buttons


def _decode(raw: dict[str, str]) -> Json:
    """Form values are strings; objects and lists come JSON-encoded (python-telegram-bot's encoding)."""
    params: Json = {}
    for key, value in raw.items():
        if value[:1] in "[{":
            try:
                params[key] = json.loads(value)
                continue
            except ValueError:
                pass
        params[key] = value
    return params


def _read_params(handler: BaseHTTPRequestHandler) -> Json:
    body = handler.rfile.read(int(handler.headers.get("Content-Length") or 0))
    kind = handler.headers.get("Content-Type", "")
    if kind.startswith("application/json"):
        return json.loads(body or b"{}")
    if kind.startswith("multipart/form-data"):
        head = f"Content-Type: {kind}\r\n\r\n".encode()
        message = BytesParser(policy=HTTP).parsebytes(head + body)
        parts = {p.get_param("name", header="content-disposition"): p.get_content() for p in message.iter_parts()}
        return _decode({str(k): v if isinstance(v, str) else v.decode() for k, v in parts.items()})
    return _decode(dict(parse_qsl(body.decode(), keep_blank_values=True)))


def _handler_for(fake: FakeTelegram) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            match = re.fullmatch(r"/bot([^/]+)/(\w+)", self.path.split("?")[0])
            params = _read_params(self)
            if not match:
                return self._reply(404, {"ok": False, "error_code": 404, "description": "Not Found"})
            if match.group(1) != fake.token:
                return self._reply(401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
            method = match.group(2)
            fake.arrive(method)
            fault = fake.take_fault(method)
            if fault and fault.kind == "drop":
                fake.record(f"{method}:dropped", params)
                self.close_connection = True
                return None
            try:
                if fault:
                    raise ApiError(fault.code, fault.description, fault.retry_after)
                result = fake.handle(method, params)
            except ApiError as err:
                fake.record(f"{method}:{err.code}", params)
                body: Json = {"ok": False, "error_code": err.code, "description": err.description}
                if err.retry_after is not None:
                    body["parameters"] = {"retry_after": err.retry_after}
                return self._reply(err.code, body)
            fake.record(method, params)
            return self._reply(200, {"ok": True, "result": result})

        do_GET = do_POST

        def _reply(self, status: int, body: Json) -> None:
            data = json.dumps(body, ensure_ascii=False).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            try:
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):  # a client that stopped waiting (a cancelled poll)
                self.close_connection = True

        def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
            pass

    return Handler
