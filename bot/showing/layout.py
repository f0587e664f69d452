"""What an Answer shows, decided once for every surface: ordered, platform-neutral parts.

A renderer (plain text here, Telegram HTML and Slack Block Kit in adapters/) only maps each part to
its markup; it never decides what to show. The rules, in reading order:

- the preface, if any (the apology for a late reply), as a note;
- the title, if any;
- the body blocks; staff-only (internal) blocks only when the answer is for staff, marked with the
  Internal label;
- the contact, unless the body already gives it;
- the sources, except any the body already lists in full (the reply to "출처는?" is that list);
- the suggested follow-ups, except any the body already lists (a clarifying question lists its options);
- and, under an answer that found its record and was logged, feedback (👍/👎) on it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from bot.factbase.model import Lang
from bot.showing.answer import Answer, Contact
from bot.showing.labels import label

Role = Literal["title", "paragraph", "list", "note", "contact", "sources", "suggestions"]
BODY_ROLES: frozenset[Role] = frozenset(("paragraph", "list", "note"))


@dataclass(frozen=True, slots=True)
class Part:
    """One part of a laid-out answer. `text` is a paragraph, a note, a title, a list's lead line or the
    contact line; `items` are a list's items, the cited sources or the suggested questions. `label` is the
    interface label the part is shown under (Contact, Sources, You could also ask; Internal on a staff-only
    body part), in the answer's language; "" when it has none."""

    role: Role
    text: str = ""
    items: tuple[str, ...] = ()
    label: str = ""

    @property
    def internal(self) -> bool:
        return self.role in BODY_ROLES and bool(self.label)

    @property
    def marker(self) -> str:
        """What a text surface writes before a staff-only part ("[Internal] "); "" before any other."""
        return f"[{self.label}] " if self.internal else ""


@dataclass(frozen=True, slots=True)
class Layout:
    """`feedback` names the answer that 👍/👎 buttons under it vote on (an answer found and logged)."""

    language: Lang
    parts: tuple[Part, ...]
    feedback: str | None = None

    def part(self, role: Role) -> Part | None:
        return next((p for p in self.parts if p.role == role), None)

    @property
    def suggestions(self) -> tuple[str, ...]:
        found = self.part("suggestions")
        return found.items if found else ()

    def without(self, *roles: Role) -> Layout:
        return Layout(self.language, tuple(p for p in self.parts if p.role not in roles), self.feedback)


def lay_out(answer: Answer) -> Layout:
    """The parts an answer shows, in reading order (the rules are in this module's docstring)."""
    lang = answer.language
    parts: list[Part] = [Part("note", answer.preface)] if answer.preface else []
    if answer.title:
        parts.append(Part("title", answer.title))
    for block in answer.body:
        if block.internal and answer.audience != "staff":  # the core filters these already; a second lock
            continue
        if block.text or block.items:
            parts.append(Part(block.kind, block.text, block.items, label("internal", lang) if block.internal else ""))
    shown = "\n".join(text for p in parts for text in (p.text, *p.items))
    listed = {item for p in parts for item in p.items}
    if answer.contact and not _gives(shown, answer.contact):
        parts.append(Part("contact", answer.contact.line(), label=label("contact", lang)))
    cited = tuple(c for c in dict.fromkeys(s.citation() for s in answer.sources) if c not in shown)
    if cited:
        parts.append(Part("sources", items=cited, label=label("sources", lang)))
    offered = tuple(q for q in dict.fromkeys(answer.suggestions) if q.strip() and q not in listed)
    if offered:
        parts.append(Part("suggestions", items=offered, label=label("suggestions", lang)))
    rated = answer.ref if answer.kind == "answer" and answer.matched else None
    return Layout(lang, tuple(parts), rated)


def _gives(shown: str, contact: Contact) -> bool:
    """Whether the text already gives the contact: its whole line, or the name with the phone (or email)."""
    if contact.line() in shown:
        return True
    reach = contact.phone or contact.email
    return bool(contact.name) and contact.name in shown and (reach is None or reach in shown)
