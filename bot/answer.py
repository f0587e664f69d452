"""The one Answer model: plain data that every adapter renders its own way.

Nothing here knows about a platform. Text fields are already in the answer's language and are
plain text (no markup); adapters escape them for their platform.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Lang = Literal["ko", "en"]
Audience = Literal["public", "staff"]
# answer: a fact was found; clarify: asks back with suggestions; unknown: a named entity the fact base
# does not hold; fallback: out of scope; smalltalk: greetings, thanks, help.
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
        """How a source is cited in every rendering: publisher, “title” (date)."""
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
    language: Lang
    matched: bool
    confidence: float
    kind: Kind
    intent: str | None
    entities: tuple[str, ...]
    title: str
    body: tuple[Block, ...]
    facts: tuple[str, ...] = ()
    sources: tuple[SourceRef, ...] = ()
    contact: Contact | None = None
    suggestions: tuple[str, ...] = ()
    audience: Audience = "public"
    notes: dict[str, Any] = field(default_factory=dict)  # diagnostics (scores); not shown to users

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form used by `coopbot ask --json/--jsonl` (DESIGN.md contract)."""
        data = asdict(self)
        data["lang"] = data.pop("language")
        data["text"] = self.plain_text()
        data["entities"] = list(self.entities)
        data["suggestions"] = list(self.suggestions)
        data["facts"] = list(self.facts)
        data["sources"] = [
            {"id": s.id, "title": s.title, "publisher": s.publisher, "date": s.date} for s in self.sources
        ]
        data["body"] = [asdict(b) for b in self.body]
        data["confidence"] = round(self.confidence, 3)
        return data

    def plain_text(self) -> str:
        """The answer as plain text: the console rendering, and the `text` of the batch protocol."""
        from bot.render_text import render_plain

        return render_plain(self)
