"""The one Answer model: plain data that every surface lays out (bot/layout.py) and renders its own way.

Nothing here knows about a platform. Text fields are already in the answer's language and are
plain text (no markup); renderers escape them for their platform.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from bot.factbase.model import Audience, Lang

# answer: a fact was found; clarify: asks back with suggestions; unknown: a named entity the fact base
# does not hold; fallback: out of scope; smalltalk: greetings, thanks, help and the commands' replies.
Kind = Literal["answer", "clarify", "unknown", "fallback", "smalltalk", "error"]
BlockKind = Literal["paragraph", "list", "note"]


@dataclass(frozen=True, slots=True)
class SourceRef:
    """A cited document, in the answer's language."""

    id: str
    title: str
    publisher: str
    date: str  # ISO form as precise as known: 2024-05-30, 2014-03 or 2014
    date_text: str  # the date written for a reader of the answer's language
    url: str | None = None

    def citation(self) -> str:
        """How a source is cited on every surface: publisher, “title” (date)."""
        return f"{self.publisher}, \u201c{self.title}\u201d ({self.date_text})"


@dataclass(frozen=True, slots=True)
class Contact:
    """Who to ask: a person or desk, in the answer's language. `written` is how that language writes who
    they are (국제협력담당관 신봉기 사무관; Deputy Director Shin Bong-gi, International Cooperation Division)."""

    name: str
    title: str
    division: str
    phone: str | None = None
    email: str | None = None
    written: str = ""

    def line(self) -> str:
        who = self.written or " ".join(p for p in (self.division, self.name, self.title) if p)
        reach = ", ".join(p for p in (self.phone, self.email) if p)
        return who + (f" ({reach})" if reach else "")


@dataclass(frozen=True, slots=True)
class Block:
    """One piece of the body. `internal` marks staff-only content, shown only to a staff audience."""

    kind: BlockKind
    text: str = ""
    items: tuple[str, ...] = ()
    internal: bool = False


@dataclass(frozen=True, slots=True)
class Answer:
    """What the core replies. Built by keyword; only the language and the kind have no default."""

    language: Lang
    kind: Kind
    title: str = ""
    body: tuple[Block, ...] = ()
    matched: bool = True  # false for fallback and out of scope (the batch protocol's `matched`)
    confidence: float = 1.0
    intent: str | None = None
    entities: tuple[str, ...] = ()
    facts: tuple[str, ...] = ()
    sources: tuple[SourceRef, ...] = ()
    contact: Contact | None = None
    suggestions: tuple[str, ...] = ()
    audience: Audience = "public"
    preface: str = ""  # a line before everything else: the apology for a late reply
    ref: str | None = None  # the logged question this answers, for feedback on it; None when not logged
    # How the engine read the question (intent scores, topics, cues): for the evaluation, never shown.
    diagnostics: Mapping[str, Any] = field(default_factory=dict)
