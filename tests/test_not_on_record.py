"""What the fact base does not hold is said plainly, and only when it is true.

The rule checked over the whole fact base: a reply never says "not on record" above text that states
the very kind of detail asked (a date for 'when', a count for 'how many', ...). And when a detail is
missing, the one line says exactly what is missing, then what is on record, set apart, and whom to ask.
"""

from __future__ import annotations

from bot import Coopbot, render_plain
from bot.answering.details import HEADCOUNT, Details

# One question per kind of detail, the way people ask it, in both languages.
ASKING = {
    "date": {"ko": "{name} 언제야?", "en": "When was {name}?"},
    "count": {"ko": "{name} 몇 명이야?", "en": "How many people for {name}?"},
    "amount": {"ko": "{name} 금액은 얼마야?", "en": "How much was {name}?"},
    "duration": {"ko": "{name} 며칠 동안 했어?", "en": "How many days did {name} last?"},
    "end": {"ko": "{name} 언제까지야?", "en": "Until when did {name} run?"},
}


def questions(bot: Coopbot) -> list[tuple[str, str, str]]:
    return [
        (want, lang, template[lang].format(name=entity.name(lang)))
        for entity in bot.kb.entities.values()
        if entity.visibility == "public"
        for want, template in ASKING.items()
        for lang in ("ko", "en")
    ]


def test_no_reply_says_not_on_record_above_the_detail_asked(bot):
    # 'How many people' asks a count of people: a count of countries below the line is not the detail asked.
    details, contradictions = Details(bot.kb), []
    for want, _, question in questions(bot):
        answer = bot.ask(question)
        if answer.matched or answer.kind != "unknown" or len(answer.body) < 2:
            continue
        on_record = " ".join(block.text for block in answer.body[1:])
        stated = details.in_text(on_record)
        if (HEADCOUNT if want == "count" else want) in stated:
            contradictions.append((question, answer.body[0].text, on_record[:120]))
    assert contradictions == []


def test_the_missing_detail_is_named_in_one_short_line(bot):
    answer = bot.ask("How much was the Jordan KONEPS export worth?")
    assert not answer.matched
    assert answer.body[0].text == "The sources give no amount for the Jordan KONEPS export."


def test_what_is_on_record_is_set_apart_below_the_line(bot):
    answer = bot.ask("요르단 수출 금액은 얼마였어?")
    assert answer.body[1].text.startswith("자료에 있는 요르단 관련 내용:")
    assert "2014" in answer.body[1].text


def test_whom_to_ask_closes_a_not_on_record_reply(bot):
    answer = bot.ask("How much was the Jordan KONEPS export worth?")
    assert answer.contact is not None and "724-7470" in answer.body[-1].text


def test_a_country_with_no_event_of_the_kind_is_not_answered_with_a_neighbour(bot):
    answer = bot.ask("Has PPS signed an MOU with Uzbekistan?")
    assert not answer.matched and "Kyrgyzstan" not in answer.body[0].text
    assert answer.body[0].text == "The sources hold no MOU record for Uzbekistan."


def test_a_plan_mentioning_a_country_is_not_an_export_to_it(bot):
    answer = bot.ask("멕시코엔 나라장터 언제 들어갔어?")
    assert not answer.matched and "멕시코" in answer.body[0].text


def test_a_total_of_a_programme_is_not_one_country_share(bot):
    answer = bot.ask("How many people from Kyrgyzstan joined the ADB training?")
    assert not answer.matched and "21" not in answer.body[0].text


def test_an_exact_day_the_sources_do_not_give_is_not_answered_with_a_year(bot):
    answer = bot.ask("요르단 MOU 정확히 몇월 며칠에 맺었어?")
    assert not answer.matched and "정확한 날짜" in answer.body[0].text


def test_a_plan_is_not_reported_as_done(bot):
    answer = bot.ask("Was the Cameroon pilot system actually delivered in the end?")
    assert not answer.matched and "plan" in answer.body[0].text


def test_names_a_source_counts_but_does_not_give_are_said_to_be_missing(bot):
    answer = bot.ask("List the 40 APPeN member countries")
    assert not answer.matched and "40" in render_plain(answer)


def test_a_role_at_a_time_no_source_covers_is_not_guessed(bot):
    answer = bot.ask("Who was PPS Administrator during the IDB course in 2014?")
    assert not answer.matched and "Kim" not in render_plain(answer) and "Lim" not in render_plain(answer)


# -- what the sources never hold (knowledge/topics.yaml: `not_on_record: true`) ------------------------------


