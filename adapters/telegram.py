"""The Telegram surface: `coopbot serve telegram`, for delegates in private chats and groups.

It only translates: a Telegram update -> `Coopbot.ask` -> the Answer rendered as Telegram HTML
with suggestions as inline buttons. Each chat is one conversation (session `tg:<chat_id>`), and
the audience is always public. Long polling by default; a webhook with `--webhook-url`.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import secrets
import threading
from collections.abc import Awaitable, Callable, Coroutine, Mapping
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from pathlib import Path
from typing import Any, TypeVar, cast
from urllib.parse import urlsplit

from telegram import (
    BotCommand,
    InlineKeyboardMarkup,
    Message,
    MessageEntity,
    ReplyParameters,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest, NetworkError, TelegramError
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    BaseUpdateProcessor,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from adapters.telegram_render import QuestionKeys, button_text, keyboard, render
from bot import COMMANDS, Answer, BoundedCache, Coopbot, Lang, NotConfigured, lay_out

log = logging.getLogger("coopbot.telegram")
T = TypeVar("T")
Context = ContextTypes.DEFAULT_TYPE
TelegramApp = Application[Any, Any, Any, Any, Any, Any]

ENV_TOKEN = "TELEGRAM_BOT_TOKEN"
ENV_BASE_URL = "TELEGRAM_API_BASE_URL"
ENV_SECRET = "TELEGRAM_WEBHOOK_SECRET"
DEFAULT_BASE_URL = "https://api.telegram.org/bot"
ALLOWED_UPDATES = ["message", "edited_message", "callback_query"]
SEND_ATTEMPTS = 4  # a send that fails with a network error is tried this often in all
FLOOD_RETRIES = 3  # a 429 is waited out (retry_after) and retried this often by the rate limiter
REMEMBERED_REPLIES = 2000  # user messages whose reply we remember, to edit it when they edit theirs
STOP_CHECK = 0.2  # seconds between looks at the stop event
ANSWERING = 16  # updates answered at once (each chat one at a time); sends wait in the rate limiter
IN_FLIGHT = 1024  # updates taken from the queue at once, most of them waiting for their chat's turn


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

    def run(self, bot: Coopbot, settings: Settings, stop: threading.Event) -> int:
        """Serve until `stop` is set, then finish the updates already taken."""
        serve(build_application(bot, settings, stop), settings)
        return 0


surface = TelegramSurface()


def _secret(path: Path | None) -> str | None:
    if path is None:
        return None
    try:
        return path.read_text(encoding="utf-8").strip() or None
    except OSError as err:
        raise NotConfigured([f"cannot read the webhook secret file {path}: {err.strerror}"]) from None


def serve(app: TelegramApp, settings: Settings) -> None:
    """Run the application's own loop: long polling, or a webhook server whose secret is checked.
    Stopping is `stop` of `build_application` (the command line sets it on SIGINT and SIGTERM)."""
    common: dict[str, Any] = dict(
        allowed_updates=ALLOWED_UPDATES,
        drop_pending_updates=settings.drop_pending_updates,
        stop_signals=None,
        bootstrap_retries=5,
    )
    if not settings.webhook_url:
        app.run_polling(timeout=timedelta(seconds=settings.poll_timeout), **common)
        return
    # Without a configured secret a random one still makes Telegram the only accepted sender.
    secret = settings.secret_token or secrets.token_urlsafe(32)
    path = settings.url_path if settings.url_path is not None else urlsplit(settings.webhook_url).path.strip("/")
    app.run_webhook(
        listen=settings.listen,
        port=settings.port,
        url_path=path,
        webhook_url=settings.webhook_url,
        secret_token=secret,
        **common,
    )


def build_application(bot: Coopbot, settings: Settings, stop: threading.Event) -> TelegramApp:
    """The application with its handlers; it stops running once `stop` is set."""
    handlers = TelegramHandlers(bot, settings.default_lang)

    async def post_init(app: TelegramApp) -> None:
        asyncio.get_running_loop().create_task(_stop_when_set(app, stop))
        await handlers.register_commands(app)

    app = (
        ApplicationBuilder()
        .token(settings.token)
        .base_url(settings.base_url)
        .rate_limiter(AIORateLimiter(max_retries=FLOOD_RETRIES))
        .concurrent_updates(PerChatOrder(ANSWERING))
        .post_init(post_init)
        .build()
    )
    handlers.install(app)
    return app


class PerChatOrder(BaseUpdateProcessor):
    """Chats are answered concurrently, each chat's updates strictly in the order they came.

    PTB starts a task per update (up to IN_FLIGHT at once); a task first waits its turn in its chat, and only
    then for one of `answering` working slots, so a busy group's queue holds no slot that another chat
    could use, and one chat's flood wait stalls that chat alone."""

    def __init__(self, answering: int) -> None:
        super().__init__(max_concurrent_updates=IN_FLIGHT)
        self._working = asyncio.Semaphore(answering)
        self._turns: dict[int, asyncio.Lock] = {}
        self._waiting: dict[int, int] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        chat = update.effective_chat if isinstance(update, Update) else None
        if chat is None:
            async with self._working:
                await coroutine
            return
        turn = self._turns.setdefault(chat.id, asyncio.Lock())
        self._waiting[chat.id] = self._waiting.get(chat.id, 0) + 1
        try:
            async with turn, self._working:
                await coroutine
        finally:
            self._waiting[chat.id] -= 1
            if not self._waiting[chat.id]:  # the chat is quiet: forget its lock, so memory stays bounded
                del self._waiting[chat.id], self._turns[chat.id]

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass


