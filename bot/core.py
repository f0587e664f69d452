"""`Coopbot`: the one entry point adapters use. Platform-free: text in, Answer out."""

from __future__ import annotations

from pathlib import Path

from bot import knowledge
from bot.answer import Answer, Audience
from bot.engine import Engine
from bot.model import KnowledgeBase, Lang
from bot.session import Context, MemorySessionStore, SessionStore


class Coopbot:
    """Answers questions from one fact base, keeping each conversation's context in a session store."""

    def __init__(self, kb: KnowledgeBase, store: SessionStore | None = None) -> None:
        self.kb = kb
        self.engine = Engine(kb)
        self.store: SessionStore = store or MemorySessionStore()

    @classmethod
    def from_dir(cls, directory: Path | str | None = None, store: SessionStore | None = None) -> Coopbot:
        return cls(knowledge.load(directory), store)

    def ask(
        self, text: str, *, session: str | None = None, lang: Lang | None = None, audience: Audience = "public"
    ) -> Answer:
        """Answer one message. `session` ties follow-ups together; `lang` forces the reply's language."""
        context = self.store.get(session) if session else Context()
        answer, new_context = self.engine.answer(text, context, lang, audience)
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
        return self.engine.understander.read(text[:1000], context.lang).lang

    # -- fixed replies for commands (/start, /help, /about, /contact, App Home) -----------------------

    def message(self, key: str, lang: Lang, **values: str) -> str:
        return self.kb.message(key, lang, **values)

    def examples(self, lang: Lang) -> tuple[str, ...]:
        return self.kb.examples[lang]

    def help(self, lang: Lang, audience: Audience = "public") -> Answer:
        return self.engine.fixed("help", lang, audience)

    def start(self, lang: Lang, audience: Audience = "public") -> Answer:
        return self.engine.fixed("start", lang, audience)

    def about(self, lang: Lang, audience: Audience = "public") -> Answer:
        return self.engine.fixed("about", lang, audience)

    def contact(self, lang: Lang, audience: Audience = "public") -> Answer:
        return self.engine.fixed("contact", lang, audience)
