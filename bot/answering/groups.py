"""The members of a group named ('which multilateral development banks', '다자개발은행은 어디어디'): the group's
members, by name, led by what the sources say of the group; with an event named ('세계은행 포럼에 참가한
다자개발은행'), those of them that took part in it."""

from __future__ import annotations

from bot.answering.case import Case
from bot.factbase.model import Entity, visible
from bot.showing.answer import Answer

ASKS_WHICH = frozenset({None, "list", "what_is", "where", "who"})  # which ones: not a date, a count, their doings
ABOUT_MEMBERS = frozenset({"participants", "place", "countries", "members"})  # words of who they are


def group_members(case: Case) -> Answer | None:
    asked = _group_asked(case)
    if asked is None:
        return None
    group, event = asked
    return _at_event(case, group, event) if event else _of_group(case, group)


def _group_asked(case: Case) -> tuple[Entity, Entity | None] | None:
    """The group whose members the question asks for, and the one event it names, if any."""
    named = [e for e in case.specific if e not in case.ranker.generic]
    groups = [case.entity(e) for e in named if case.entity(e).kind == "group" and case.entity(e).members]
    events = [case.entity(e) for e in named if case.is_event(e)]
    if len(groups) != 1 or len(named) != len(groups) + len(events) or len(events) > 1:
        return None
    # (The forum of '포럼에 참석한 국제기구' says which event; 'every training with an international organisation'
    # asks of trainings.)
    about_else = case.topics - ABOUT_MEMBERS - (case.kinds if events else frozenset())
    if case.u.period or case.intent not in ASKS_WHICH or "events" in case.ask.cues or about_else:
        return None  # ('개발은행들이랑 같이 한 사업 전부 알려줘', 'when did they meet PPS?' ask of their doings)
    if events and "participants" not in case.topics:
        return None  # anything else asked of a group and an event is the event's records'
    return groups[0], events[0] if events else None


def _of_group(case: Case, group: Entity) -> Answer | None:
    names = [case.entity(m).name(case.lang) for m in group.members if m in case.kb.entities]
    if not names:
        return None
    return case.compose.listing(group.name(case.lang), names, group.sources, group, group.summary(case.lang))


def _at_event(case: Case, group: Entity, event: Entity) -> Answer | None:
    """Those of the group that took part in the event ('besides the World Bank': but those named), led by who took
    part as the event's record says it."""
    set_aside = set(case.u.entity_ids) if "besides" in case.ask.cues else set()
    members = [m for m in group.members if m in event.partners and m not in set_aside and m in case.kb.entities]
    if not members:
        return None
    took_part = next(
        (f for f in case.ranker.facts_about(event.id) if "participants" in f.topics and visible(f, case.audience)),
        None,
    )
    return case.compose.listing(
        f"{event.name(case.lang)} · {group.name(case.lang)}",
        [case.entity(m).name(case.lang) for m in members],
        took_part.sources if took_part else event.sources,
        event,
        took_part.text(case.lang) if took_part else "",
        [took_part.id] if took_part else [],
    )
