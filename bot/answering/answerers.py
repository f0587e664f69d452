"""The answerers, in the order they are asked: each takes a case (a resolved request, case.py) and the engine's
parts, and returns a candidate answer or nothing. The first candidate is the answer, which the engine then
verifies (verify.py) before it is sent.

Small talk; a name the fact base has no record of; what the desk does not answer; what the sources never hold
(a hotel, a fee, how to apply) and a relation no record of the thing named carries; whom to contact; which
sources; a name or title in both languages (names.py); the members of a group named (groups.py); a figure
stated at several dates, as it changed (series.py); questions across records (across.py: comparisons, first
and latest, a period, every item of a kind, how many); a role at the time of a named event or in a period
(roles.py); someone asked for by a role (people.py); a question that names nothing (without_names.py); the
countries of a programme (programme_countries.py); then the records about the named things (about_named.py),
which always answers. Each says exactly what is not on record where no record holds what is asked.
"""

from __future__ import annotations

from collections.abc import Callable

from bot.answering.about_named import AboutNamed
from bot.answering.across import Across
from bot.answering.case import Case
from bot.answering.citations import press_contact
from bot.answering.engine_parts import EngineParts
from bot.answering.groups import group_members
from bot.answering.names import in_both_languages
from bot.answering.people import someone
from bot.answering.programme_countries import ProgrammeCountries
from bot.answering.series import Series
from bot.answering.without_names import WithoutNames
from bot.factbase.model import visible
from bot.reading.question import subjects_of
from bot.showing.answer import Answer

Answerer = Callable[[Case, EngineParts], Answer | None]


def small_talk(case: Case, parts: EngineParts) -> Answer | None:
    if not case.u.text:
        return case.compose.smalltalk("help")
    if case.request.operation == "chat" and case.intent:
        return case.compose.smalltalk(case.intent)
    return None


def unknown_names(case: Case, parts: EngineParts) -> Answer | None:
    """A name the fact base knows only as one it holds nothing on (Peru, the African Development Bank)."""
    if not case.u.unknown:
        return None
    others = parts.understander.index.others
    return case.compose.unknown(", ".join(dict.fromkeys(others[m.target].name(case.lang) for m in case.u.unknown)))


def outside_the_desk(case: Case, parts: EngineParts) -> Answer | None:
    """Bidding on a tender, tomorrow's weather: not the cooperation desk's; asked of something of ours
    ('register as a supplier for the ADB training'), not on record, and never its overview."""
    outside = sorted(t for t in case.topics & parts.out_of_scope if not _only_in_names(case, parts, t))
    if not outside:
        return None
    named = {m.target for m in case.u.mentions if m.known} - case.ranker.generic
    return off_record(case, outside[0]) if named else case.compose.fallback()


def never_on_record(case: Case, parts: EngineParts) -> Answer | None:
    """What the sources never hold (a hotel, a fee, how to apply)."""
    missing = sorted(case.topics & parts.never_on_record)
    return off_record(case, missing[0]) if missing else None


def relation_unheld(case: Case, parts: EngineParts) -> Answer | None:
    """A relation asked of something named ('when will KONEPS start operating in Kyrgyzstan?') that none of its
    records carries: not on record, never a neighbouring record (the MOU's date). An event's own relations
    ('when did the forum open?') are its dates, which every record of it holds."""
    asked = sorted(case.topics & parts.relations)
    named = [e for e in case.specific if e not in case.ranker.generic and not case.is_event(e)]
    if not asked or not named or any(case.is_event(e) for e in case.specific):
        return None  # ('from the forum's opening day': an event named is what opened)
    held = {t for e in named for f in case.ranker.facts_about(e) if visible(f, case.audience) for t in f.topics}
    unheld = next((t for t in asked if t not in held), None)
    return off_record(case, unheld) if unheld else None


def another_year(case: Case, parts: EngineParts) -> Answer | None:
    """'How many trainees did the 2023 ADB training have?': an event named with a year none of its records is of
    (it was held in 2024) is not on record, never the event of another year."""
    period = case.u.period
    events = [e for e in case.specific if case.is_event(e) and e in case.u.entity_ids]  # named, not borrowed
    if case.premise or period is None or period.start != period.end or not period.start or len(events) != 1:
        return None  # ('it started in 2017, didn't it?' is corrected: no, in 2015)
    year = period.start[:4]
    records = [f for f in case.ranker.facts_about(events[0]) if visible(f, case.audience)]
    # A record of that year (the forum was planned at a meeting in April 2023) is about it in that year.
    if not records or any(int(year) in case.ranker.years[f.id] for f in records):
        return None
    event = parts.records.of_entity(events[0], (), case.audience)
    if event is None or event.start[:4] <= year <= (event.end or event.start)[:4]:
        return None
    line = case.compose.say(
        "not_on_record_year", event=case.compose.title(event), when=case.compose.when(event), year=year
    )
    return case.compose.not_on_record(case.entity(events[0]), line, records[0])


