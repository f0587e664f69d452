"""The Telegram surface: `coopbot serve telegram`, for delegates in private chats and groups.

It only translates: a Telegram update -> `Coopbot.ask` -> the Answer rendered as Telegram HTML
with suggestions as inline buttons. Each chat is one conversation (session `tg:<chat_id>`), and
the audience is always public. Long polling by default; a webhook with `--webhook-url`.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import secrets
import signal
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from html import escape
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
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from adapters.telegram_render import QuestionKeys, button_text, keyboard, render
from bot import Answer, Coopbot
from bot.model import Lang

log = logging.getLogger("coopbot.telegram")
T = TypeVar("T")
Context = ContextTypes.DEFAULT_TYPE

ENV_TOKEN = "TELEGRAM_BOT_TOKEN"
ENV_BASE_URL = "TELEGRAM_API_BASE_URL"
ENV_SECRET = "TELEGRAM_WEBHOOK_SECRET"
DEFAULT_BASE_URL = "https://api.telegram.org/bot"
ALLOWED_UPDATES = ["message", "edited_message", "callback_query"]
MAX_QUESTION = 1000  # characters of a message that are asked; beyond that the core only sees noise
SEND_ATTEMPTS = 4  # a send that fails with a network error is tried this often in all
FLOOD_RETRIES = 3  # a 429 is waited out (retry_after) and retried this often by the rate limiter
REMEMBERED_REPLIES = 2000  # user messages whose reply we remember, to edit it when they edit theirs
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)

# The command menu (setMyCommands); each description is the fact-base message `command_<name>`.
COMMANDS = ("start", "help", "lang", "about", "contact")


# -- the surface contract (bot/cli.py) ----------------------------------------------------------------------


def configured(env: Mapping[str, str]) -> bool:
    return bool(env.get(ENV_TOKEN))


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--webhook-url", help="public HTTPS URL Telegram posts updates to (default: long polling)")
    parser.add_argument("--listen", default="127.0.0.1", help="webhook server address (default: 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8443, help="webhook server port (default: 8443)")
    parser.add_argument("--url-path", default=None, help="webhook server path (default: the path of --webhook-url)")
    parser.add_argument(
        "--secret-token",
        help=f"webhook secret Telegram must send (default: ${ENV_SECRET}, else a random one per start)",
    )
    parser.add_argument("--drop-pending-updates", action="store_true", help="ignore updates sent while stopped")


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


def settings_from(args: argparse.Namespace, env: Mapping[str, str]) -> Settings:
    token = env.get(ENV_TOKEN, "")
    if not token:
        raise SystemExit(f"coopbot: set {ENV_TOKEN} to serve on Telegram")
    return Settings(
        token=token,
        base_url=env.get(ENV_BASE_URL) or DEFAULT_BASE_URL,
        default_lang=getattr(args, "lang", None),
        webhook_url=getattr(args, "webhook_url", None),
        listen=getattr(args, "listen", "127.0.0.1"),
        port=getattr(args, "port", 8443),
        url_path=getattr(args, "url_path", None),
        secret_token=getattr(args, "secret_token", None) or env.get(ENV_SECRET),
        drop_pending_updates=getattr(args, "drop_pending_updates", False),
    )


def run(bot: Coopbot, args: argparse.Namespace) -> int:
    """`coopbot serve telegram`: serve until SIGINT or SIGTERM, then finish the updates already taken."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per long poll otherwise
    settings = settings_from(args, os.environ)
    serve(build_application(bot, settings), settings)
    return 0


def serve(app: Application, settings: Settings, stop_signals: Sequence[int] | None = STOP_SIGNALS) -> None:
    """Run the application's own loop: long polling, or a webhook server whose secret is checked."""
    common: dict[str, Any] = dict(
        allowed_updates=ALLOWED_UPDATES,
        drop_pending_updates=settings.drop_pending_updates,
        stop_signals=stop_signals,
        bootstrap_retries=5,
    )
    if not settings.webhook_url:
        app.run_polling(timeout=settings.poll_timeout, **common)
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


def build_application(bot: Coopbot, settings: Settings) -> Application:
    surface = TelegramSurface(bot, settings.default_lang)
    app = (
        ApplicationBuilder()
        .token(settings.token)
        .base_url(settings.base_url)
        .rate_limiter(AIORateLimiter(max_retries=FLOOD_RETRIES))
        .post_init(surface.register_commands)
        .build()
    )
    surface.install(app)
    return app


# -- the translation ----------------------------------------------------------------------------------------


