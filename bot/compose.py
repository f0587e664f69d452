"""Turning records of the fact base into Answer pieces: sources, contacts, notes, dates, suggestions."""

from __future__ import annotations

from collections.abc import Iterable

from bot.answer import Audience, Block, Contact, SourceRef
from bot.model import Entity, Fact, KnowledgeBase, Lang, Note, Source

MONTHS_EN = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
             "October", "November", "December")  # fmt: skip


def format_date(iso: str, lang: Lang) -> str:
    """2024-05-30 -> '2024년 5월 30일' / '30 May 2024'; partial dates stay partial."""
    parts = [int(p) for p in iso.split("-")]
    if lang == "ko":
        return " ".join(f"{v}{unit}" for v, unit in zip(parts, ("년", "월", "일"), strict=False))
    if len(parts) == 1:
        return str(parts[0])
    month = MONTHS_EN[parts[1] - 1]
    return f"{parts[2]} {month} {parts[0]}" if len(parts) == 3 else f"{month} {parts[0]}"


def visible(record: Fact | Entity | Source | Note, audience: Audience) -> bool:
    return audience == "staff" or record.visibility == "public"


def source_refs(kb: KnowledgeBase, ids: Iterable[str], lang: Lang, audience: Audience) -> tuple[SourceRef, ...]:
    """The cited documents, newest first, each once."""
    seen = dict.fromkeys(ids)
    sources = [kb.sources[s] for s in seen if s in kb.sources and visible(kb.sources[s], audience)]
    sources.sort(key=lambda s: s.date, reverse=True)
    return tuple(
        SourceRef(s.id, s.title(lang), s.publisher(lang), s.date, format_date(s.date, lang), s.url) for s in sources
    )


def note_blocks(notes: Iterable[Note], lang: Lang, audience: Audience) -> list[Block]:
    """Curator notes: staff-only ones reach a staff audience only, marked internal."""
    return [Block("note", n.text(lang), internal=n.visibility == "staff") for n in notes if visible(n, audience)]


def person_contact(person: Entity, lang: Lang) -> Contact:
    return Contact(
        name=person.name(lang),
        title=person.title(lang) if person.title else "",
        division=person.division(lang) if person.division else "",
        phone=person.phone,
        email=person.email,
    )


def press_contact(kb: KnowledgeBase, source_ids: Iterable[str]) -> tuple[Entity, Source] | None:
    """The press contact of the newest of these sources that names one (else of the newest source that
    does), with the source that names them, so the answer can cite it."""
    ordered = sorted((kb.sources[s] for s in set(source_ids) if s in kb.sources), key=lambda s: s.date, reverse=True)
    everything = sorted(kb.sources.values(), key=lambda s: s.date, reverse=True)
    for source in [*ordered, *everything]:
        for pid in source.contacts:
            person = kb.entities.get(pid)
            if person is not None and person.visibility == "public":
                return person, source
    return None


def contact_for(kb: KnowledgeBase, source_ids: Iterable[str], lang: Lang) -> Contact | None:
    found = press_contact(kb, source_ids)
    return person_contact(found[0], lang) if found else None
