"""Someone asked for by a role (bot/answering/people.py)."""

from __future__ import annotations


def test_the_one_person_of_the_organisation_named_is_who_was_asked(bot):
    answer = bot.ask("세계은행 쪽 연사 이름, 직함")
    assert answer.matched and answer.body[0].text.startswith("Lalita M. Moorty")


def test_no_one_on_record_for_what_is_named_is_not_on_record(bot):
    answer = bot.ask("코스타리카 파견 공무원 누구야")
    assert not answer.matched
    assert answer.body[0].text == "자료에는 코스타리카의 인물이 나와 있지 않습니다."
    assert "파견" in answer.body[1].text  # what the sources do say: the dispatch, which the question is about


def test_how_many_trainees_is_still_a_count(bot):
    answer = bot.ask("ADB 연수생 몇 명?")
    assert answer.matched and "21명" in answer.body[0].text


def test_someone_of_an_organisation_with_no_one_on_record_is_not_on_record(bot):
    answer = bot.ask("who from ADB gave remarks at the training opening?")
    assert not answer.matched and "Asian Development Bank" in answer.body[0].text


def test_who_spoke_for_an_organisation_is_its_one_person_on_record(bot):
    assert "Moorty" in bot.ask("Who from World Bank speak at the forum?").body[0].text


def test_the_one_person_of_an_organisation_is_not_who_attended_in_another_year(bot):
    answer = bot.ask("포럼 기획의 계기가 된 2023년 4월 양자회담에 참석한 세계은행 고위급 인사의 이름은?")
    assert "Moorty" not in answer.body[0].text