class TelegramSurface:
    """Handlers that turn updates into questions for the core and Answers into Telegram messages."""

    def __init__(self, bot: Coopbot, default_lang: Lang | None = None) -> None:
        self.bot = bot
        self.default_lang = default_lang
        self.keys = QuestionKeys()
        self._replies: OrderedDict[tuple[int, int], list[int]] = OrderedDict()

    def install(self, app: Application) -> None:
        fixed = {
            "start": self.bot.start,
            "help": self.bot.help,
            "about": self.bot.about,
            "contact": self.bot.contact,
        }
        for name, reply in fixed.items():
            app.add_handler(CommandHandler(name, self._fixed_reply(reply)))
        app.add_handler(CommandHandler("lang", self.on_lang))
        app.add_handler(CallbackQueryHandler(self.on_button))
        app.add_handler(MessageHandler(filters.UpdateType.MESSAGES & filters.COMMAND, self.on_other_command))
        app.add_handler(MessageHandler(filters.UpdateType.MESSAGES & filters.TEXT, self.on_text))
        app.add_handler(MessageHandler(filters.UpdateType.MESSAGES & ~filters.TEXT, self.on_non_text))
        app.add_error_handler(self.on_error)

    async def register_commands(self, app: Application) -> None:
        """The command menu in both languages; users with other languages see the English one."""
        for lang, code in (("en", None), ("en", "en"), ("ko", "ko")):
            commands = [BotCommand(name, self._command_text(name, cast(Lang, lang))) for name in COMMANDS]
            try:
                await _retry(lambda c=commands, lc=code: app.bot.set_my_commands(c, language_code=lc))
            except TelegramError as err:  # a missing menu is no reason not to answer questions
                log.warning("could not register the %s command menu: %s", lang, err)

    # -- handlers --------------------------------------------------------------------------------------------

    def _fixed_reply(self, reply: Callable[[Lang], Answer]) -> Callable[[Update, Context], Awaitable[None]]:
        async def handler(update: Update, context: Context) -> None:
            message = update.effective_message
            if message is not None:
                await self.send(context, message, reply(self.lang(update)))

        return handler

    async def on_lang(self, update: Update, context: Context) -> None:
        message = update.effective_message
        choice = (context.args or [""])[0].lower()
        if message is None:
            return
        if choice not in ("ko", "en"):
            await self.send_text(context, message, "/lang ko · /lang en")
            return
        lang = cast(Lang, choice)
        self.bot.set_language(session(message.chat_id), lang)
        await self.send_text(context, message, self.bot.message("lang_set", lang))

    async def on_other_command(self, update: Update, context: Context) -> None:
        """An unknown command addressed to us gets the help; `/cmd@otherbot` is another bot's."""
        message = update.effective_message
        if message is None or not message.text:
            return
        command = message.text.split()[0]
        target = command.partition("@")[2].lower()
        ours = target == (context.bot.username or "").lower() if target else message.chat.type == "private"
        if ours:
            await self.send(context, message, self.bot.help(self.lang(update)))

    async def on_text(self, update: Update, context: Context) -> None:
        message = update.effective_message
        if message is None:
            return
        question = addressed_text(message, context.bot.id, context.bot.username or "")
        if question is None:
            return
        if not question.strip():  # only a mention
            await self.send(context, message, self.bot.help(self.lang(update)))
            return
        await self.answer(context, message, question, edited=update.edited_message is not None)

    async def on_non_text(self, update: Update, context: Context) -> None:
        message = update.effective_message
        if message is None or (message.chat.type != "private" and not replies_to_bot(message, context.bot.id)):
            return
        await self.send_text(context, message, self.bot.message("non_text", self.lang(update)))

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
        if not isinstance(update, Update) or update.effective_chat is None:
            return
        try:
            text = escape(self.bot.message("error", self.lang(update)), quote=False)
            await _retry(lambda: context.bot.send_message(update.effective_chat.id, text, parse_mode=ParseMode.HTML))
        except Exception:  # the apology is best effort: the error is logged above
            log.warning("could not send the apology for update %s", update.update_id, exc_info=True)

    # -- asking and sending ----------------------------------------------------------------------------------

    async def answer(
        self, context: Context, message: Message, question: str, *, edited: bool = False, quote: bool = False
    ) -> None:
        text, clipped = clip(question, MAX_QUESTION)
        # The engine is synchronous; a thread keeps polling and other chats' sends moving meanwhile.
        answer = await asyncio.to_thread(self.bot.ask, text, session=session(message.chat_id), audience="public")
        note = self.bot.message("too_long", answer.language) if clipped else None
        await self.send(context, message, answer, quote=question if quote else None, note=note, edited=edited)

    async def send(
        self,
        context: Context,
        message: Message,
        answer: Answer,
        *,
        quote: str | None = None,
        note: str | None = None,
        edited: bool = False,
    ) -> None:
        """Send (or, for an edited question, edit) the rendered answer; buttons go under the last part."""
        chunks = render(answer, quote, note)
        markup = keyboard(answer.suggestions, self.keys.key)
        key = (message.chat_id, message.message_id)
        earlier = self._replies.get(key, []) if edited else []
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
        self._remember(key, [m.message_id for m in sent])

    async def send_text(self, context: Context, message: Message, text: str) -> None:
        await self._send(context, message, escape(text, quote=False), None)

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

    def _remember(self, key: tuple[int, int], message_ids: list[int]) -> None:
        self._replies[key] = message_ids
        self._replies.move_to_end(key)
        while len(self._replies) > REMEMBERED_REPLIES:
            self._replies.popitem(last=False)

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

    def _command_text(self, name: str, lang: Lang) -> str:
        return self.bot.message(f"command_{name}", lang)


# -- helpers ------------------------------------------------------------------------------------------------


def session(chat_id: int) -> str:
    return f"tg:{chat_id}"


def clip(text: str, limit: int) -> tuple[str, bool]:
    """The start of an over-long message, cut at a space when there is one near the limit."""
    if len(text) <= limit:
        return text, False
    head = text[:limit]
    space = head.rfind(" ")
    return (head[:space] if space > limit // 2 else head), True


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
