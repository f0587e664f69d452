"""Replies read as a person would write them: contact lines in the usual order, each figure once, the
ambiguities of a source said briefly, and follow-up suggestions that are real questions with answers."""

from __future__ import annotations

import re

import pytest

from bot import Coopbot, render_plain
from bot.text.normalize import normalize


def test_korean_contact_line_names_division_person_then_title(bot):
    contact = bot.command("contact", lang="ko").contact
    assert contact is not None and contact.line() == "국제협력담당관 신봉기 사무관 (042-724-7470)"


def test_english_contact_line_gives_title_name_division_and_an_international_number(bot):
    contact = bot.command("contact", lang="en").contact
    assert contact is not None
    assert contact.line() == "Deputy Director Shin Bong-gi, International Cooperation Division (+82-42-724-7470)"


def all_curated_texts(bot: Coopbot) -> list[str]:
    texts = [t for f in bot.kb.facts for t in (f.text.ko, f.text.en)]
    return texts + [t for e in bot.kb.entities.values() for t in (e.summary.ko, e.summary.en)]


# A figure followed by the same figure in brackets: 3,000만 달러(3000만달러), 약 110명(110여 명).
DOUBLED = re.compile(r"(\d[\d,.]*)[^\d()]{0,6}\(\s*(?:약|about|around|over)?\s*(\d[^)]*)\)")


def test_no_figure_is_written_twice(bot):
    doubled = [
        text for text in all_curated_texts(bot)
        for number, inside in DOUBLED.findall(text)
        if re.findall(r"\d+", inside.replace(",", ""))[:1] == [number.replace(",", "")]
    ]  # fmt: skip
    assert doubled == []


@pytest.mark.parametrize("question", ["ADB training budget for the course", "ADB 연수 교육 비용은?"])
def test_a_line_on_what_is_missing_names_the_kind_of_thing_once(bot, question):
    line = bot.ask(question).body[0].text
    assert "training training" not in line and "연수 연수" not in line and ("amount" in line or "금액" in line)


def test_a_public_answer_says_briefly_that_dominica_may_mean_the_dominican_republic(bot):
    answer = bot.ask("중남미 어디로 더 수출하려구 해?")
    assert answer.audience == "public" and "도미니카공화국을 뜻했을 수도" in render_plain(answer)


# -- follow-up suggestions ----------------------------------------------------------------------------


def offered(bot: Coopbot) -> list[tuple[str, str, str]]:
    """Every suggestion the bot offers after the questions people start with: (session, asked, suggestion)."""
    starts = [q for f in bot.kb.facts if f.question for q in (f.question.ko, f.question.en)]
    starts += [
        bot.message("suggest_about", lang, name=e.name(lang))
        for e in bot.kb.entities.values() if e.visibility == "public" for lang in ("ko", "en")
    ]  # fmt: skip
    starts += [q for lang in ("ko", "en") for q in bot.examples(lang)]
    found = []
    for i, question in enumerate(starts):
        answer = bot.ask(question, session=f"offer:{i}")
        found += [(f"offer:{i}", question, s) for s in answer.suggestions]
    return found


def test_every_suggestion_the_bot_offers_is_answered(bot):
    unanswered = []
    for session, _, suggestion in offered(bot):
        answer = bot.ask(suggestion, session=session)
        if not answer.matched or answer.kind not in ("answer", "smalltalk"):
            unanswered.append((suggestion, answer.kind))
    assert sorted(set(unanswered)) == []


def test_no_suggestion_repeats_the_question_just_answered(bot):
    repeats = [(asked, s) for _, asked, s in offered(bot) if normalize(asked) == normalize(s)]
    assert repeats == []


def test_suggestions_are_questions_in_the_language_of_the_answer(bot):
    for lang, question in (("ko", "몽골 나라장터 수출"), ("en", "Kyrgyzstan MOU date")):
        answer = bot.ask(question)
        assert answer.language == lang and 2 <= len(answer.suggestions) <= 3
        assert all(bool(re.search("[가-힣]", s)) == (lang == "ko") for s in answer.suggestions)
