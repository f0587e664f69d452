"""The Telegram surface: `coopbot serve telegram`, for delegates in private chats and groups.

It only translates: a Telegram update -> `Coopbot.ask` -> the Answer rendered as Telegram HTML
with suggestions as inline buttons. Each chat is one conversation (session `tg:<chat_id>`), and
the audience is always public. Long polling by default; a webhook with `--webhook-url`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hmac
import json
import logging
import re
import secrets
import time
from collections.abc import Awaitable, Callable, Coroutine, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, TypeVar, cast
from urllib.parse import urlsplit

import tornado.web
from telegram import (
    BotCommand,
    CallbackQuery,
    ForceReply,
    InlineKeyboardMarkup,
    Message,
    MessageEntity,
    ReplyParameters,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest, NetworkError, TelegramError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    BaseUpdateProcessor,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from adapters.http_server import BoundedHTTPServer, GuardedHandler, ServerThread, listen, ops_routes, serve_ops
from adapters.telegram_render import QuestionKeys, button_text, feedback_of, keyboard, render
from adapters.telegram_send import SURFACE, ChatRateLimiter, PossiblyDelivered, retry, send_once
from bot import (
    COMMANDS,
    SWEEP_EVERY,
    TEXT,
    WHOLE_NUMBERS,
    Admission,
    Answer,
    Cache,
    Coopbot,
    Item,
    Lang,
    NotConfigured,
    Question,
    Runtime,
    Sweeper,
    delays,
    is_outage,
    lay_out,
)

log = logging.getLogger("coopbot.telegram")
T = TypeVar("T")
Context = ContextTypes.DEFAULT_TYPE
TelegramApp = Application[Any, Any, Any, Any, Any, Any]

ENV_TOKEN = "TELEGRAM_BOT_TOKEN"
ENV_BASE_URL = "TELEGRAM_API_BASE_URL"
ENV_SECRET = "TELEGRAM_WEBHOOK_SECRET"
DEFAULT_BASE_URL = "https://api.telegram.org/bot"
ALLOWED_UPDATES = ["message", "edited_message", "callback_query"]
BOOTSTRAP_ATTEMPTS = 5  # start-up calls (getMe, setWebhook) tried this often on network errors
POLL_BACKOFF, POLL_BACKOFF_MAX = 1.0, 30.0  # seconds between failed getUpdates calls
MAX_UPDATE_BYTES = 1_000_000  # a webhook body larger than this is no update of ours
REMEMBERED_REPLIES = 2000  # user messages whose reply we remember, to edit it when they edit theirs
STOP_CHECK = 0.2  # seconds between looks at the stop event
ANSWERING = 16  # updates answered at once (each chat one at a time); sends wait in the rate limiter
SETTLE = 1.0  # seconds at the end of the grace in which replies being sent finish and nothing new begins
IN_FLIGHT = 1024  # updates taken from the queue at once, most of them waiting for their chat's turn
WHY_START = "fb_"  # /start fb_<ref>: a group's 👎 opens the private chat to ask what they were looking for
REF_PATTERN = re.compile(r"[0-9a-f]{1,32}")  # a logged question's ref, as a start parameter may carry it


# -- the surface (bot/surface.py) --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Settings:
    token: str
    base_url: str = DEFAULT_BASE_URL
    default_lang: Lang | None = None
    webhook_url: str | None = None
    listen: str = "127.0.0.1"
    port: int = 8443
    url_path: str | None = None
    secret_token: str | None = None
    drop_pending_updates: bool = False
    poll_timeout: float = 10.0  # seconds a getUpdates long poll waits; stopping cancels it at once


class TelegramSurface:
    name = "telegram"

    def configured(self, env: Mapping[str, str]) -> bool:
        return bool(env.get(ENV_TOKEN))

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--webhook-url", help="public HTTPS URL Telegram posts updates to (default: long polling)")
        parser.add_argument("--listen", default="127.0.0.1", help="webhook server address (default: 127.0.0.1)")
        parser.add_argument("--port", type=int, default=8443, help="webhook server port (default: 8443)")
        parser.add_argument("--url-path", default=None, help="webhook server path (default: the path of --webhook-url)")
        parser.add_argument(
            "--secret-token-file",
            type=Path,
            help=f"file holding the webhook secret Telegram must send (default: ${ENV_SECRET}, else a random one per"
            " start); never on the command line, where `ps` shows it",
        )
        parser.add_argument("--drop-pending-updates", action="store_true", help="ignore updates sent while stopped")

    def settings(self, args: argparse.Namespace, env: Mapping[str, str]) -> Settings:
        token = env.get(ENV_TOKEN, "")
        if not token:
            raise NotConfigured([f"set {ENV_TOKEN} to serve on Telegram"])
        return Settings(
            token=token,
            base_url=env.get(ENV_BASE_URL) or DEFAULT_BASE_URL,
            default_lang=args.lang,
            webhook_url=args.webhook_url,
            listen=args.listen,
            port=args.port,
            url_path=args.url_path,
            secret_token=_secret(args.secret_token_file) or env.get(ENV_SECRET),
            drop_pending_updates=args.drop_pending_updates,
        )

    def run(self, bot: Coopbot, settings: Settings, runtime: Runtime) -> int:
        return serve(bot, settings, runtime)


surface = TelegramSurface()


def _secret(path: Path | None) -> str | None:
    if path is None:
        return None
    try:
        return path.read_text(encoding="utf-8").strip() or None
    except OSError as err:
        raise NotConfigured([f"cannot read the webhook secret file {path}: {err.strerror}"]) from None


def serve(bot: Coopbot, settings: Settings, runtime: Runtime) -> int:
    """Serve until `runtime.stop` is set; the exit status."""
    return asyncio.run(Service(bot, settings, runtime).run())


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


class PerChatOrder(BaseUpdateProcessor):
    """Chats are answered concurrently, each chat's updates strictly in the order they came.

    PTB starts a task per update (up to IN_FLIGHT at once); a task first waits its turn in its chat, and only
    then for one of `answering` working slots, so a busy group's queue holds no slot that another chat
    could use, and one chat's flood wait stalls that chat alone. A feedback button waits for no turn: it
    posts nothing to the chat and must never hold the chat's questions up.

    Each update is claimed in the inbox before it is answered and leaves it once answered. Where a dependency
    is down (the inbox cannot be written, the database or Redis fails while answering), the update is tried
    again in place, so its chat keeps its order, until it is answered or the process stops (it then stays
    in the inbox). `drain` lets the answering go on for a grace period, then leaves the rest in the inbox."""

    def __init__(
        self, answering: int, sweeper: Sweeper, runtime: Runtime, failed_for_outage: Callable[[Update], bool]
    ) -> None:
        super().__init__(max_concurrent_updates=IN_FLIGHT)
        self.sweeper, self.runtime, self.failed_for_outage = sweeper, runtime, failed_for_outage
        self.again: Callable[[object], Awaitable[Any]] | None = None  # the application's process_update
        self._working = asyncio.Semaphore(answering)
        self._turns: dict[int, asyncio.Lock] = {}
        self._waiting: dict[int, int] = {}
        self._answering: set[asyncio.Task[Any]] = set()
        self._closed = False

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        chat = update.effective_chat if isinstance(update, Update) else None
        if chat is None or _is_feedback(update):
            async with self._working:
                await self._answer(update, coroutine)
            return
        turn = self._turns.setdefault(chat.id, asyncio.Lock())
        self._waiting[chat.id] = self._waiting.get(chat.id, 0) + 1
        try:
            async with turn, self._working:
                await self._answer(update, coroutine)
        finally:
            self._waiting[chat.id] -= 1
            if not self._waiting[chat.id]:  # the chat is quiet: forget its lock, so memory stays bounded
                del self._waiting[chat.id], self._turns[chat.id]

    async def _answer(self, update: object, coroutine: Awaitable[Any]) -> None:
        if not isinstance(update, Update):
            await coroutine
            return
        key = str(update.update_id)
        try:
            claimed = await self._claim(key)
        except Exception as err:  # past the grace (or a fault of the inbox's): it stays for the next sweep or start
            if not isinstance(err, _Stopping):
                log.exception("could not claim update %s; it stays in the inbox", key)
            _close(coroutine)
            self.sweeper.release(key)
            return
        if claimed is None:  # answered already, or held by another replica
            _close(coroutine)
            return
        try:
            if claimed:  # its answer was begun before a stop: it may have gone out in part
                self.runtime.metrics.possible_duplicates.labels(SURFACE).inc()
            await self._until_answered(update, coroutine)
        except asyncio.CancelledError:  # cut off at the end of the grace: it stays in the inbox
            self.sweeper.release(key)
            raise
        except _Stopping:
            self.sweeper.release(key)
            return
        await asyncio.to_thread(self.sweeper.finish, key)

    async def _claim(self, key: str) -> int | None:
        """Claim an update in the inbox, waiting while the inbox cannot be written."""
        waits = delays()
        while True:
            self._check_open()
            try:
                return await asyncio.to_thread(self.sweeper.claim, key)
            except Exception as err:
                if not is_outage(err):
                    raise
            await asyncio.sleep(next(waits))

    async def _until_answered(self, update: Update, coroutine: Awaitable[Any]) -> None:
        """Run the handlers; again, after a wait, while they fail because a dependency is down."""
        waits = delays()
        task = asyncio.current_task()
        while True:
            if task is not None:
                self._answering.add(task)
            try:
                await coroutine
            finally:
                self._answering.discard(task)
            if not self.failed_for_outage(update) or self.again is None:
                return
            await asyncio.sleep(next(waits))
            self._check_open()
            coroutine = self.again(update)

    def _check_open(self) -> None:
        if self._closed:
            raise _Stopping

    async def drain(self, queue: asyncio.Queue[object], grace: float) -> None:
        """Answer what was taken for up to `grace` seconds. In the last second nothing new is begun, so that
        replies being sent can finish (cutting one off after Telegram got it would have it sent again after
        the restart); what is still running at the end is cut off and stays in the inbox."""
        settle = min(SETTLE, grace / 2)
        try:
            await asyncio.wait_for(asyncio.shield(queue.join()), timeout=grace - settle)
            return
        except TimeoutError:
            self._closed = True
        running = list(self._answering)
        if running:
            await asyncio.wait(running, timeout=settle)
        for task in self._answering:
            task.cancel()
        log.warning("stopping after %.0f s of grace; unanswered updates stay in the inbox", grace)

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass


class _Stopping(Exception):
    """The process stops: what was not answered stays in the inbox for the next start."""


def _close(coroutine: Awaitable[Any]) -> None:
    if isinstance(coroutine, Coroutine):
        coroutine.close()


def _is_feedback(update: object) -> bool:
    query = update.callback_query if isinstance(update, Update) else None
    return query is not None and feedback_of(query.data or "") is not None


# -- the translation ----------------------------------------------------------------------------------------


class TelegramHandlers:
    """Handlers that turn updates into questions for the core and Answers into Telegram messages."""

    def __init__(self, bot: Coopbot, default_lang: Lang | None, runtime: Runtime) -> None:
        self.bot = bot
        self.default_lang = default_lang
        self.runtime = runtime
        caches = runtime.caches  # shared by replicas when Redis is configured
        self.keys = QuestionKeys(cache=caches.make("tg-keys", 10_000, TEXT))
        # Our replies to each user message, to edit them when the user edits theirs.
        self._replies: Cache[tuple[int, int], list[int]] = caches.make("tg-replies", REMEMBERED_REPLIES, WHOLE_NUMBERS)
        # Our "what were you looking for?" prompts, to the answer they ask about.
        self._prompts: Cache[tuple[int, int], str] = caches.make("tg-prompts", REMEMBERED_REPLIES, TEXT)
        # Who was asked already what they were looking for, per answer: a second 👎 asks nothing more.
        self._asked_why: Cache[str, str] = caches.make("tg-asked-why", REMEMBERED_REPLIES, TEXT)
        self._outages: set[int] = set()  # updates whose handling failed because a dependency is down
        self.asking = runtime.asking(bot)  # the per-question policy: limit, lateness, the log, metrics

    def install(self, app: TelegramApp) -> None:
        for command in COMMANDS:
            app.add_handler(CommandHandler(command.name, self._command(command.name)))
        app.add_handler(CallbackQueryHandler(self.on_button))
        app.add_handler(MessageHandler(filters.UpdateType.MESSAGES & filters.COMMAND, self.on_other_command))
        app.add_handler(MessageHandler(filters.UpdateType.MESSAGES & filters.TEXT, self.on_text))
        app.add_handler(MessageHandler(filters.UpdateType.MESSAGES & ~filters.TEXT, self.on_non_text))
        app.add_error_handler(self.on_error)

    async def register_commands(self, app: TelegramApp) -> None:
        """The command menu in both languages; users with other languages see the English one."""
        menus: tuple[tuple[Lang, str | None], ...] = (("en", None), ("en", "en"), ("ko", "ko"))
        for lang, code in menus:
            commands = [BotCommand(c.name, self.bot.message(f"command_{c.name}", lang)) for c in COMMANDS]
            try:
                await retry(partial(app.bot.set_my_commands, commands, language_code=code))
            except TelegramError as err:  # a missing menu is no reason not to answer questions
                log.warning("could not register the %s command menu: %s", lang, err)

    # -- handlers --------------------------------------------------------------------------------------------

    def _command(self, name: str) -> Callable[[Update, Context], Coroutine[Any, Any, None]]:
        async def handler(update: Update, context: Context) -> None:
            message = update.effective_message
            if message is None:
                return
            argument = " ".join(context.args or ())
            if name == "start" and argument.startswith(WHY_START) and message.chat.type == "private":
                if await self.admitted(context, update, message):
                    await self.ask_why(context, update, message.chat_id, argument.removeprefix(WHY_START))
                return
            await self.answer(context, update, message, message.text or "", command=(name, argument))

        return handler

    async def on_other_command(self, update: Update, context: Context) -> None:
        """An unknown command addressed to us gets the help; `/cmd@otherbot` is another bot's."""
        message = update.effective_message
        if message is None or not message.text:
            return
        command = message.text.split()[0]
        target = command.partition("@")[2].lower()
        ours = target == (context.bot.username or "").lower() if target else message.chat.type == "private"
        if ours:
            await self.answer(context, update, message, message.text, command=("help", ""))

    async def on_text(self, update: Update, context: Context) -> None:
        message = update.effective_message
        if message is None:
            return
        original = message.reply_to_message
        if original is not None and (ref := self._prompts.get((message.chat_id, original.message_id))):
            if await self.admitted(context, update, message):
                await self.on_comment(context, update, message, ref)  # what they were looking for, after a 👎
            return
        question = addressed_text(message, context.bot.id, context.bot.username or "")
        if question is not None:
            await self.answer(context, update, message, question, edited=update.edited_message is not None)

    async def on_non_text(self, update: Update, context: Context) -> None:
        message = update.effective_message
        if message is None or (message.chat.type != "private" and not replies_to_bot(message, context.bot.id)):
            return
        if await self.admitted(context, update, message):
            await self.send(context, message, self.bot.notice("non_text", self.lang(update)))

    async def on_button(self, update: Update, context: Context) -> None:
        """A pressed button, counted against the presser's limit like a question: a suggestion asks its question
        in the same chat; 👍/👎 vote on the answer above."""
        query = update.callback_query
        if query is None:
            return
        data = query.data or ""
        message = query.message if isinstance(query.message, Message) else None
        if (vote := feedback_of(data)) is not None:
            verdict = self.asking.admit(SURFACE, f"tg:{query.from_user.id}")
            if verdict is not Admission.ANSWER:  # the first press over the limit says so in a toast, not in the chat
                toast = self.bot.message("too_many", self.lang(update)) if verdict is Admission.REFUSE else None
                await self._answer_query(query, toast)
                return
            await self.on_feedback(context, update, query, *vote)
            return
        await self._answer_query(query)
        if message is None:  # too old for Telegram to include: nowhere to answer
            return
        question = self.keys.question(data) or button_text(message.reply_markup, data)
        if question:
            await self.answer(context, update, message, question, quote=True)

    async def _answer_query(self, query: CallbackQuery, text: str | None = None, url: str | None = None) -> None:
        """Stop the button's spinner (with a toast, or opening a link); Telegram counts no message for it."""
        try:
            await retry(partial(query.answer, text=text, url=url))
        except BadRequest as err:  # too old to answer (pressed while the bot was down): what it asks still happens
            log.info("callback query not answered: %s", err)

    async def on_feedback(self, context: Context, update: Update, query: CallbackQuery, ref: str, up: bool) -> None:
        """👍 or 👎 under an answer, kept (one vote per person; a change replaces it). Nothing is posted to a
        group: 👍 is thanked in a toast; the first 👎 on an answer asks what they were looking for, in a private
        chat (in a group, the button opens that chat with the bot)."""
        feedback, person, lang = self.runtime.feedback, query.from_user, self.lang(update)
        if feedback is None:
            await self._answer_query(query)
            return
        await asyncio.to_thread(feedback.vote, ref, f"tg:{person.id}", up)
        first = not up and self._asked_why.add(f"{person.id}:{ref}", "1")
        message = query.message if isinstance(query.message, Message) else None
        if not first:
            await self._answer_query(query, self.bot.message("feedback_thanks", lang))
        elif message is not None and message.chat.type == "private":
            await self._answer_query(query)
            await self.ask_why(context, update, message.chat_id, ref)
        else:
            await self._answer_query(query, self.bot.message("feedback_thanks", lang), url=self._why_link(context, ref))

    def _why_link(self, context: Context, ref: str) -> str | None:
        username = context.bot.username
        return f"https://t.me/{username}?start={WHY_START}{ref}" if username else None

    async def ask_why(self, context: Context, update: Update, chat_id: int, ref: str) -> None:
        """The prompt whose reply says what they were looking for, in a private chat."""
        if not REF_PATTERN.fullmatch(ref):
            return
        prompt = await send_once(
            lambda: context.bot.send_message(
                chat_id, self.bot.message("feedback_ask", self.lang(update)), reply_markup=ForceReply(selective=True)
            ),
            "feedback prompt",
        )
        self._prompts.put((chat_id, prompt.message_id), ref)

    async def on_comment(self, context: Context, update: Update, message: Message, ref: str) -> None:
        feedback, person = self.runtime.feedback, update.effective_user
        if feedback is None or person is None:
            return
        await asyncio.to_thread(feedback.comment, ref, f"tg:{person.id}", message.text or "")
        await self.send(context, message, self.bot.notice("feedback_noted", self.lang(update)))

    async def on_error(self, update: object, context: Context) -> None:
        """One failed update is logged and apologised for; the bot goes on with the next."""
        if update is None:  # polling failed; the updater retries with backoff by itself
            log.warning("polling Telegram failed: %s", context.error)
            return
        if isinstance(update, Update) and context.error is not None and is_outage(context.error):
            self._outages.add(update.update_id)  # tried again once the dependency is back; no apology
            log.info("update %s waits for a dependency: %s", update.update_id, context.error)
            return
        log.error("update %s failed", getattr(update, "update_id", "?"), exc_info=context.error)
        chat = update.effective_chat if isinstance(update, Update) else None
        if chat is None:
            return
        try:
            (text,) = render(lay_out(self.bot.notice("error", self.lang(cast(Update, update)))))
            await send_once(lambda: context.bot.send_message(chat.id, text, parse_mode=ParseMode.HTML), "apology")
        except Exception:  # the apology is best effort: the error is logged above
            log.warning("could not send the apology for update %s", getattr(update, "update_id", "?"), exc_info=True)

    # -- asking and sending ----------------------------------------------------------------------------------

    def failed_for_outage(self, update: Update) -> bool:
        """Whether handling `update` just failed because a dependency is down (it is then tried again)."""
        if update.update_id in self._outages:
            self._outages.discard(update.update_id)
            return True
        return False

    async def admitted(self, context: Context, update: Update, message: Message) -> bool:
        """The per-person limit for what is not a question (a comment, a picture): the first over it gets a
        polite reply, later ones none."""
        person = update.effective_user
        verdict = self.asking.admit(SURFACE, f"tg:{person.id}" if person else None)
        if verdict is Admission.REFUSE:
            await self.send(context, message, self.bot.notice("too_many", self.lang(update)))
        return verdict is Admission.ANSWER

    async def answer(
        self,
        context: Context,
        update: Update,
        message: Message,
        text: str,
        *,
        command: tuple[str, str] | None = None,
        edited: bool = False,
        quote: bool = False,
    ) -> None:
        """A question (or a command of the table) through the per-question policy, and its reply sent."""
        person = update.effective_user
        question = Question(
            text,
            SURFACE,
            session=session(message.chat_id),
            person=f"tg:{person.id}" if person else None,
            lang=self.lang(update) if command else None,  # a command's reply follows the chat; a question's, itself
            asked_at=_sent_at(message),
            command=command,
        )
        with self.asking.turn(question) as turn:
            # The engine is synchronous; a thread keeps polling and other chats' sends moving meanwhile.
            reply = await asyncio.to_thread(turn.answer)
            if reply is None:  # over the limit, and told so already
                return
            delivered = await self.send(context, message, reply, quote=text if quote else None, edited=edited)
            turn.delivered("sent" if delivered else "possible loss")

    async def send(
        self,
        context: Context,
        message: Message,
        answer: Answer,
        *,
        quote: str | None = None,
        edited: bool = False,
    ) -> bool:
        """Send (or, for an edited question, edit) the rendered answer; buttons go under the last part. False
        when it may not have arrived."""
        layout = lay_out(answer)
        chunks = render(layout, quote)
        markup = keyboard(layout, self.keys.key)
        key = (message.chat_id, message.message_id)
        earlier = (self._replies.get(key) or []) if edited else []
        if (
            len(earlier) == 1
            and len(chunks) == 1
            and await self._edit(context, message.chat_id, earlier[0], chunks[0], markup)
        ):
            return True
        sent: list[int] = []
        try:
            for i, chunk in enumerate(chunks):
                reply = await self._send(context, message, chunk, markup if i == len(chunks) - 1 else None)
                sent.append(reply.message_id)
        except PossiblyDelivered as err:  # not sent again (no duplicates) and not apologised for
            self.runtime.metrics.possible_losses.labels(SURFACE).inc()
            log.warning("possible loss: a reply in chat %s may not have arrived (%s)", message.chat_id, err)
            self._replies.put(key, sent)
            return False
        self._replies.put(key, sent)
        return True

    async def _send(
        self, context: Context, message: Message, html: str, markup: InlineKeyboardMarkup | None
    ) -> Message:
        # In a group the reply quotes the question, so everyone sees whom it answers.
        reply = None
        if message.chat.type != "private" and message.from_user and message.from_user.id != context.bot.id:
            reply = ReplyParameters(message.message_id, allow_sending_without_reply=True)
        return await send_once(
            lambda: context.bot.send_message(
                message.chat_id, html, parse_mode=ParseMode.HTML, reply_markup=markup, reply_parameters=reply
            ),
            f"reply to message {message.message_id}",
            self.runtime,
        )

    async def _edit(
        self, context: Context, chat_id: int, message_id: int, html: str, markup: InlineKeyboardMarkup | None
    ) -> bool:
        try:
            await retry(
                lambda: context.bot.edit_message_text(
                    html, chat_id, message_id, parse_mode=ParseMode.HTML, reply_markup=markup
                )
            )
        except BadRequest as err:
            # Same answer as before: nothing to change. Any other refusal: send a new reply instead.
            return "not modified" in err.message
        return True

    # -- language --------------------------------------------------------------------------------------------

    def lang(self, update: Update) -> Lang:
        """For replies not derived from a question: the chat's /lang, else the user's app language."""
        chat = update.effective_chat
        pinned = self.bot.language(session(chat.id)) if chat else None
        if pinned:
            return pinned
        code = (update.effective_user.language_code or "") if update.effective_user else ""
        if code:
            return "ko" if code.lower().startswith("ko") else "en"
        return self.default_lang or "en"


