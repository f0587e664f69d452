"""The loaded fact base: immutable, typed records (what `knowledge/` holds, after validation)."""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass, fields
from functools import cached_property
from typing import Any, Literal, TypeVar, cast, get_args

from bot.text.korean import FORMATTER

OUT_OF_SCOPE = "out_of_scope"  # marks, among topic wants, a topic the desk does not answer
BROAD = "broad"  # marks, among topic wants, a topic every record is about (cooperation)
NOT_ON_RECORD = "not_on_record"  # marks, among topic wants, what the sources never hold (hotels, fees, applying)
RELATION = "relation"  # marks, among topic wants, a relation only a record carrying it answers (launched, sent)

Lang = Literal["ko", "en"]
LANGS: tuple[Lang, ...] = ("ko", "en")
# Who reads: the public (Telegram's delegates) or PPS staff (Slack). A record's `visibility` is the
# audience it may reach; staff-only records reach staff only.
Audience = Literal["public", "staff"]
EntityType = Literal["country", "region", "organisation", "programme", "person"]

FACT_TYPES = (
    "export", "contract", "mou", "pilot", "training", "dispatch", "expansion", "event", "count", "budget",
    "administrator", "official", "contact", "definition", "plan", "visit", "cooperation", "participation",
)  # fmt: skip
# Facts of these types record something that happened (or was planned) at a date: they are the events
# that questions across records (first, latest, in 2024, every MOU) are computed from, so they need a `date`.
EVENT_TYPES = ("export", "contract", "mou", "pilot", "training", "dispatch", "event", "visit")
PROGRAMME_KINDS = ("system", "subsystem", "training", "workshop", "forum", "network", "visit", "project", "event")
# Count units that count people (as against countries): 'how many people' is answered by these.
PEOPLE_UNITS = ("officials", "participants", "people")
# The kinds of detail a question can ask for, beyond "what": when, since when, until when, how long, how
# many, how much, who, where. A topic may stand for one of them (topics.yaml `want`: budget -> amount).
Want = Literal["date", "day", "start", "end", "duration", "count", "amount", "person", "place", "ordinal"]
WANTS: tuple[Want, ...] = (
    "date", "day", "start", "end", "duration", "count", "amount", "person", "place", "ordinal",
)  # fmt: skip
# What kind of question a message is (intents.yaml gives each its phrasings in both languages).
Intent = Literal[
    "overview", "when", "how_much", "how_many", "who", "where", "what_is", "list",
    "contact", "source", "greeting", "thanks", "help", "followup",
]  # fmt: skip
INTENTS: tuple[Intent, ...] = get_args(Intent)
# What kind of answer a question wants beyond its intent (cues.yaml gives each its words): the first, since when,
# more than, confirm, all of them, according to the sources, ...
Cue = Literal[
    "first", "latest", "since", "until", "duration", "earlier", "later", "more", "less", "difference", "years",
    "than", "exact", "actually", "next", "compare", "there", "that", "confirm", "all", "before", "after", "events",
    "filler", "or", "according", "which_source", "besides", "ratio", "share", "plan", "languages", "someone",
    "sum", "now",
]  # fmt: skip
CUES: tuple[Cue, ...] = get_args(Cue)
# Programmes of these kinds are events themselves (a forum, a training): their facts are that one event.
EVENT_PROGRAMME_KINDS = ("training", "workshop", "forum", "network", "visit", "project", "event")


H = TypeVar("H", bound=Hashable)


def visible(record: Fact | Entity | Source | Note, audience: Audience) -> bool:
    """Staff-only records reach a staff audience only."""
    return audience == "staff" or record.visibility == "public"


@dataclass(frozen=True, slots=True)
class Text:
    """Curated text in both languages."""

    ko: str
    en: str

    def __call__(self, lang: Lang) -> str:
        return self.ko if lang == "ko" else self.en


@dataclass(frozen=True, slots=True)
class Note:
    text: Text
    visibility: Audience = "staff"


@dataclass(frozen=True, slots=True)
class Omission:
    """A statement of a source that the fact base leaves out on purpose, and why."""

    text: str
    reason: str


@dataclass(frozen=True, slots=True)
class Source:
    id: str
    kind: str
    publisher: Text
    date: str
    title: Text
    date_note: Text | None = None
    seed: str | None = None
    url: str | None = None
    contacts: tuple[str, ...] = ()
    omitted: tuple[Omission, ...] = ()
    notes: tuple[Note, ...] = ()
    visibility: Audience = "public"


@dataclass(frozen=True, slots=True)
class Entity:
    """A country, region, organisation, programme (also events and systems) or person."""

    id: str
    type: EntityType
    name: Text
    aliases: tuple[str, ...]
    summary: Text
    sources: tuple[str, ...]
    visibility: Audience = "public"
    notes: tuple[Note, ...] = ()
    kind: str | None = None
    full_name: Text | None = None
    region: str | None = None
    country: str | None = None
    parent: str | None = None
    organisation: str | None = None
    members: tuple[str, ...] = ()  # an organisation that stands for a group (international organisations)
    partners: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    start: str | None = None
    end: str | None = None
    place: Text | None = None
    title: Text | None = None
    division: Text | None = None
    phone: str | None = None
    email: str | None = None


