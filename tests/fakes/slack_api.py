"""A fake Slack on 127.0.0.1 for the end-to-end tests of the Slack adapter: both directions.

`FakeSlackApi` is the Web API the adapter calls (SLACK_API_URL points at it) plus the
response_urls Slack hands out. It speaks the Web API the way Slack does: methods at `/api/<method>`,
form-encoded or JSON bodies, the bot token as a Bearer header, `{"ok": true, ...}` or
`{"ok": false, "error": ...}` replies. It records every call and rejects what Slack rejects
(a wrong token, invalid Block Kit, more than 50 blocks, unknown methods), so a rendering bug fails
a test instead of passing silently. It injects faults on request (429 with Retry-After, 5xx).
Who reads a conversation is configurable: `set_channel` makes one shared with another organisation, or
a group DM with members, `set_user` a guest or a person of another team (conversations.info,
conversations.members, users.info); anything not set is an internal channel and a full member.

`Workspace` plays Slack calling the app: it signs requests with the signing secret and POSTs
events (mentions, direct messages, App Home), the /coop command and button clicks.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlencode

from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

Json = dict[str, Any]

TEAM = "TPPS00001"
APP_ID = "ACOOPBOT1"
BOT_USER = "UBOT"
BOT_ID = "BBOT"
BOT_TOKEN = "xoxb-1-coopbot-test-token"
APP_TOKEN = "xapp-1-coopbot-test-token"
SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
MAX_BLOCKS = 50
MAX_VIEW_BLOCKS = 100
MAX_TEXT = 40_000
_IDS = itertools.count(1)


def check_blocks(blocks: Any, limit: int = MAX_BLOCKS) -> list[Any]:
    """Every block parsed and validated by slack_sdk.models.blocks; raises on anything Slack would refuse."""
    if isinstance(blocks, str):
        blocks = json.loads(blocks)
    if not isinstance(blocks, list) or len(blocks) > limit:
        raise ValueError(f"blocks must be a list of at most {limit}")
    parsed = []
    for raw in blocks:
        block = Block.parse(raw)
        if block is None or type(block) is Block:
            raise ValueError(f"unknown block type: {raw.get('type')}")
        block.validate_json()
        parsed.append(block)
    return parsed


def check_view(view: Any) -> View:
    if isinstance(view, str):
        view = json.loads(view)
    parsed = View(**view)
    parsed.validate_json()
    check_blocks(view.get("blocks", []), MAX_VIEW_BLOCKS)
    return parsed


@dataclass
class Call:
    """One request the adapter made: a Web API method, or "response_url" for a POST to a response_url."""

    method: str
    params: Json
    token: str | None
    ok: bool = True
    url_id: str | None = None  # which response_url

    @property
    def text(self) -> str:
        return str(self.params.get("text", ""))

    @property
    def blocks(self) -> list[Json]:
        blocks = self.params.get("blocks") or []
        return json.loads(blocks) if isinstance(blocks, str) else list(blocks)

    def everything(self) -> str:
        """The text and the blocks as one string, for 'appears nowhere' assertions."""
        return self.text + "\n" + json.dumps(self.blocks, ensure_ascii=False)

    def buttons(self) -> list[Json]:
        return [e for b in self.blocks if b["type"] == "actions" for e in b["elements"] if e["type"] == "button"]


@dataclass
class Fault:
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: Json = field(default_factory=lambda: {"ok": False, "error": "fatal_error"})
    landed: bool = False  # the call takes effect, and then the failure is answered (a proxy's 5xx, say)


class FakeSlackApi:
    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.attempts: list[tuple[str, int]] = []  # (method, status) of every request, faults included
        self.history: dict[str, list[Json]] = {}  # the messages posted, by channel, oldest first
        self.socket_url = ""  # what apps.connections.open hands out (a FakeSocketModeServer)
        self.channels: dict[str, Json] = {}  # conversations.info fields set by a test, by channel id
        self.members: dict[str, list[str]] = {}  # conversations.members, by channel id
        self.users: dict[str, Json] = {}  # users.info fields set by a test, by user id
        self._faults: dict[str, list[Fault]] = {}
        self._changed = threading.Condition()
        self._ts = itertools.count(1)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)

    # lifecycle

    def __enter__(self) -> FakeSlackApi:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def url(self) -> str:
        """The Web API base URL (SLACK_API_URL)."""
        return self.base + "/api/"

    def response_url(self, url_id: str) -> str:
        return f"{self.base}/response/{url_id}"

    # test controls

    def fail(
        self,
        method: str,
        status: int,
        times: int = 1,
        retry_after: int | None = None,
        error: str = "",
        *,
        landed: bool = False,
    ) -> None:
        """The next `times` calls of `method` fail: with `status` (429 carries Retry-After), or with
        status 200 and `{"ok": false, "error": error}` as Slack reports a refused call. `landed`: the call
        takes effect (a message is posted) before the failure is answered."""
        headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
        body = {"ok": False, "error": error or ("ratelimited" if status == 429 else "internal_error")}
        with self._changed:
            self._faults.setdefault(method, []).extend(Fault(status, headers, body, landed) for _ in range(times))

    def set_channel(self, channel: str, members: list[str] | None = None, **fields: Any) -> None:
        """conversations.info of `channel` gives these fields (e.g. is_ext_shared=True) over the defaults;
        `members` is what conversations.members lists."""
        with self._changed:
            self.channels[channel] = fields
            if members is not None:
                self.members[channel] = list(members)

    def set_user(self, user: str, **fields: Any) -> None:
        """users.info of `user` gives these fields (e.g. is_restricted=True, team_id="T_OTHER") over the defaults."""
        with self._changed:
            self.users[user] = fields

    def drop_after_landing(self, method: str) -> None:
        """The next call of `method` takes effect, then its connection is closed without a reply (a timeout
        or a reset as the caller sees it)."""
        with self._changed:
            self._faults.setdefault(method, []).append(Fault(0, landed=True))

    def of(self, method: str, containing: str = "", **match: Any) -> list[Call]:
        """Successful calls of `method` whose params include `match` (e.g. channel=..., thread_ts=...)
        and whose text includes `containing`."""
        with self._changed:
            return self._found(method, containing, match)

    def wait_for(
        self, method: str, count: int = 1, timeout: float = 10.0, containing: str = "", **match: Any
    ) -> list[Call]:
        """Wait (woken by every recorded call) until `count` matching calls arrived; fail with what did arrive."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while len(found := self._found(method, containing, match)) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    seen = [(c.method, {k: c.params.get(k) for k in ("channel", "thread_ts")}) for c in self.calls]
                    raise AssertionError(f"{count} x {method} {match} not seen in {timeout}s; calls: {seen[-15:]}")
                self._changed.wait(left)
            return found

    def _found(self, method: str, containing: str, match: Json) -> list[Call]:
        return [c for c in self.calls if c.method == method and c.ok and containing in c.text and _matches(c, match)]

    # the server

    def _record(self, call: Call) -> None:
        with self._changed:
            self.calls.append(call)
            self._changed.notify_all()

    def wait_faults_spent(self, timeout: float = 10.0) -> None:
        """Wait until every fault injected with `fail` has been served."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while any(self._faults.values()):
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"faults not served in {timeout}s: {self._faults}")
                self._changed.wait(left)

    def wait_faults_spent_at_least(self, count: int, method: str = "response_url", timeout: float = 10.0) -> None:
        """Wait until `method` has failed `count` times."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while sum(1 for m, status in self.attempts if m == method and status != 200) < count:
                if time.monotonic() > deadline:
                    raise AssertionError(f"{method} did not fail {count} times in {timeout}s")
                self._changed.wait(0.1)

    def _next_fault(self, method: str) -> Fault | None:
        with self._changed:
            queue = self._faults.get(method)
            fault = queue.pop(0) if queue else None
            self._changed.notify_all()
            return fault

    def _new_ts(self) -> str:
        n = next(self._ts)
        return f"{int(time.time())}.{n:06d}"  # wall-clock seconds, as Slack's are; unique by the counter

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        api = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length).decode("utf-8")
                path, _, query = self.path.partition("?")
                params = dict(parse_qsl(query))
                if "json" in (self.headers.get("Content-Type") or ""):
                    params.update(json.loads(raw or "{}"))
                else:
                    params.update(parse_qsl(raw))
                if path.startswith("/api/"):
                    token = (self.headers.get("Authorization") or "").removeprefix("Bearer ") or params.get("token")
                    status, headers, body = api._web_api(path.removeprefix("/api/"), params, token)
                elif path.startswith("/response/"):
                    status, headers, body = api._response_url(path.removeprefix("/response/"), params)
                else:
                    status, headers, body = 404, {}, "not found"
                if status == 0:  # drop the connection without a reply
                    self.close_connection = True
                    return
                data = (body if isinstance(body, str) else json.dumps(body)).encode("utf-8")
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                ctype = "text/plain" if isinstance(body, str) else "application/json; charset=utf-8"
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler

    def _web_api(self, method: str, params: Json, token: str | None) -> tuple[int, dict[str, str], Json]:
        fault = self._next_fault(method)
        if fault is not None:
            self.attempts.append((method, fault.status))
            if fault.landed:
                self._call(method, params, token)
            return fault.status, fault.headers, fault.body
        self.attempts.append((method, 200))
        return self._call(method, params, token)

    def _call(self, method: str, params: Json, token: str | None) -> tuple[int, dict[str, str], Json]:
        expected = APP_TOKEN if method == "apps.connections.open" else BOT_TOKEN
        if token != expected:
            return 200, {}, {"ok": False, "error": "invalid_auth"}
        handler = _METHODS.get(method)
        if handler is None:
            return 200, {}, {"ok": False, "error": "unknown_method"}
        try:
            body = handler(self, params)
        except (ValueError, KeyError, TypeError, json.JSONDecodeError) as err:
            self._record(Call(method, params, token, ok=False))
            return 200, {}, {"ok": False, "error": "invalid_arguments", "detail": str(err)}
        self._record(Call(method, params, token))
        return 200, {}, body

    def _response_url(self, url_id: str, params: Json) -> tuple[int, dict[str, str], str]:
        fault = self._next_fault("response_url")
        if fault is not None:
            self.attempts.append(("response_url", fault.status))
            return fault.status, fault.headers, "internal_error"
        self.attempts.append(("response_url", 200))
        try:
            if not params.get("delete_original"):
                _check_message(params)
        except (ValueError, TypeError) as err:
            self._record(Call("response_url", params, None, ok=False, url_id=url_id))
            return 400, {}, f"invalid_blocks: {err}"
        self._record(Call("response_url", params, None, url_id=url_id))
        return 200, {}, "ok"

    # Web API methods

    def _auth_test(self, params: Json) -> Json:
        return {"ok": True, "url": "https://pps-test.slack.com/", "team": "PPS", "user": "coopbot",
                "team_id": TEAM, "user_id": BOT_USER, "bot_id": BOT_ID, "is_enterprise_install": False}  # fmt: skip

    def _post_message(self, params: Json) -> Json:
        channel = params["channel"]
        _check_message(params)
        ts = self._new_ts()
        message = {"type": "message", "user": BOT_USER, "bot_id": BOT_ID, "ts": ts, "text": params.get("text", "")}
        if params.get("thread_ts"):
            message["thread_ts"] = params["thread_ts"]
        if params.get("metadata"):
            metadata = params["metadata"]
            message["metadata"] = json.loads(metadata) if isinstance(metadata, str) else metadata
        with self._changed:
            self.history.setdefault(channel, []).append(message)
        return {"ok": True, "channel": channel, "ts": ts, "message": message}

    def _shown(self, message: Json, params: Json) -> Json:
        everything = str(params.get("include_all_metadata", "")).lower() in ("1", "true")
        return message if everything else {k: v for k, v in message.items() if k != "metadata"}

    def _conversations_replies(self, params: Json) -> Json:
        channel, ts = params["channel"], str(params["ts"])
        with self._changed:
            thread = [m for m in self.history.get(channel, []) if ts in (m["ts"], m.get("thread_ts"))]
        return {"ok": True, "messages": [self._shown(m, params) for m in thread], "has_more": False}

    def _conversations_history(self, params: Json) -> Json:
        channel, oldest = params["channel"], float(params.get("oldest") or 0)
        with self._changed:
            newer = [m for m in self.history.get(channel, []) if float(m["ts"]) > oldest]
        return {"ok": True, "messages": [self._shown(m, params) for m in reversed(newer)], "has_more": False}

    def _views_publish(self, params: Json) -> Json:
        if not params.get("user_id"):
            raise ValueError("user_id is required")
        view = check_view(params["view"])
        return {"ok": True, "view": {"id": "VHOME", "type": view.type}}

    def _views_open(self, params: Json) -> Json:
        if not params.get("trigger_id"):
            raise ValueError("trigger_id is required")
        view = check_view(params["view"])
        return {"ok": True, "view": {"id": "VMODAL", "type": view.type}}

    def _conversations_open(self, params: Json) -> Json:
        users = str(params["users"])
        return {"ok": True, "channel": {"id": "D" + users.removeprefix("U")}}

    def _conversations_info(self, params: Json) -> Json:
        channel = str(params["channel"])
        kind = {"C": "is_channel", "G": "is_group", "D": "is_im"}.get(channel[:1], "is_channel")
        info = {"id": channel, "is_channel": False, "is_group": False, "is_im": False, "is_mpim": False,
                "is_private": kind != "is_channel", "is_shared": False, "is_ext_shared": False,
                "is_org_shared": False, "is_pending_ext_shared": False, kind: True}  # fmt: skip
        with self._changed:
            return {"ok": True, "channel": info | self.channels.get(channel, {})}

    def _conversations_members(self, params: Json) -> Json:
        with self._changed:
            members = self.members.get(str(params["channel"]), [])
        return {"ok": True, "members": members, "response_metadata": {"next_cursor": ""}}

    def _users_info(self, params: Json) -> Json:
        user = str(params["user"])
        with self._changed:
            fields = self.users.get(user, {})
        person = {"id": user, "team_id": TEAM, "name": user.lower(), "deleted": False, "is_bot": False,
                  "is_restricted": False, "is_ultra_restricted": False}  # fmt: skip
        return {"ok": True, "user": person | fields}

    def _connections_open(self, params: Json) -> Json:
        if not self.socket_url:
            raise ValueError("no Socket Mode server")
        return {"ok": True, "url": self.socket_url}


