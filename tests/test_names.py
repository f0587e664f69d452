"""A name or a title asked as it is written in each language (bot/answering/names.py)."""

from __future__ import annotations


def test_an_english_name_asked_in_korean_gives_both(bot):
    assert bot.ask("종합쇼핑몰 영문명").body[0].text == "국문: 종합쇼핑몰 / 영문: e-Shopping Mall"


def test_a_title_asked_in_both_versions_gives_both(bot):
    answer = bot.ask("Lalita M. Moorty's title is given differently in the Korean and English texts. What are the two?")
    assert answer.body[1].text == "Title — Korean: 세계은행 지역 매니저 / English: Regional Director, World Bank"


def test_a_detail_asked_in_english_is_that_detail_not_the_name(bot):
    answer = bot.ask("세계은행 포럼의 주제를 영문 포함해서 알려줘")
    assert not answer.body[0].text.startswith("국문:")


def test_korean_in_a_question_still_names_korea(bot):
    answer = bot.ask("which korean company make that rehab robot product?")
    assert "Korea" in answer.title


def test_a_record_asked_in_the_other_language_gives_it_in_both(bot):
    answer = bot.ask("포럼 주제 영어로")
    assert answer.matched and "Accelerating Sustainable Development" in answer.body[-1].text
