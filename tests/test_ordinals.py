"""The place in a series a question names (bot/reading/ordinals.py) and the answers that use it."""

from __future__ import annotations

import pytest

from bot import render_plain
from bot.reading.ordinals import nth


@pytest.mark.parametrize(
    ("text", "place"),
    [("세 번째 나라", 3), ("두번째로 수출한", 2), ("the 2nd mou", 2), ("which was the third", 3), ("10번째", 10)],
)
def test_a_place_in_a_series_is_read(text, place):
    assert nth(text) == place


@pytest.mark.parametrize("text", ["첫 번째", "몇 번째 수출이야", "the second half of 2024", "the first export"])
def test_the_first_a_question_of_place_and_a_half_year_are_not_places(text):
    assert nth(text) is None


def test_the_second_export_is_the_second_by_date(bot):
    reply = render_plain(bot.ask("나라장터 두번째로 수출한 나라 어디에요"))
    assert "코스타리카 (2009년)" in reply


def test_a_place_beyond_the_records_is_not_on_record(bot):
    answer = bot.ask("what was the tenth training?")
    assert not answer.matched and "no tenth one" in render_plain(answer)


def test_before_another_thing_gets_yes_or_no_first(bot):
    assert bot.ask("did tunisia get KONEPS before mongolia?").body[0].text == "No."
    assert bot.ask("was the Kyrgyzstan MOU after the World Bank forum?").body[0].text == "Yes, that's right."


def test_a_korean_yes_no_question_of_order_gets_yes_or_no_first(bot):
    assert bot.ask("튀니지가 몽골보다 먼저 나라장터 도입했어?").body[0].text == "아닙니다."
    assert bot.ask("몽골이 튀니지보다 먼저 도입했어?").body[0].text == "네, 맞습니다."