def _check_message(params: Json) -> None:
    if not params.get("text") and not params.get("blocks"):
        raise ValueError("no_text")
    if len(str(params.get("text", ""))) > MAX_TEXT:
        raise ValueError("msg_too_long")
    if params.get("blocks"):
        check_blocks(params["blocks"])


_METHODS: dict[str, Callable[[FakeSlackApi, Json], Json]] = {
    "auth.test": FakeSlackApi._auth_test,
    "chat.postMessage": FakeSlackApi._post_message,
    "views.publish": FakeSlackApi._views_publish,
    "conversations.open": FakeSlackApi._conversations_open,
    "views.open": FakeSlackApi._views_open,
    "conversations.replies": FakeSlackApi._conversations_replies,
    "conversations.history": FakeSlackApi._conversations_history,
    "apps.connections.open": FakeSlackApi._connections_open,
    "conversations.info": FakeSlackApi._conversations_info,
    "conversations.members": FakeSlackApi._conversations_members,
    "users.info": FakeSlackApi._users_info,
}


def _matches(call: Call, match: Json) -> bool:
    return all((call.url_id if k == "url_id" else call.params.get(k)) == v for k, v in match.items())


# -- Slack calling the app --------------------------------------------------------------------------------


def sign(body: str, timestamp: int | None = None, secret: str = SIGNING_SECRET) -> dict[str, str]:
    """Slack's v0 request signature headers (https://api.slack.com/authentication/verifying-requests-from-slack)."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={digest}"}


@dataclass
class Reply:
    status: int
    body: str
    headers: dict[str, str]


class Workspace:
    """Slack's side: signed POSTs of events, commands and clicks to the app's /slack/events."""

    def __init__(self, app_url: str, api: FakeSlackApi) -> None:
        self.app_url, self.api = app_url, api
        self._ids: Iterator[int] = _IDS  # shared by every Workspace: ids stay unique on one fake API

    def new_id(self, prefix: str) -> str:
        return f"{prefix}{next(self._ids):05d}"

    def new_ts(self) -> str:
        n = next(self._ids)
        return f"{1_600_000_000 + n}.{n:06d}"

    # raw

    def post(self, body: str, content_type: str, headers: dict[str, str] | None = None, timeout: float = 5) -> Reply:
        request = urllib.request.Request(self.app_url, data=body.encode("utf-8"), method="POST")
        request.add_header("Content-Type", content_type)
        for name, value in (headers if headers is not None else sign(body)).items():
            request.add_header(name, value)
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return Reply(response.status, response.read().decode("utf-8"), dict(response.headers))
        except urllib.error.HTTPError as err:
            return Reply(err.code, err.read().decode("utf-8"), dict(err.headers))

    def send_event(self, event: Json, event_id: str | None = None, retry_num: int | None = None) -> Reply:
        envelope = self.envelope(event, event_id)
        channel = self.api.channels.get(str(event.get("channel")), {})
        envelope["is_ext_shared_channel"] = bool(channel.get("is_ext_shared"))  # as Slack says in every event
        body = json.dumps(envelope)
        headers = sign(body)
        if retry_num is not None:
            headers |= {"X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": "http_timeout"}
        return self.post(body, "application/json", headers)

    @staticmethod
    def envelope(event: Json, event_id: str | None = None) -> Json:
        return {
            "token": "verification-token-unused", "team_id": TEAM, "api_app_id": APP_ID, "event": event,
            "type": "event_callback", "event_id": event_id or f"Ev{time.time_ns()}", "event_time": int(time.time()),
            "authorizations": [{"team_id": TEAM, "user_id": BOT_USER, "is_bot": True}],
        }  # fmt: skip

    # what people do

    def mention_event(self, text: str, channel: str, user: str = "U_MINJI", thread_ts: str | None = None) -> Json:
        event = {"type": "app_mention", "user": user, "text": text, "ts": self.new_ts(), "channel": channel,
                 "team": TEAM, "event_ts": ""}  # fmt: skip
        event["event_ts"] = event["ts"]
        if thread_ts:
            event["thread_ts"] = thread_ts
        return event

    def dm_event(self, text: str, channel: str, user: str = "U_ALEX", **extra: Any) -> Json:
        ts = self.new_ts()
        event = {"type": "message", "channel_type": "im", "channel": channel, "user": user, "text": text,
                 "ts": ts, "event_ts": ts, "team": TEAM}  # fmt: skip
        return {**event, **extra}

    def mention(self, text: str, channel: str, **kw: Any) -> Json:
        event = self.mention_event(text, channel, **kw)
        assert self.send_event(event).status == 200
        return event

    def dm(self, text: str, channel: str, **kw: Any) -> Json:
        event = self.dm_event(text, channel, **kw)
        assert self.send_event(event).status == 200
        return event

    def home_opened(self, user: str) -> Reply:
        return self.send_event({"type": "app_home_opened", "user": user, "channel": "D" + user[1:], "tab": "home",
                                "event_ts": self.new_ts()})  # fmt: skip

    def slash(self, text: str, channel: str, user: str = "U_MINJI", timeout: float = 3) -> tuple[Reply, str]:
        """/coop TEXT; returns the HTTP reply (Slack waits 3 seconds for it) and the response_url's id."""
        form, url_id = self.slash_form(text, channel, user)
        return self.post(urlencode(form), "application/x-www-form-urlencoded", timeout=timeout), url_id

    def slash_form(self, text: str, channel: str, user: str = "U_MINJI") -> tuple[dict[str, str], str]:
        """The form Slack posts for /coop TEXT, and its response_url's id."""
        url_id = self.new_id("cmd")
        form = {"token": "unused", "team_id": TEAM, "team_domain": "pps", "channel_id": channel,
                "channel_name": "cooperation", "user_id": user, "user_name": "minji", "command": "/coop",
                "text": text, "api_app_id": APP_ID, "response_url": self.api.response_url(url_id),
                "trigger_id": self.new_id("trig")}  # fmt: skip
        return form, url_id

    def click(self, button: Json, container: Json, user: str = "U_MINJI", **where: Any) -> tuple[Reply, str]:
        """A block_actions payload for `button`; `where` adds channel/message. Returns the reply, response_url id."""
        action = {"type": "button", "action_id": button["action_id"], "block_id": button.get("block_id", "blk"),
                  "value": button["value"], "text": button["text"], "action_ts": self.new_ts()}  # fmt: skip
        return self.act(action, container, user, **where)

    def select(
        self, menu: Json, option: Json, block_id: str, container: Json, user: str = "U_MINJI"
    ) -> tuple[Reply, str]:
        """A block_actions payload for choosing `option` of the static_select `menu` in block `block_id`."""
        action = {"type": "static_select", "action_id": menu["action_id"], "block_id": block_id,
                  "selected_option": option, "action_ts": self.new_ts()}  # fmt: skip
        return self.act(action, container, user)

    def submit(self, view: Json, values: Json, user: str = "U_MINJI") -> Reply:
        """A view_submission of the modal `view` with its inputs' `values` ({block_id: {action_id: value}})."""
        state = {
            b: {a: {"type": "plain_text_input", "value": v} for a, v in acts.items()} for b, acts in values.items()
        }
        payload = {"type": "view_submission", "team": {"id": TEAM, "domain": "pps"}, "api_app_id": APP_ID,
                   "user": {"id": user, "team_id": TEAM}, "token": "unused", "trigger_id": self.new_id("trig"),
                   "view": {**view, "id": "VMODAL", "state": {"values": state}}}  # fmt: skip
        return self.post(urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded")

    def act(self, action: Json, container: Json, user: str, **where: Any) -> tuple[Reply, str]:
        url_id = self.new_id("act")
        payload = {"type": "block_actions", "team": {"id": TEAM, "domain": "pps"}, "api_app_id": APP_ID,
                   "user": {"id": user, "team_id": TEAM}, "token": "unused", "container": container,
                   "trigger_id": self.new_id("trig"), "response_url": self.api.response_url(url_id),
                   "actions": [action], **where}  # fmt: skip
        body = urlencode({"payload": json.dumps(payload)})
        return self.post(body, "application/x-www-form-urlencoded"), url_id

    def click_in_message(self, button: Json, posted: Call, user: str = "U_MINJI") -> tuple[Reply, str]:
        """Click a button of a message the bot posted with chat.postMessage."""
        channel, thread = posted.params["channel"], posted.params.get("thread_ts")
        message = {"type": "message", "user": BOT_USER, "bot_id": BOT_ID, "ts": self.new_ts(), "text": posted.text}
        if thread:
            message["thread_ts"] = thread
        container = {"type": "message", "message_ts": message["ts"], "channel_id": channel, "is_ephemeral": False}
        return self.click(button, container, user, channel={"id": channel, "name": "x"}, message=message)

    def click_in_ephemeral(self, button: Json, channel: str, user: str = "U_MINJI") -> tuple[Reply, str]:
        """Click a button of an ephemeral message (the answer to /coop): Slack sends no message with it."""
        container = {"type": "message", "message_ts": self.new_ts(), "channel_id": channel, "is_ephemeral": True}
        return self.click(button, container, user, channel={"id": channel, "name": "x"})

    def click_in_home(self, button: Json, user: str) -> tuple[Reply, str]:
        container = {"type": "view", "view_id": "VHOME"}
        return self.click(button, container, user, view={"id": "VHOME", "type": "home"})
