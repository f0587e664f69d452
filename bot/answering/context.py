"""Conversation context: what the last question was about, per session, for elliptical follow-ups.

The store is a small interface (`SessionStore`): the in-memory one here serves `ask` and `chat`; `serve`
keeps conversations in the database (bot/store.py), where a pinned language is never evicted. Context
expires after a period of silence and never crosses sessions.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Protocol

from bot.cache import BoundedCache
from bot.factbase.model import Cue, Intent, Lang

DEFAULT_TTL = 30 * 60.0  # seconds of silence after which a conversation starts afresh
MAX_SESSIONS = 10_000


@dataclass(frozen=True, slots=True)
class Context:
    """What a follow-up may lean on. `lang` is the conversation's language; `lang_pinned` an explicit choice."""

    entities: tuple[str, ...] = ()
    intent: Intent | None = None
    topics: frozenset[str] = field(default_factory=frozenset)
    cues: frozenset[Cue] = field(default_factory=frozenset)  # what kind of answer it asked (a change, a share)
    facts: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()  # what the last answer rested on, for "출처는?"
    lang: Lang | None = None
    lang_pinned: bool = False
    updated: float = 0.0

    def evolve(self, **changes: object) -> Context:
        return replace(self, **changes)  # type: ignore[arg-type]


def stale(context: Context, now: float, ttl: float) -> Context:
    """The context as it stands after a silence: the same one, or, once `ttl` has passed, a fresh one that
    keeps only an explicitly chosen language (a setting, not part of the topic)."""
    if now - context.updated <= ttl:
        return context
    return Context(lang=context.lang, lang_pinned=True, updated=now) if context.lang_pinned else Context(updated=now)


class SessionStore(Protocol):
    def get(self, session: str) -> Context: ...
    def put(self, session: str, context: Context) -> None: ...


class MemorySessionStore:
    """Thread-safe, bounded (least recently used dropped first), with expiry on read."""

    def __init__(
        self, ttl: float = DEFAULT_TTL, clock: Callable[[], float] = time.monotonic, limit: int = MAX_SESSIONS
    ) -> None:
        self.ttl, self.clock = ttl, clock
        # No ttl of the cache's own: a stale conversation keeps its pinned language.
        self._data: BoundedCache[str, Context] = BoundedCache(limit, clock=clock)

    def get(self, session: str) -> Context:
        context = self._data.get(session)
        if context is None:
            return Context()
        fresh = stale(context, self.clock(), self.ttl)
        if fresh is not context:
            self._data.put(session, fresh)
        return fresh

    def put(self, session: str, context: Context) -> None:
        self._data.put(session, context.evolve(updated=self.clock()))