def test_a_request_about_what_no_record_holds_is_not_answered_with_a_record_of_its_names(bot):
    answer = bot.ask("What hotel will we stay at during the ADB training?")
    lines = [block.text for block in answer.body]
    assert not answer.matched
    assert lines[0] == (
        "PPS–ADB Asia-Pacific e-procurement training: "
        "the sources say nothing about travel arrangements (hotels, visas, transport)."
    )
    assert "42-724-7470" in render_plain(answer)


def test_what_no_record_holds_is_said_so_in_korean_with_what_is_on_record(bot):
    answer = bot.ask("ADB 연수 참가비 있어?")
    assert not answer.matched
    assert answer.body[0].text == (
        "자료에는 조달청-ADB 아태지역 전자조달 역량강화 연수의 참가비·수수료에 관한 내용이 없습니다."
    )
    assert "2024년 8월 26일" in render_plain(answer)  # what the sources do say of the training, set apart


def test_how_to_apply_naming_nothing_on_record_gets_the_contact(bot):
    answer = bot.ask("How do I apply?")
    assert not answer.matched
    assert answer.body[0].text == "The sources say nothing about how to apply, visit or take KONEPS up."
    assert "42-724-7470" in render_plain(answer)


def test_an_email_address_is_not_on_record_and_the_phone_is_given(bot):
    answer = bot.ask("신봉기 사무관 이메일 있어?")
    assert not answer.matched and "042-724-7470" in render_plain(answer)
    assert answer.body[0].text == "자료에는 신봉기의 주소·이메일·팩스 등 전화 밖의 연락처에 관한 내용이 없습니다."


def test_leisure_is_outside_the_desk_even_when_a_visit_is_mentioned(bot):
    answer = bot.ask("weather in daejeon tomorrow? we visit pps")
    assert answer.kind == "fallback" and "Iraq" not in render_plain(answer)


def test_an_outside_subject_asked_of_a_programme_is_not_answered_with_its_overview(bot):
    answer = bot.ask("how do I register as a supplier for the ADB training?")
    assert not answer.matched
    assert answer.body[0].text.endswith("the sources say nothing about bidding and supplier registration.")


def test_a_name_typed_in_capitals_signals_no_topic(bot):
    answer = bot.ask("hola! the curso with BID for latinoamerica, when it start")
    assert answer.matched and "April 2014" in render_plain(answer)


def test_a_record_about_such_a_topic_is_answered_once_a_curator_adds_it(knowledge_copy):
    facts = knowledge_copy / "facts-events.yaml"
    facts.write_text(
        facts.read_text(encoding="utf-8")
        + """
  - id: adb-training-fee
    about: [adb-eprocurement-training-2024, adb]
    type: training
    asks: [how_much]
    topics: [fees]
    date: 2024-08-26
    text:
      ko: "조달청-ADB 연수는 참가비가 없습니다."
      en: "The PPS–ADB training charges no fee."
    sources: [pps-2024-08-26-adb-training]
""",
        encoding="utf-8",
    )
    answer = Coopbot.from_dir(knowledge_copy).ask("Is there a fee for the ADB training?")
    assert answer.matched and "charges no fee" in render_plain(answer)


def test_a_role_in_a_stated_year_is_its_holder_then(bot):
    assert "김윤상" in render_plain(bot.ask("23년 청장 누구였음"))


def test_a_role_in_a_year_no_record_covers_is_not_another_year_holder(bot):
    answer = bot.ask("Who was the PPS Administrator in 2022?")
    assert not answer.matched
    assert answer.body[0].text == "The sources do not name the PPS Administrator for 2022."


def test_a_request_to_visit_is_not_answered_with_a_past_visit(bot):
    answer = bot.ask("Can our delegation visit PPS next month?")
    assert not answer.matched and "Iraq" not in render_plain(answer) and "42-724-7470" in render_plain(answer)


def test_wanting_to_buy_koneps_gets_whom_to_ask_not_the_export_history(bot):
    answer = bot.ask("Please sir, my country want to buy KONEPS, how we can do?")
    assert not answer.matched and "Vietnam" not in render_plain(answer)


def test_a_cost_no_record_gives_is_said_so_for_a_colloquial_korean_ending(bot):
    answer = bot.ask("키르기스스탄 나라장터 구축비 얼마래")
    assert not answer.matched and answer.body[0].text == "자료에는 키르기스스탄의 금액이 나와 있지 않습니다."


def test_a_relation_no_record_of_the_named_thing_carries_is_not_answered_with_a_neighbour(bot):
    answer = bot.ask("when will koneps start operation in kyrgyzstan?")
    assert not answer.matched
    assert answer.body[0].text == "Kyrgyzstan: the sources say nothing about when it opened or goes live."


