"""The members of a group named ('which multilateral development banks', '다자개발은행은 어디어디'): the group's
members, by name, led by what the sources say of the group."""

from __future__ import annotations

from bot.answering.case import Case
from bot.factbase.model import visible
from bot.showing.answer import Answer

ASKS_WHICH = frozenset({None, "list", "what_is", "where", "who"})  # which ones: not a date, a count, their doings
ABOUT_MEMBERS = frozenset({"participants", "place", "countries", "members"})  # words of who they are


def group_members(case: Case) -> Answer | None:
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
    group = groups[0]
    members = [m for m in group.members if m in case.kb.entities]
    if events:
        # '세계은행 포럼에 참가한 다자개발은행': those of the group that took part in the event ('besides the World
        # Bank': but those named). Anything else asked of the group and an event is the event's records'.
        if "participants" not in case.topics:
            return None
        set_aside = set(case.u.entity_ids) if "besides" in case.ask.cues else set()
        members = [m for m in members if m in events[0].partners and m not in set_aside]
    if not members:
        return None
    names = [case.entity(m).name(case.lang) for m in members]
    if not events:
        return case.compose.listing(group.name(case.lang), names, group.sources, group, group.summary(case.lang))
    event = events[0]
    # Led by who took part, as the event's record says it.
    took_part = next(
        (f for f in case.ranker.facts_about(event.id) if "participants" in f.topics and visible(f, case.audience)),
        None,
    )
    lead = took_part.text(case.lang) if took_part else ""
    sources = took_part.sources if took_part else event.sources
    title = f"{event.name(case.lang)} · {group.name(case.lang)}"
    return case.compose.listing(title, names, sources, event, lead, [took_part.id] if took_part else [])
