"""Someone asked for by a role ('세계은행 쪽 연사 이름', '코스타리카 파견 공무원 누구야', 'the KOICA focal
person'): the one person on record of the organisation named; or, when no one on record relates to what is named,
that the sources name no one. Never a person guessed from a record that only mentions officials."""

from __future__ import annotations

import re

from bot.answering.case import Case
from bot.answering.confidence import NAMES
from bot.factbase.model import Entity, visible
from bot.showing.answer import Answer

NAME_ASKED = re.compile(r"이름|성함|누구|누가|\bnames?\b|\bwho\b")  # with a role: who that person is


def someone(case: Case) -> Answer | None:
    asks_who = case.ask.want == "person" or case.intent is None or NAME_ASKED.search(case.u.text) is not None
    if "someone" not in case.ask.cues or not asks_who:
        return None
    if any(case.entity(e).type == "person" for e in case.entities):
        return None  # someone named is asked about: their records answer
    named = [e for e in case.specific if e not in case.ranker.generic]
    if not named:
        return None
    # 'Who from ADB gave remarks at the training?': someone of an organisation the question names only to say
    # which training; its one person on record, or, with no one of it on record, the organisation has no one.
    organisations = _organisations_named(case, named)
    of_them = [p for p in case.kb.entities.values() if p.type == "person" and p.organisation in organisations]
    if len(of_them) == 1 and visible(of_them[0], case.audience) and _of_the_years(case, of_them[0]):
        return case.compose.overview(of_them[0], NAMES, "person")
    if organisations and not of_them:
        named = organisations[:1]
    related = _people_of(case, named)
    if not related:
        return _no_one(case, case.entity(named[0]))
    of_organisation = [p for p in related if p.organisation in named]
    if len(of_organisation) == 1:
        return case.compose.overview(of_organisation[0], NAMES, "person")
    return None


def _organisations_named(case: Case, named: list[str]) -> list[str]:
    """Organisations the question names beside what it asks of ('ADB' of 'who from ADB ... at the training')."""
    if any(case.entity(e).type == "organisation" for e in named):
        return []
    return [e for e in case.u.entity_ids if case.entity(e).type == "organisation" and e not in case.ranker.generic]


def _no_one(case: Case, subject: Entity) -> Answer:
    """The sources name no one for it; what they say of it that the question is about (the dispatch, for the
    dispatched official)."""
    shown = [f for f in case.ranker.facts_about(subject.id) if visible(f, case.audience)]
    closest = next((f for f in shown if case.topics & set(f.topics)), shown[0] if shown else None)
    return case.compose.not_on_record(subject, case.compose.missing(subject, None, "person"), closest)


def _of_the_years(case: Case, person: Entity) -> bool:
    """Whether the person's records are of a year the question names, if it names one (the World Bank's speaker
    of 2024 is not who attended a 2023 meeting)."""
    records = [f for f in case.ranker.facts_about(person.id) if visible(f, case.audience)]
    return not case.u.years or any(case.u.years & case.ranker.dated[f.id] for f in records)


def _people_of(case: Case, named: list[str]) -> list[Entity]:
    """The people on record of the things named: of their organisation, or in their records."""
    people = {
        x
        for e in named
        for f in case.ranker.facts_about(e)
        if visible(f, case.audience)
        for x in f.about
        if case.entity(x).type == "person"
    }
    people |= {p.id for p in case.kb.entities.values() if p.type == "person" and p.organisation in named}
    return [case.entity(p) for p in sorted(people) if visible(case.entity(p), case.audience)]