def test_a_relation_a_record_carries_is_answered_from_it(bot):
    answer = bot.ask("when will the cameroon system go live?")
    assert answer.matched and "end of 2014" in render_plain(answer)


def test_an_event_opening_is_its_dates(bot):
    answer = bot.ask("when did the forum open?")
    assert answer.matched and "7 May 2024" in render_plain(answer)


def test_a_figure_of_another_country_is_never_the_answer_for_the_country_named(bot):
    answer = bot.ask("how much kyrgyzstan pay for the system?")
    assert not answer.matched and "Cameroon" not in render_plain(answer)
    assert answer.body[0].text == "The sources give no amount for Kyrgyzstan."


def test_a_country_naming_the_document_does_not_narrow_the_record(bot):
    answer = bot.ask("차세대 나라장터 개통 예정시기 이라크 자료 기준")
    assert answer.matched and "2024년 상반기" in render_plain(answer)


def test_whether_it_happens_again_is_not_on_record_with_what_is(bot):
    answer = bot.ask("ADB 연수 내년에도 해?")
    assert not answer.matched
    assert "다음 일정" in answer.body[0].text and "2024년 8월 26일" in render_plain(answer)


def test_an_address_is_not_on_record(bot):
    answer = bot.ask("조달청 본청 주소가 어떻게 되나요?")
    assert not answer.matched and "042-724-7470" in render_plain(answer)


def test_a_reply_never_calls_missing_the_span_it_then_shows(bot):
    answer = bot.ask("how long did it take to build KEPS?")
    assert answer.matched and "no duration" not in render_plain(answer)
    assert "December 2019 to December 2021" in render_plain(answer)


def test_a_name_with_no_longer_form_on_record_is_its_full_name(bot):
    answer = bot.ask("ADB 워크숍 정식 명칭이 뭐야?")
    assert answer.matched and answer.title == "ADB 한국형 조달제도 및 전자조달 노하우 공유 워크숍"


def test_an_errand_is_outside_the_desk(bot):
    assert bot.ask("book me a meeting room for 3pm tmrw").kind == "fallback"


def test_a_person_known_by_surname_has_no_full_name_on_record(bot):
    answer = bot.ask("kaldybaev full name? need it for a letter")
    assert not answer.matched


def test_who_signed_what_was_only_planned_is_not_on_record(bot):
    answer = bot.ask("who signed the jordan MOU?")
    assert not answer.matched
    assert (
        answer.body[0].text
        == "The sources record only the plan for Jordan; they do not say whether it actually happened."
    )


def test_when_it_starts_running_there_is_not_on_record_in_korean_either(bot):
    answer = bot.ask("키르기스스탄에서 나라장터 언제부터 운영돼?")
    assert not answer.matched and "2024년 5월 30일" not in answer.body[0].text


def test_a_word_that_only_says_which_people_is_not_named_as_what_is_counted(bot):
    answer = bot.ask("hello, how many foreign officials come to PPS every year to learn KONEPS?")
    assert not answer.matched and "foreign for" not in render_plain(answer)


def test_the_next_edition_of_an_event_is_not_the_next_event_of_another_kind(bot):
    answer = bot.ask("다음 세계은행 공동포럼 언제 어디서 하는지 나와있음?")
    assert not answer.matched
    assert answer.body[0].text.startswith(
        "세계은행-조달청 공동 동아시아·태평양 조달포럼 (2024년 5월 7일~9일) 뒤로 기록된 포럼은 없습니다"
    )


def test_what_followed_an_event_is_still_the_next_event_of_any_kind(bot):
    answer = bot.ask("what came after the ADB training?")
    assert answer.matched and "ADB workshop" in answer.body[0].text


def test_registering_for_an_event_is_a_procedure_not_on_record(bot):
    answer = bot.ask("how can i register for next world bank forum with PPS")
    assert not answer.matched and "how to apply" in answer.body[0].text


def test_a_year_after_the_sources_gets_neither_yes_nor_no(bot):
    answer = bot.ask("Is there a training in 2031 with ADB again? when")
    assert not answer.matched
    assert answer.body[0].text.startswith("The sources go up to ")
    assert answer.body[0].text.endswith("; they say nothing of 2031.")


def test_whether_a_plan_happened_is_not_on_record_when_only_the_plan_is(bot):
    answer = bot.ask("did the next generation KONEPS already launch?")
    assert not answer.matched
    assert answer.body[0].text.startswith("The sources record only the plan for Next-Generation KONEPS")


