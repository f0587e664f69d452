"""The pieces of the fact base an answer cites, in a reader's language: the documents, curator notes, and whom
to ask."""

from __future__ import annotations

from collections.abc import Iterable

from bot.factbase.model import Audience, Entity, KnowledgeBase, Lang, Note, Source, visible
from bot.showing.answer import Block, Contact, SourceRef
from bot.showing.formatting import format_date, international_phone


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


def person_contact(kb: KnowledgeBase, person: Entity, lang: Lang) -> Contact:
    """A person as a contact, written the way the language writes it; phone numbers in international form
    for readers of English (they call from abroad)."""
    name, title = person.name(lang), person.title(lang) if person.title else ""
    division = person.division(lang) if person.division else ""
    written = kb.message("contact_line", lang, name=name, title=title, division=division).strip(" ,")
    phone = international_phone(person.phone) if person.phone and lang == "en" else person.phone
    return Contact(name=name, title=title, division=division, phone=phone, email=person.email, written=written)


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
    """Whom to ask about what these sources say, written for a reader of `lang`."""
    found = press_contact(kb, source_ids)
    return person_contact(kb, found[0], lang) if found else None
