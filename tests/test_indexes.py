"""The indexes that keep a question's cost flat as the fact base grows find exactly what reading every record
finds: events by what they concern, facts by the words they use, names by a trie."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.answering.engine import Engine
from bot.answering.wordindex import literal_pattern
from bot.factbase.model import KnowledgeBase
from bot.text.normalize import has_hangul, normalize, words

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def engine(kb: KnowledgeBase) -> Engine:
    return Engine(kb)


def question_words() -> list[str]:
    texts = [json.loads(line)["text"] for line in (REPO / "tests" / "eval" / "cases.jsonl").read_text().splitlines()]
    return sorted({w for text in texts for w in words(normalize(text)) if len(w) >= 2})


def test_the_events_indexed_for_an_entity_are_those_that_concern_it(engine: Engine, kb: KnowledgeBase) -> None:
    records = engine.records
    for entity in kb.entities.values():
        expected = [e for e in records.events if e.concerns(entity)]
        assert records.select(scope=[entity.id], audience="staff") == expected, entity.id


def test_the_events_selected_by_kind_are_those_of_that_kind_in_date_order(engine: Engine) -> None:
    records = engine.records
    for kind in {k for e in records.events for k in e.kinds}:
        assert records.select(kinds=[kind], audience="staff") == [e for e in records.events if kind in e.kinds]


def test_a_facts_figure_is_found_among_the_facts_about_the_entity(engine: Engine, kb: KnowledgeBase) -> None:
    for entity in kb.entities.values():
        fact = engine.records.figure(entity.id, "count")
        assert fact is None or entity.id in fact.about


def test_the_word_index_finds_every_text_that_uses_a_question_word(engine: Engine, kb: KnowledgeBase) -> None:
    """Exactly, for an English word; among those it gives, for a Korean one."""
    ranker = engine.ranker
    checked = 0
    for lang in ("ko", "en"):
        index = ranker.word_index[lang]
        texts = [ranker.texts[lang][f.id] for f in kb.facts]
        for word in question_words():
            using = {at for at, text in enumerate(texts) if ranker.uses(text, word)}
            if has_hangul(word):
                could = index.hangul(word)
                assert could is None or using <= could, (lang, word)
            elif len(word) >= 3:
                assert index.english(word) == using, (lang, word)
            checked += bool(using)
    assert checked > 100  # the words do find texts: the checks above are not vacuous


def test_a_topical_question_ranks_the_facts_on_its_topics_as_scoring_each_would(engine: Engine) -> None:
    """The classes of facts (masks) order the facts exactly as scoring each fact and sorting would."""
    from bot.answering.context import Context
    from bot.answering.ranking import W_INTENT, W_TOPIC, W_WANT
    from bot.answering.resolve import Resolver
    from bot.factbase.model import visible
    from bot.reading.periods import newest_first

    ranker = engine.ranker
    asked = ("MOU 언제 체결했어?", "how many countries use KONEPS", "포럼 어디서 열렸어?", "2024 training participants")
    for question in asked:
        u = engine.understander.read(question, None)
        ask = Resolver(engine, u, u.lang, "public", Context()).request(question).ask
        scored = []
        for fact in engine.kb.facts:
            overlap = len(ask.topics.intersection(fact.topics))
            if overlap and visible(fact, ask.audience):
                score = W_TOPIC * min(2, overlap) + (W_INTENT if ask.intent in fact.asks else 0.0)
                score += W_WANT if ask.want and ask.want in engine.details.of_fact(fact, ask.lang) else 0.0
                scored.append((score + ranker._year_score(ask, fact), fact))
        scored.sort(key=lambda sf: (-sf[0], newest_first(sf[1].when)))
        assert scored and list(ranker.topical(ask)) == scored, question


@settings(max_examples=300, deadline=None)
@given(
    names=st.lists(st.text(alphabet="abk가나다 .-", min_size=1, max_size=6), max_size=12),
    text=st.text(alphabet="abk가나다 .-x", max_size=40),
)
def test_a_names_pattern_finds_a_name_exactly_when_the_text_contains_one(names: list[str], text: str) -> None:
    assert (literal_pattern(names).search(text) is not None) == any(name in text for name in names)


def test_a_pattern_of_no_names_finds_nothing() -> None:
    assert literal_pattern([]).search("anything") is None
    assert literal_pattern([""]).search("anything") is None


def test_a_place_where_many_programmes_were_held_names_none_of_them(tmp_path: Path, kb: KnowledgeBase) -> None:
    """'The forum in Seoul' names the one forum held there; with ten held there it names none (as PPS, partner of
    many, names no one programme)."""
    import sys

    sys.path.insert(0, str(REPO))
    from bench.run import synthetic
    from bot.factbase.loading import load

    question = "what was the topic at the forum in seoul"
    assert Engine(kb).understander.read(question, None).implied
    many = Engine(load(synthetic(10, tmp_path / "knowledge")))
    assert many.understander.read(question, None).implied == ()


def test_the_events_selected_for_a_period_are_those_it_holds(engine: Engine) -> None:
    from bot.reading.periods import Period

    records = engine.records
    periods = [
        Period("2024", "2024"),
        Period("2023-11", "2023-11"),
        Period("", "2010"),
        Period("2015", ""),
        Period("2014-04-26", "2014-04-26"),
    ]
    for period in periods:
        expected = [e for e in records.events if period.holds(e.start, e.end)]
        assert records.select(period=period, audience="staff") == expected, period


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sets(st.integers(0, 200), max_size=40), min_size=1, max_size=5))
def test_masks_hold_exactly_their_positions(sets: list[set[int]]) -> None:
    from bot.answering.factmasks import at_least_two, mask_of, positions

    masks = [mask_of(s, 201) for s in sets]
    assert [sorted(positions(m)) for m in masks] == [sorted(s) for s in sets]
    twice = {at for at in range(201) if sum(at in s for s in sets) >= 2}
    assert set(positions(at_least_two(masks))) == twice