def test_a_korean_past_yes_no_of_a_plan_gets_only_the_plan(bot):
    answer = bot.ask("요르단 MOU 체결됐어?")
    assert not answer.matched and answer.body[0].text.startswith("자료에는 요르단의 계획만 나와 있고")


def test_a_question_of_the_plan_as_such_gets_the_plan(bot):
    answer = bot.ask("was PPS planning to send officials to Costa Rica?")
    assert answer.matched and "dispatch officials" in answer.body[0].text


def test_the_contact_for_a_thing_is_the_contact_of_its_own_release(bot):
    answer = bot.ask("phone number PPS international cooperation for the iraq project")
    assert "042-724-7654" in answer.body[0].text


def test_every_one_counted_asked_for_when_fewer_are_named_is_not_on_record_but_for_those(bot):
    answer = bot.ask("ADB 연수 11개국 전체 리스트 있어?")
    assert not answer.matched
    assert "자료에는 11개국이 모두 나와 있지 않고, 그중 2개국만 이름이 나옵니다:" in render_plain(answer)


def test_which_countries_took_part_lists_those_named(bot):
    answer = bot.ask("ADB 연수 참가국 어디어디야")
    assert answer.matched and "키르기스스탄" in render_plain(answer)


def test_every_export_country_asked_for_names_those_on_record(bot):
    answer = bot.ask("나라장터 수출 9개국 전체 국가명을 알려달라")
    assert not answer.matched and "베트남 (2008년)" in render_plain(answer)


def test_a_sessions_timetable_is_not_on_record(bot):
    answer = bot.ask("포럼 둘째날 세션 일정표 있나")
    assert not answer.matched and "세부 일정·세션·발표 자료" in answer.body[0].text


def test_when_someone_took_office_is_not_on_record(bot):
    assert not bot.ask("임기근 청장 취임일 언제?").matched


def test_a_partners_financial_contribution_is_not_on_record(bot):
    assert not bot.ask("What is ADB's annual financial contribution to APPeN?").matched


def test_a_both_sides_agreement_is_not_mistaken_for_slides(bot):
    assert bot.ask("키르기스스탄 mou, what did both sides agree to do").matched


def test_an_event_named_with_a_year_it_was_not_held_in_is_not_on_record(bot):
    answer = bot.ask("how many trainees did we have in the 2023 ADB training?")
    assert not answer.matched and answer.body[0].text.endswith("the sources hold none in 2023.")


def test_a_year_stated_of_an_event_is_still_corrected(bot):
    answer = bot.ask("iraqi delegation came to pps in 2022 no?")
    assert answer.body[0].text.startswith("No")


def test_which_ministry_runs_a_programme_in_a_country_is_that_record(bot):
    answer = bot.ask("which kyrgyz ministry test that rehab product")
    assert answer.matched and "Ministry of Economy and Commerce" in answer.body[0].text


def test_how_the_release_describes_something_asks_what_it_says(bot):
    answer = bot.ask("키르기스스탄에 구축될 나라장터가 할 역할을 보도자료는 어떻게 설명하나요?")
    assert answer.matched and "가교" in answer.body[0].text


def test_which_of_a_counted_whole_when_none_are_named_says_so(bot):
    answer = bot.ask("Which 18 countries took part in the World Bank EAP forum?")
    assert not answer.matched and "they give only the number" in answer.body[0].text


def test_how_the_participants_broke_down_is_not_on_record(bot):
    assert not bot.ask("How many of the 21 ADB trainees were women?").matched


def test_a_figure_of_a_kind_of_event_not_on_record_says_the_figure_is_missing(bot):
    answer = bot.ask("키르기스 나라장터 구축 예산 얼마?")
    assert not answer.matched and "금액이 나와 있지 않습니다" in answer.body[0].text


def test_what_the_sources_never_hold_as_staff_ask_it(bot):
    assert not bot.ask("이라크 KEPS 이용기관수나 거래건수 자료 있어?").matched  # usage figures
    assert not bot.ask("adb 연수생 항공료 누가 부담해?").matched  # travel costs
    assert not bot.ask("my ministry want KEPS system same like kurdistan, how to request KOICA grant?").matched


def test_a_contract_amount_of_a_country_with_no_contract_is_not_on_record(bot):
    answer = bot.ask("베트남 수출 계약액은?")
    assert not answer.matched and answer.body[0].text == "자료에는 베트남 계약 금액이 나와 있지 않습니다."


def test_an_expected_figure_of_another_year_is_not_the_figure_asked(bot):
    assert not bot.ask("What was the cumulative value of KONEPS exports as of 2024?").matched
