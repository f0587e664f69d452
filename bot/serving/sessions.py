"""Conversations in the database: each one's context and pinned language, as versioned JSON."""

from __future__ import annotations

import json

from bot.answering.context import DEFAULT_TTL, Context, stale
from bot.factbase.model import CUES, INTENTS
from bot.serving.database import Database
from bot.serving.dependency import is_outage


class DatabaseSessionStore:
    """Conversations in the database: a pinned `/lang` stays however many other chats there are. A database
    that cannot be read or written costs a conversation its context for a while, never an answer."""

    def __init__(self, db: Database, ttl: float = DEFAULT_TTL) -> None:
        self.db, self.ttl = db, ttl

    def get(self, session: str) -> Context:
        try:
            rows = self.db.read("SELECT context FROM sessions WHERE session = ?", (session,))
        except Exception as err:
            if not is_outage(err):
                raise
            return Context()  # the database told readiness; this question is answered without context
        context = context_from_json(str(rows[0][0])) if rows else None
        if context is None:
            return Context()
        fresh = stale(context, self.db.clock(), self.ttl)
        if fresh is not context:
            self._write(session, fresh)
        return fresh

    def put(self, session: str, context: Context) -> None:
        self._write(session, context.evolve(updated=self.db.clock()))

    def _write(self, session: str, context: Context) -> None:
        try:
            self.db.write(
                "INSERT INTO sessions (session, context, updated) VALUES (?, ?, ?)"
                " ON CONFLICT (session) DO UPDATE SET context = excluded.context, updated = excluded.updated",
                [(session, context_to_json(context), context.updated)],
            )
        except Exception as err:
            if not is_outage(err):
                raise


CONTEXT_VERSION = 1  # the stored form of a conversation; another version is not read (a miss)


def context_to_json(context: Context) -> str:
    return json.dumps(
        {
            "v": CONTEXT_VERSION,
            "entities": context.entities,
            "intent": context.intent,
            "topics": sorted(context.topics),
            "cues": sorted(context.cues),
            "facts": context.facts,
            "sources": context.sources,
            "lang": context.lang,
            "lang_pinned": context.lang_pinned,
            "updated": context.updated,
        },
        ensure_ascii=False,
    )


def context_from_json(text: str) -> Context | None:
    """A stored conversation, or None when the text is not one of ours (another version, a planted value,
    damage): it is then a miss, never an error and never code."""
    try:
        data = json.loads(text)
    except ValueError:
        return None
    if not isinstance(data, dict) or data.get("v", CONTEXT_VERSION) != CONTEXT_VERSION:
        return None
    lists = [data.get(name, []) for name in ("entities", "topics", "facts", "sources", "cues")]
    if not all(isinstance(values, list) and all(isinstance(v, str) for v in values) for values in lists):
        return None
    entities, topics, facts, sources, cues = lists
    intent, lang, updated = data.get("intent"), data.get("lang"), data.get("updated", 0.0)
    if not isinstance(intent, str | None) or not isinstance(updated, int | float) or isinstance(updated, bool):
        return None
    return Context(
        entities=tuple(entities),
        intent=next((i for i in INTENTS if i == intent), None),  # one this version knows, typed
        topics=frozenset(topics),
        cues=frozenset(c for c in CUES if c in cues),  # the ones this version knows, typed
        facts=tuple(facts),
        sources=tuple(sources),
        lang=lang if lang in ("ko", "en") else None,
        lang_pinned=data.get("lang_pinned") is True,
        updated=float(updated),
    )