def contact(case: Case, parts: EngineParts) -> Answer | None:
    if case.request.operation != "contact":
        return None
    # The documents on the thing itself first (the Iraq release for 'the Iraq project'), then those naming it.
    own = [s for e in case.specific for s in case.entity(e).sources]
    own += [s for e in case.specific for f in case.ranker.facts_about(e) if f.about[0] == e for s in f.sources]
    naming = [s for e in case.entities for f in case.ranker.facts_about(e) for s in f.sources]
    found = press_contact(case.kb, own)
    return case.compose.contact(case.entities, own if found and found[1].id in own else naming, parts.contact_facts)


def sources(case: Case, parts: EngineParts) -> Answer | None:
    """'Where is this from?': the documents the last answer rested on, or those about a thing named (and about
    the topics named with it: the Kyrgyzstan MOU's, not every document on Kyrgyzstan)."""
    if case.request.operation != "sources":
        return None
    about = subjects_of(case.kb, case.topics) - {"source"}  # '출처 ... 키르기스스탄 MOU': the MOU's
    if about and not case.u.entity_ids:
        return None
    if case.u.entity_ids:
        facts = [f for e in case.entities for f in case.ranker.facts_about(e) if visible(f, case.audience)]
        on_topic = [f for f in facts if about & set(f.topics)]
        if on_topic:  # the records on it, not the overviews of what was named
            facts = [f for f in on_topic if f.about[0] in case.entities] or on_topic
        overviews = [] if on_topic else [s for e in case.entities for s in case.entity(e).sources]
        ids = [s for f in facts for s in f.sources] + overviews
        return case.compose.sources_of(ids, case.entities, [f.id for f in facts])
    ctx = case.context
    return case.compose.sources_of(ctx.sources, ctx.entities, ctx.facts) if ctx.sources else None


def names(case: Case, parts: EngineParts) -> Answer | None:
    return in_both_languages(case)


def members(case: Case, parts: EngineParts) -> Answer | None:
    return group_members(case)


def series(case: Case, parts: EngineParts) -> Answer | None:
    return Series(case).answer()


def across_records(case: Case, parts: EngineParts) -> Answer | None:
    return None if case.premise else Across(case).answer()


def role(case: Case, parts: EngineParts) -> Answer | None:
    return parts.roles.in_documents(case) or parts.roles.in_period(case) or parts.roles.at_time(case)


def person(case: Case, parts: EngineParts) -> Answer | None:
    return someone(case)


def without_names(case: Case, parts: EngineParts) -> Answer | None:
    return None if case.entities else WithoutNames(case).answer()


def programme_countries(case: Case, parts: EngineParts) -> Answer | None:
    return ProgrammeCountries(case).answer()


ANSWERERS: tuple[Answerer, ...] = (
    small_talk,
    unknown_names,
    outside_the_desk,
    never_on_record,
    relation_unheld,
    another_year,
    contact,
    sources,
    names,
    members,
    role,
    series,
    across_records,
    person,
    without_names,
    programme_countries,
)


def decide(case: Case, parts: EngineParts) -> Answer:
    """The first answerer's candidate; else the records about the things named, which always give one."""
    for answerer in ANSWERERS:
        if (candidate := answerer(case, parts)) is not None:
            return candidate
    return AboutNamed(case).answer()


def off_record(case: Case, topic: str) -> Answer:
    """What the sources never hold, asked about what the question names: that it is not on record, what the
    sources do say about what is named, and whom to ask. A record that only shares the question's names (the
    training's curriculum for 'how do I apply') is never the answer."""
    named = [case.entity(e) for e in case.specific if e not in case.ranker.generic]
    if not named:
        return case.compose.nothing_on(topic)
    closest = next((f for f in case.ranker.facts_about(named[0].id) if visible(f, case.audience)), None)
    return case.compose.nothing_on(topic, named[0], closest)


def _only_in_names(case: Case, parts: EngineParts, topic: str) -> bool:
    """A topic signalled only by a name ('the curso with BID': IDB, no bid) is not asked."""
    surfaces = {m.surface.casefold() for m in case.u.mentions}
    signals = parts.understander.topic_words.get(topic, ())
    return any(s in surfaces for s in signals) and not any(w in signals for w in case.u.terms)
