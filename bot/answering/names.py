"""A name or a title asked as it is written in each language ('종합쇼핑몰 영문명', 'Moorty's title in the Korean and
English texts'): the fact base holds every name and title in both, so both are given, then what it is."""

from __future__ import annotations

from bot.answering.case import Case
from bot.answering.confidence import NAMES
from bot.showing.answer import Answer, Block

NAME_TOPICS = frozenset({"full_name"})  # a question of these asks the name itself


def in_both_languages(case: Case) -> Answer | None:
    named = [e for e in case.specific if e not in case.ranker.generic]
    if "languages" not in case.ask.cues or len(named) != 1 or case.topics - NAME_TOPICS:
        return None  # ('세계은행 포럼의 주제를 영문으로': its theme, in English)
    if case.is_event(named[0]):
        return None  # an event's detail in English ('our delegation head's name, for the certificate spelling')
    entity, compose = case.entity(named[0]), case.compose
    lines = [compose.say("names_in_languages", ko=entity.name("ko"), en=entity.name("en"))]
    if entity.title is not None:
        lines.append(compose.say("title_in_languages", ko=entity.title("ko"), en=entity.title("en")))
    body = [Block("paragraph", line) for line in lines] + [Block("paragraph", entity.summary(case.lang))]
    return compose.make(
        "answer",
        True,
        NAMES,
        title=entity.name(case.lang),
        body=body,
        entities=(entity.id,),
        sources=entity.sources,
        suggest_from=entity,
    )
