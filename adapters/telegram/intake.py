"""How updates come in: long polling or the webhook, each update kept in the inbox before Telegram is told it
arrived, then queued for the handlers; a restart and the sweep answer what the inbox still holds."""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
import re
import secrets
import time
from collections.abc import Awaitable, Callable, Sequence
from functools import partial
from typing import Any, TypeVar
from urllib.parse import urlsplit

import tornado.web
from telegram import (
    Update,
)
from telegram.error import NetworkError, TelegramError
from telegram.ext import (
    Application,
    ApplicationBuilder,
)

from adapters.http_server import BoundedHTTPServer, GuardedHandler, ServerThread, listen, ops_routes, serve_ops
from adapters.telegram.handlers import TelegramHandlers
from adapters.telegram.order import PerChatOrder
from adapters.telegram.sending import SURFACE, ChatRateLimiter
from adapters.telegram.settings import Settings
from bot import (
    SWEEP_EVERY,
    Coopbot,
    Item,
    Runtime,
    Sweeper,
    delays,
    is_outage,
)

log = logging.getLogger("coopbot.telegram")
T = TypeVar("T")
TelegramApp = Application[Any, Any, Any, Any, Any, Any]

ALLOWED_UPDATES = ["message", "edited_message", "callback_query"]
BOOTSTRAP_ATTEMPTS = 5  # start-up calls (getMe, setWebhook) tried this often on network errors
POLL_BACKOFF, POLL_BACKOFF_MAX = 1.0, 30.0  # seconds between failed getUpdates calls
MAX_UPDATE_BYTES = 1_000_000  # a webhook body larger than this is no update of ours
STOP_CHECK = 0.2  # seconds between looks at the stop event
ANSWERING = 16  # updates answered at once (each chat one at a time); sends wait in the rate limiter


def build_application(
    settings: Settings, handlers: TelegramHandlers, order: PerChatOrder, runtime: Runtime | None = None
) -> TelegramApp:
    app = (
        ApplicationBuilder()
        .token(settings.token)
        .base_url(settings.base_url)
        .rate_limiter(ChatRateLimiter(runtime=runtime))
        .concurrent_updates(order)
        .updater(None)  # updates come from `Polling` or `Webhook`, which keep them in the inbox first
        .build()
    )
    handlers.install(app)
    return app