# -- helpers ------------------------------------------------------------------------------------------------


def session(chat_id: int) -> str:
    return f"tg:{chat_id}"


def _sent_at(message: Message) -> float:
    """When the person sent (or last edited) the message, by Telegram's clock."""
    return (message.edit_date or message.date).timestamp()


def conversation(update: Update) -> str:
    """The chat an update belongs to, in which its replies keep their order."""
    chat = update.effective_chat
    return str(chat.id) if chat else "-"


def replies_to_bot(message: Message, bot_id: int) -> bool:
    original = message.reply_to_message
    return bool(original and original.from_user and original.from_user.id == bot_id)


def addressed_text(message: Message, bot_id: int, username: str) -> str | None:
    """The question in a message meant for the bot, without the mention; None when it is not for us.

    Private chats: every message. Groups: messages that mention the bot and replies to its messages
    (what Telegram's privacy mode delivers).
    """
    text = message.text or ""
    mentions = [
        part
        for entity, part in message.parse_entities([MessageEntity.MENTION, MessageEntity.TEXT_MENTION]).items()
        if (entity.type == MessageEntity.MENTION and part[1:].lower() == username.lower())
        or (entity.user is not None and entity.user.id == bot_id)
    ]
    if message.chat.type != "private" and not mentions and not replies_to_bot(message, bot_id):
        return None
    for part in mentions:
        text = text.replace(part, " ")
    return " ".join(text.split())
