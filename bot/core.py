"""`Coopbot`: the one entry point of the core. Platform-free: text in, Answer out.

It answers from the serving fact base and keeps each conversation's context (for follow-ups) in a
`SessionStore` it is given, in memory by default. It logs nothing, counts nothing and limits no one: what
happens around each question while serving (the conversation log, metrics, the per-person limit, a late
reply's apology, correlation ids) is the per-question policy of bot/serving/asking.py.

May import: bot.text, bot.factbase, bot.reading, bot.showing, bot.answering, bot.cache, bot.commands.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from bot.answering.compiled import CompiledCache
from bot.answering.context import Context, MemorySessionStore, SessionStore
from bot.answering.engine import Engine
from bot.answering.live import Base, LiveBase, Reloaded
from bot.commands import NAMES
from bot.factbase.files import knowledge_dir
from bot.factbase.model import LANGS, Audience, KnowledgeBase, Lang
from bot.reading.focus import SENTENCE_CHARS
from bot.showing.answer import Answer, Block


class Coopbot:
    """Answers questions from one fact base, keeping each conversation's context in a session store."""

    def __init__(
        self,
        kb: KnowledgeBase | Base,
        store: SessionStore | None = None,
        directory: Path | None = None,
        cache: CompiledCache | None = None,
        kept_days: int | None = None,
    ) -> None:
        """`kb` is a fact base (indexed here) or one loaded from `directory` (Base.load), which `reload` reads
        again, through the compiled `cache` when there is one. `kept_days`: how long questions are kept
        (the conversation log, which /start and /privacy tell people of), None when they are not kept."""
        base = kb if isinstance(kb, Base) else Base(kb, Engine(kb))
        self.live = LiveBase(base, directory, cache)
        self.store: SessionStore = store or MemorySessionStore()
        self.kept_days = kept_days

    @classmethod
    def from_dir(
        cls,
        directory: Path | str | None = None,
        store: SessionStore | None = None,
        cache: CompiledCache | None = None,
        kept_days: int | None = None,
    ) -> Coopbot:
        """The fact base in `directory` (default: $COOPBOT_KNOWLEDGE, else knowledge/), compiled in `cache`."""
        root = knowledge_dir(directory)
        return cls(Base.load(root, cache), store, root, cache, kept_days)

    # The serving fact base; `reload` replaces it, and a question being answered keeps the one it began with.

    @property
    def kb(self) -> KnowledgeBase:
        return self.live.base.kb

    @property
    def engine(self) -> Engine:
        return self.live.base.engine

    def reload(self) -> Reloaded:
        """Load the fact base's directory again; the new base serves only if it is valid."""
        return self.live.reload()

    def ask(
        self, text: str, *, session: str | None = None, lang: Lang | None = None, audience: Audience = "public"
    ) -> Answer:
        """Answer one message. `session` ties follow-ups together; `lang` forces the reply's language."""
        if not text.strip():  # a bare mention, an empty /coop: how to ask
            return self.engine.fixed("help", lang or self.detect_language(text, session), audience)
        engine = self.engine  # one base for the whole question, even if a reload lands meanwhile
        context = self.store.get(session) if session else Context()
        answer, new_context = engine.answer(text, context, lang, audience)
        if session:
            self.store.put(session, new_context)
        return answer

    # -- per-conversation settings -------------------------------------------------------------------

    def set_language(self, session: str, lang: Lang) -> None:
        """Pin a conversation's language (Telegram /lang, a per-chat setting): it wins over detection."""
        self.store.put(session, self.store.get(session).evolve(lang=lang, lang_pinned=True))

    def language(self, session: str) -> Lang | None:
        """The language pinned for a conversation, if any."""
        context = self.store.get(session)
        return context.lang if context.lang_pinned else None

    def detect_language(self, text: str, session: str | None = None) -> Lang:
        """The language a reply to `text` should be in, for replies made without an Answer (an apology)."""
        context = self.store.get(session) if session else Context()
        if context.lang_pinned and context.lang:
            return context.lang
        return self.engine.understander.read(text[:SENTENCE_CHARS], context.lang).lang

    # -- the commands (bot/commands.py): /start, /help, /lang, /about, /contact ----------------------------

    def command(
        self, name: str, argument: str = "", *, lang: Lang, session: str | None = None, audience: Audience = "public"
    ) -> Answer:
        """The reply to a command of the table. `lang` is the language for a reply not derived from a question;
        `/lang ko|en` pins the conversation's language and answers in the chosen one."""
        if name == "lang":
            choice = argument.strip().casefold()
            if choice in LANGS and session is not None:
                self.set_language(session, choice)
                return self.notice("lang_set", choice)
            return self.notice("command_lang", lang)
        if name not in NAMES:
            raise ValueError(f"no command named {name!r}")
        if name == "privacy":
            if self.kept_days is None:
                return self.notice("privacy_off", lang)
            return self.notice("privacy", lang, days=str(self.kept_days))
        reply = self.engine.fixed(name, lang, audience)
        if name == "start" and self.kept_days is not None:  # people are told, in one sentence, what is kept
            note = Block("note", self.kb.message("privacy_note", lang, days=str(self.kept_days)))
            reply = replace(reply, body=(*reply.body, note))
        return reply

    def notice(self, key: str, lang: Lang, **values: str) -> Answer:
        """A curated one-line message (the apology, 'send text') as an Answer, so every surface lays it out alike."""
        text = self.kb.message(key, lang, **values)
        return Answer(language=lang, kind="smalltalk", body=(Block("paragraph", text),))

    def late(self, answer: Answer) -> Answer:
        """The answer to a question that waited (the bot was down or busy): the same, opening with an apology."""
        return replace(answer, preface=self.kb.message("late_reply", answer.language))

    def message(self, key: str, lang: Lang, **values: str) -> str:
        """A curated message of the fact base (knowledge/messages.yaml), with its placeholders filled."""
        return self.kb.message(key, lang, **values)

    def examples(self, lang: Lang) -> tuple[str, ...]:
        return self.kb.examples[lang]