class Service:
    """One run: take updates (polling or the webhook) into the inbox, answer them, stop within the grace.

    An update is confirmed to Telegram (the next getUpdates offset, the webhook's 200) only once it is
    in the inbox; it leaves the inbox once answered. A restart first answers what the inbox still holds,
    oldest first, and a sweep every few seconds answers whatever else is due (bot/sweep.py); an update
    Telegram delivers again is recognised by its update_id and answered once."""

    def __init__(self, bot: Coopbot, settings: Settings, runtime: Runtime) -> None:
        self.settings, self.runtime = settings, runtime
        self.sweeper = Sweeper(runtime.inbox, SURFACE)
        self.handlers = TelegramHandlers(bot, settings.default_lang, runtime)
        self.order = PerChatOrder(ANSWERING, self.sweeper, runtime, self.handlers.failed_for_outage)
        self.app = build_application(settings, self.handlers, self.order, runtime)
        self.order.again = self.app.process_update
        self._sweeping: asyncio.Task[None] | None = None

    async def run(self) -> int:
        app = self.app
        try:
            await _bootstrap(app.initialize)
        except TelegramError as err:  # a refused token, or Telegram unreachable after the retries
            log.error("coopbot serve telegram: cannot start: %s", err)
            return 1
        await self.handlers.register_commands(app)
        await app.start()
        await self.sweep(starting=True)
        self._sweeping = asyncio.get_running_loop().create_task(self._sweep_loop())
        source: Polling | Webhook = Webhook(self) if self.settings.webhook_url else Polling(self)
        try:
            await source.start()
        except (TelegramError, OSError) as err:
            log.error("coopbot serve telegram: cannot start: %s", err)
            await self._shut_down()
            return 1
        log.info("coopbot is answering on Telegram as @%s", app.bot.username)
        while not self.runtime.stop.is_set():  # a threading.Event: set from a signal handler
            await asyncio.sleep(STOP_CHECK)
        await source.stop()  # take nothing more
        await self._stop_sweeping()
        await self.order.drain(app.update_queue, self.runtime.grace)
        await self._shut_down()
        return 0

    async def _shut_down(self) -> None:
        await self._stop_sweeping()
        await self.app.stop()
        await self.app.shutdown()
        try:
            left = await asyncio.to_thread(self.runtime.inbox.depth, SURFACE)
        except Exception as err:  # the database is down: what it holds is answered by the next start
            log.warning("could not count what waits in the inbox: %s", err)
            return
        if left:
            log.info("%d update(s) wait in the inbox for the next start", left)

    async def _stop_sweeping(self) -> None:
        if self._sweeping is not None:
            self._sweeping.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._sweeping
            self._sweeping = None

    async def take(self, updates: Sequence[Update]) -> None:
        """Keep updates durably, then queue the new ones; one delivered again is answered once. Raises what the
        inbox raised: the updates are then not confirmed, and Telegram sends them again."""
        now = time.time()
        items = [
            Item(SURFACE, str(u.update_id), conversation(u), json.dumps(u.to_dict(), ensure_ascii=False), now)
            for u in updates
        ]
        fresh = await asyncio.to_thread(self.sweeper.take, items)
        for update, new in zip(updates, fresh, strict=True):
            if new:
                await self.app.update_queue.put(update)
            else:
                log.info("update %s delivered again; taken already", update.update_id)

    async def sweep(self, starting: bool = False) -> None:
        """Queue what the inbox holds for this process and nobody answers: left by the last run (at start),
        stranded by a failed write, or abandoned by another replica; oldest first."""
        due = await asyncio.to_thread(self.sweeper.sweep)
        for item in due:
            try:
                update = Update.de_json(json.loads(item.payload), self.app.bot)
            except (ValueError, TypeError, KeyError, AttributeError):
                log.error("update %s in the inbox cannot be read; dropped", item.key)
                await asyncio.to_thread(self.sweeper.finish, item.key)
                continue
            await self.app.update_queue.put(update)
        if due:
            log.info("answering %d update(s) %s", len(due), "left from the last run" if starting else "found due")

    async def _sweep_loop(self) -> None:
        while True:
            await asyncio.sleep(SWEEP_EVERY)
            try:
                await self.sweep()
            except Exception:  # never the end of sweeping: the next one tries again
                log.exception("sweeping the inbox failed")


class Polling:
    """getUpdates in a loop; the offset that confirms updates moves only past updates in the inbox."""

    def __init__(self, service: Service) -> None:
        self.service = service
        self.offset: int | None = None
        self._task: asyncio.Task[None] | None = None
        self._ops: ServerThread | None = None

    async def start(self) -> None:
        bot, settings = self.service.app.bot, self.service.settings
        await _bootstrap(partial(bot.delete_webhook, drop_pending_updates=settings.drop_pending_updates))
        self._ops = serve_ops(self.service.runtime)  # health and metrics on --metrics-port
        self._task = asyncio.get_running_loop().create_task(self._poll())

    async def _poll(self) -> None:
        """Never ends but by `stop`: whatever fails (Telegram, the inbox's database, Redis), it waits, longer
        each time, and asks again; updates not kept are not confirmed, so Telegram sends them again. Telegram's
        own failures are waited out up to POLL_BACKOFF_MAX; the inbox's for a few seconds at most (`delays`),
        so answering resumes within seconds of its return."""
        pause = POLL_BACKOFF
        waits = delays()
        while True:
            try:
                await self._poll_once()
            except TelegramError as err:  # network trouble, a 5xx, another instance polling: wait and go on
                log.warning("polling Telegram failed: %s", err)
                await asyncio.sleep(pause)
                pause = min(pause * 2, POLL_BACKOFF_MAX)
            except Exception as err:
                if not is_outage(err):
                    log.exception("taking updates failed; trying again")
                # an outage is logged once by the dependency; the updates stay unconfirmed
                await asyncio.sleep(next(waits))
            else:
                pause, waits = POLL_BACKOFF, delays()

    async def _poll_once(self) -> None:
        bot, timeout = self.service.app.bot, self.service.settings.poll_timeout
        updates = await bot.get_updates(offset=self.offset, timeout=timeout, allowed_updates=ALLOWED_UPDATES)
        if updates:
            await self.service.take(updates)
            self.offset = updates[-1].update_id + 1

    async def stop(self) -> None:
        if self._ops is not None:
            self._ops.stop()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self.offset is not None:  # confirm what the inbox holds, so Telegram does not send it again
            try:
                await self.service.app.bot.get_updates(offset=self.offset, timeout=0, limit=1)
            except TelegramError as err:  # it would come again and be recognised by its update_id
                log.info("could not confirm the last updates: %s", err)


