"""The translation: Telegram updates (messages, commands, buttons) into questions for the per-question
policy, and Answers into Telegram messages."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable, Coroutine
from functools import partial
from typing import Any, cast

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
from telegram.error import BadRequest, TelegramError
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from adapters.delivery import PossiblyDelivered
from adapters.telegram.rendering import QuestionKeys, button_text, feedback_of, keyboard, render
from adapters.telegram.sending import SURFACE, retry, send_once
from bot import (
    COMMANDS,
    TEXT,
    WHOLE_NUMBERS,
    Admission,
    Answer,
    Cache,
    Coopbot,
    Lang,
    Question,
    Runtime,
    is_outage,
    lay_out,
)

log = logging.getLogger("coopbot.telegram")
Context = ContextTypes.DEFAULT_TYPE
TelegramApp = Application[Any, Any, Any, Any, Any, Any]

REMEMBERED_REPLIES = 2000  # user messages whose reply we remember, to edit it when they edit theirs
WHY_START = "fb_"  # /start fb_<ref>: a group's 👎 opens the private chat to ask what they were looking for
REF_PATTERN = re.compile(r"[0-9a-f]{1,32}")  # a logged question's ref, as a start parameter may carry it


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
