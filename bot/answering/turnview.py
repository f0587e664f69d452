"""The turn being answered, as the kinds of answer see it (about_named, without_names, across,
programme_countries, roles): a protocol, so that their modules do not import the turn (turn.py) that calls them;
and a figure the question states for confirmation."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from bot.answering.compose import Composer
from bot.answering.details import Details
from bot.answering.ranking import Ranker
from bot.answering.records import Records
from bot.factbase.model import Audience, Entity, KnowledgeBase, Lang
from bot.reading.question import Ask
from bot.reading.understand import Understanding


@dataclass(frozen=True, slots=True)
class Premise:
    """A figure the question states for confirmation: 'KONEPS was exported to 20 countries, right?'"""

    field: str  # amount | count | year
    value: float


class TurnView(Protocol):
    """What a kind of answer needs of the turn being answered (turn.Turn)."""

    kb: KnowledgeBase
    u: Understanding
    lang: Lang
    audience: Audience
    intent: str | None
    topics: frozenset[str]
    entities: tuple[str, ...]
    yes_no: bool
    premise: Premise | None
    details: Details
    records: Records
    ranker: Ranker
    compose: Composer

    @property
    def ask(self) -> Ask: ...

    @property
    def specific(self) -> tuple[str, ...]: ...

    @property
    def kinds(self) -> frozenset[str]: ...

    def entity(self, eid: str) -> Entity: ...

    def is_event(self, eid: str) -> bool: ...

    def off_topic(self) -> bool: ...