class Webhook:
    """The webhook server: the secret is checked before the body is read; 200 once the update is kept."""

    def __init__(self, service: Service) -> None:
        self.service = service
        settings = service.settings
        assert settings.webhook_url is not None
        # Without a configured secret a random one still makes Telegram the only accepted sender.
        self.secret = settings.secret_token or secrets.token_urlsafe(32)
        path = settings.url_path if settings.url_path is not None else urlsplit(settings.webhook_url).path
        self.path = "/" + path.strip("/")
        self.server: BoundedHTTPServer | None = None
        self._ops: ServerThread | None = None

    async def start(self) -> None:
        settings = self.service.settings
        routes = [(re.escape(self.path), UpdateHandler, {"webhook": self}), *ops_routes(self.service.runtime, True)]
        app = tornado.web.Application(routes)
        self.server, port = listen(app, settings.listen, settings.port)
        self._ops = serve_ops(self.service.runtime)
        log.info("webhook server on %s:%d%s", settings.listen, port, self.path)
        await _bootstrap(
            partial(
                self.service.app.bot.set_webhook,
                url=settings.webhook_url,
                secret_token=self.secret,
                allowed_updates=ALLOWED_UPDATES,
                drop_pending_updates=settings.drop_pending_updates,
            )
        )

    async def stop(self) -> None:
        if self._ops is not None:
            self._ops.stop()
        if self.server is not None:
            self.server.stop()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.server.close_all_connections(), timeout=1.0)


class UpdateHandler(GuardedHandler):
    max_body = MAX_UPDATE_BYTES

    def initialize(self, webhook: Webhook) -> None:
        self.webhook = webhook

    def check_headers(self) -> None:
        given = self.request.headers.get("X-Telegram-Bot-Api-Secret-Token", "")
        if not hmac.compare_digest(given.encode(), self.webhook.secret.encode()):
            self.reject(403)

    async def handle(self, body: bytes) -> None:
        try:
            update = Update.de_json(json.loads(body), self.webhook.service.app.bot)
        except (ValueError, TypeError, KeyError):
            self.reject(400)
            return
        try:
            await self.webhook.service.take([update])
        except Exception as err:  # not kept: not confirmed, so Telegram sends it again
            if not is_outage(err):
                log.exception("taking update %s failed", update.update_id)
            self.reject(503)
            return
        self.finish()


async def _bootstrap(call: Callable[[], Awaitable[T]]) -> T:
    """A start-up call, retried a few times on network errors; a refused token fails at once."""
    for attempt in range(BOOTSTRAP_ATTEMPTS):
        try:
            return await call()
        except NetworkError as err:  # InvalidToken is not a NetworkError
            if attempt == BOOTSTRAP_ATTEMPTS - 1:
                raise
            log.warning("Telegram start-up call failed (%s); retrying", err)
            await asyncio.sleep(min(2**attempt, 10))
    raise AssertionError("unreachable")


def conversation(update: Update) -> str:
    """The chat an update belongs to, in which its replies keep their order."""
    chat = update.effective_chat
    return str(chat.id) if chat else "-"
