"""A figure stated at several dates, asked about as it changed (bot/answering/series.py)."""

from __future__ import annotations

from bot import render_plain


def test_the_change_between_two_years_named_leads(bot):
    lead = bot.ask("2018년에서 2022년 사이 APPeN 전자조달 도입국 증가폭은?").body[0].text
    assert lead == "11개국 늘었습니다: 2018년 22개국 → 2022년 33개국."


def test_how_much_it_grew_is_a_count_when_the_figure_is_a_count(bot):
    answer = bot.ask("APPeN 회원국 중 전자조달 도입국은 2013년에서 2018년 사이 얼마나 늘었나")
    assert answer.matched and answer.body[0].text.startswith("10개국 늘었습니다")


def test_how_many_times_over_is_a_ratio(bot):
    lead = bot.ask("APPeN 회원국 중 전자조달 도입국은 2013년 대비 2022년에 몇 배가 되었나?").body[0].text
    assert lead.startswith("약 2.75배")


def test_against_a_year_with_a_difference_asked_is_the_difference(bot):
    lead = bot.ask("APPeN 회원국 중 전자조달 도입국 2013년 대비 2022년에 몇 개 늘었어?").body[0].text
    assert lead.startswith("21개국 늘었습니다")


def test_three_years_named_give_each_step(bot):
    lead = bot.ask("APPeN e-proc adoption numbers 2013/2018/2022 pls").body[0].text
    assert "Up by 10 countries" in lead and "Up by 11 countries" in lead


def test_a_share_is_the_figure_over_its_whole(bot):
    lead = bot.ask("What share of APPeN's member countries had adopted e-procurement by 2022?").body[0].text
    assert lead == "33 of 40 countries, about 82.5%, as of 2022."


def test_documents_named_by_their_dates_pick_their_statements(bot):
    reply = render_plain(
        bot.ask(
            "How did the number of KONEPS export countries change between the 2014 article and the May 2024 release?"
        )
    )
    assert "from 4 countries in 2014 to 9 countries in 2024" in reply
    assert "rising to 6" in reply  # the 2014 statement, as it was made


def test_one_document_named_asks_its_own_statement(bot):
    answer = bot.ask("According to the 2014 article, how was the number of KONEPS export countries expected to change?")
    assert "rising to 6" in render_plain(answer)
    assert not answer.body[0].text.startswith("Up by")


def test_the_time_between_two_events_is_not_a_change_of_figure(bot):
    assert bot.ask("나라장터 첫 수출부터 키르기스스탄 MOU까지 몇 년 걸렸나").body[0].text.startswith("16년 차이입니다")


def test_another_period_after_a_change_asks_the_same_change(bot):
    bot.ask("What was the growth in e-procurement adopters among APPeN members between 2013 and 2022?", session="s")
    lead = bot.ask("And between 2018 and 2022?", session="s").body[0].text
    assert lead == "Up by 11 countries: from 22 countries in 2018 to 33 countries in 2022."


def test_one_year_after_a_change_asks_that_years_figure(bot):
    bot.ask("What was the growth in e-procurement adopters among APPeN members between 2013 and 2022?", session="s")
    assert bot.ask("And in 2018?", session="s").body[0].text == "22 APPeN member countries had e-procurement in 2018."


def test_a_share_asked_with_a_year_is_a_question_not_a_year_stated(bot):
    lead = bot.ask("APPeN 회원국 대비 2022년 전자조달 도입국 비율은").body[0].text
    assert lead == "2022년 기준 40개국 중 33개국, 약 82.5%입니다."


def test_a_year_the_figure_is_not_stated_for_is_not_on_record(bot):
    answer = bot.ask("APPeN 전자조달 도입국 수 2024년 기준 수치가 있나?")
    assert not answer.matched
    assert answer.body[0].text == "자료에는 2013년, 2018년, 2022년 기준 수치만 있고, 2024년 기준 수치는 없습니다."


def test_a_figure_of_a_document_named_is_not_a_year_missing(bot):
    answer = bot.ask("2024년 8월 조달청-ADB 공동연수 참가국 수는?")
    assert answer.matched and "11개국" in answer.body[0].text