async def _stop_when_set(app: TelegramApp, stop: threading.Event) -> None:
    # A threading.Event, not an asyncio one: it is set from a signal handler or another thread.
    while not stop.is_set():
        await asyncio.sleep(STOP_CHECK)
    app.stop_running()


# -- the translation ----------------------------------------------------------------------------------------


class TelegramHandlers:
    """Handlers that turn updates into questions for the core and Answers into Telegram messages."""

    def __init__(self, bot: Coopbot, default_lang: Lang | None = None) -> None:
        self.bot = bot
        self.default_lang = default_lang
        self.keys = QuestionKeys()
        # Our replies to each user message, to edit them when the user edits theirs.
        self._replies: BoundedCache[tuple[int, int], list[int]] = BoundedCache(REMEMBERED_REPLIES)

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
                await _retry(partial(app.bot.set_my_commands, commands, language_code=code))
            except TelegramError as err:  # a missing menu is no reason not to answer questions
                log.warning("could not register the %s command menu: %s", lang, err)

    # -- handlers --------------------------------------------------------------------------------------------

    def _command(self, name: str) -> Callable[[Update, Context], Coroutine[Any, Any, None]]:
        async def handler(update: Update, context: Context) -> None:
            message = update.effective_message
            if message is not None:
                reply = self.bot.command(
                    name, " ".join(context.args or ()), lang=self.lang(update), session=session(message.chat_id)
                )
                await self.send(context, message, reply)

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
            await self.send(context, message, self.bot.command("help", lang=self.lang(update)))

    async def on_text(self, update: Update, context: Context) -> None:
        message = update.effective_message
        if message is None:
            return
        question = addressed_text(message, context.bot.id, context.bot.username or "")
        if question is None:
            return
        await self.answer(context, message, question, edited=update.edited_message is not None)

    async def on_non_text(self, update: Update, context: Context) -> None:
        message = update.effective_message
        if message is None or (message.chat.type != "private" and not replies_to_bot(message, context.bot.id)):
            return
        await self.send(context, message, self.bot.notice("non_text", self.lang(update)))

    async def on_button(self, update: Update, context: Context) -> None:
        """A pressed suggestion: stop the button's spinner, then ask its question in the same chat."""
        query = update.callback_query
        if query is None:
            return
        try:
            await _retry(query.answer)
        except BadRequest as err:  # too old to answer (e.g. pressed while the bot was down): still ask it
            log.info("callback query not answered: %s", err)
        data = query.data or ""
        message = query.message if isinstance(query.message, Message) else None
        if message is None:  # too old for Telegram to include: nowhere to answer
            return
        question = self.keys.question(data) or button_text(message.reply_markup, data)
        if question:
            await self.answer(context, message, question, quote=True)

    async def on_error(self, update: object, context: Context) -> None:
        """One failed update is logged and apologised for; the bot goes on with the next."""
        if update is None:  # polling failed; the updater retries with backoff by itself
            log.warning("polling Telegram failed: %s", context.error)
            return
        log.error("update %s failed", getattr(update, "update_id", "?"), exc_info=context.error)
        chat = update.effective_chat if isinstance(update, Update) else None
        if chat is None:
            return
        try:
            (text,) = render(lay_out(self.bot.notice("error", self.lang(cast(Update, update)))))
            await _retry(lambda: context.bot.send_message(chat.id, text, parse_mode=ParseMode.HTML))
        except Exception:  # the apology is best effort: the error is logged above
            log.warning("could not send the apology for update %s", getattr(update, "update_id", "?"), exc_info=True)

    # -- asking and sending ----------------------------------------------------------------------------------

    async def answer(
        self, context: Context, message: Message, question: str, *, edited: bool = False, quote: bool = False
    ) -> None:
        # The engine is synchronous; a thread keeps polling and other chats' sends moving meanwhile.
        answer = await asyncio.to_thread(self.bot.ask, question, session=session(message.chat_id), audience="public")
        await self.send(context, message, answer, quote=question if quote else None, edited=edited)

    async def send(
        self,
        context: Context,
        message: Message,
        answer: Answer,
        *,
        quote: str | None = None,
        edited: bool = False,
    ) -> None:
        """Send (or, for an edited question, edit) the rendered answer; buttons go under the last part."""
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
            return
        sent = [
            await self._send(context, message, chunk, markup if i == len(chunks) - 1 else None)
            for i, chunk in enumerate(chunks)
        ]
        self._replies.put(key, [m.message_id for m in sent])

    async def _send(
        self, context: Context, message: Message, html: str, markup: InlineKeyboardMarkup | None
    ) -> Message:
        # In a group the reply quotes the question, so everyone sees whom it answers.
        reply = None
        if message.chat.type != "private" and message.from_user and message.from_user.id != context.bot.id:
            reply = ReplyParameters(message.message_id, allow_sending_without_reply=True)
        return await _retry(
            lambda: context.bot.send_message(
                message.chat_id, html, parse_mode=ParseMode.HTML, reply_markup=markup, reply_parameters=reply
            )
        )

    async def _edit(
        self, context: Context, chat_id: int, message_id: int, html: str, markup: InlineKeyboardMarkup | None
    ) -> bool:
        try:
            await _retry(
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


async def _retry(call: Callable[[], Awaitable[T]], attempts: int = SEND_ATTEMPTS) -> T:
    """Retry a Bot API call on network errors (429s are the rate limiter's); a refusal is not retried."""
    for attempt in range(attempts):
        try:
            return await call()
        except NetworkError as err:
            if isinstance(err, BadRequest) or attempt == attempts - 1:
                raise
            log.warning("network error (%s); retrying", err)
            await asyncio.sleep(0.25 * 2**attempt)
    raise AssertionError("unreachable")