@dataclass(frozen=True, slots=True)
class Quantity:
    value: float
    unit: str  # a currency (KRW, USD) for amounts, a noun (officials, countries) for counts


@dataclass(frozen=True, slots=True)
class Fact:
    id: str
    about: tuple[str, ...]
    type: str
    asks: tuple[Intent, ...]
    topics: tuple[str, ...]
    text: Text
    sources: tuple[str, ...]
    detail: Text | None = None
    question: Text | None = None  # a question this fact answers, offered as a follow-up suggestion
    date: str | None = None
    end: str | None = None
    as_of: str | None = None
    status: str | None = None
    place: Text | None = None
    amount: Quantity | None = None
    count: Quantity | None = None
    visibility: Audience = "public"
    notes: tuple[Note, ...] = ()

    @property
    def when(self) -> str:
        """The date this fact is anchored at, for ordering ('' when unknown)."""
        return self.as_of or self.date or ""


@dataclass(frozen=True, slots=True)
class OtherName:
    """A country or organisation the fact base knows only by name: it has no record of it."""

    name: Text
    aliases: tuple[str, ...]
    type: Literal["country", "organisation"]


@dataclass(frozen=True, slots=True)
class Learned:
    """A way of asking that a curator taught (knowledge/learned.yaml): `question` gets the record `fact`.
    `by` is the curator's keyed hash, `at` when it was accepted (ISO 8601)."""

    question: str
    fact: str
    by: str
    at: str


class Interner:
    """One copy of each equal immutable value (the details a text gives, the years a record mentions): an index
    built with it holds, and the compiled base pickles and loads, that one copy instead of thousands."""

    def __init__(self) -> None:
        self._pool: dict[object, object] = {}

    def __call__(self, value: H) -> H:
        return cast(H, self._pool.setdefault(value, value))


def pickled_by_fields(*classes: type) -> None:
    """Pickle these frozen, slotted records as their class and field values, rebuilt by their __init__: a third
    faster to load than dataclasses' default state (a compiled base a hundred times the real one holds 15,000)."""
    for cls in classes:
        setattr(cls, "__reduce__", _by_fields)  # noqa: B010 (mypy refuses assigning a method to a class)


def _by_fields(record: Any) -> tuple[type, tuple[object, ...]]:
    return type(record), tuple(getattr(record, f.name) for f in fields(record))


pickled_by_fields(Text, Note, Omission, Source, Entity, Quantity, Fact, OtherName, Learned)


@dataclass(frozen=True)
class KnowledgeBase:
    sources: Mapping[str, Source]
    entities: Mapping[str, Entity]
    facts: tuple[Fact, ...]
    intents: Mapping[Intent, Mapping[Lang, tuple[str, ...]]]
    topics: Mapping[str, Mapping[Lang, tuple[str, ...]]]
    topic_names: Mapping[str, Text]
    # The detail a topic stands for; "" for a topic naming what is counted, "broad" for one every record is
    # about, "out_of_scope" for one not answered, "not_on_record" for one the sources never hold, "relation" for
    # a relation only a record carrying it answers.
    topic_wants: Mapping[str, str]
    cues: Mapping[Cue, Mapping[Lang, tuple[str, ...]]]
    messages: Mapping[str, Text]
    examples: Mapping[Lang, tuple[str, ...]]
    others: tuple[OtherName, ...]
    learned: tuple[Learned, ...] = ()

    def message(self, key: str, lang: Lang, **values: str) -> str:
        """A curated message with its {placeholders} filled; values a message does not use are ignored.
        `{name:이/가}` attaches the Korean particle that fits the value."""
        return FORMATTER.format(self.messages[key](lang), **values)

    @cached_property
    def fact_index(self) -> Mapping[str, Fact]:
        """Every record by its id."""
        return {fact.id: fact for fact in self.facts}

    def summary_counts(self) -> dict[str, int]:
        """What the base holds, by kind (for /about and `validate`); counted once."""
        return dict(self._counts)

    @cached_property
    def _counts(self) -> dict[str, int]:
        by_type: dict[str, int] = {}
        for entity in self.entities.values():
            by_type[entity.type] = by_type.get(entity.type, 0) + 1
        contacts = {pid for s in self.sources.values() for pid in s.contacts}
        return {
            "sources": len(self.sources),
            "countries": by_type.get("country", 0),
            "regions": by_type.get("region", 0),
            "organisations": by_type.get("organisation", 0),
            "programmes": by_type.get("programme", 0),
            "people": by_type.get("person", 0),
            "contacts": len(contacts),
            "facts": len(self.facts),
            "aliases": sum(len(e.aliases) + 2 for e in self.entities.values()),
            "phrasings": sum(len(p) for by_lang in self.intents.values() for p in by_lang.values()),
        }
