"""The answer engine, specified one behaviour at a time against the real fact base.

Normalisation and language detection have their own files: test_normalize.py and test_language.py.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from bot import Coopbot, render_plain
from bot.answering.context import MemorySessionStore
from bot.factbase.model import KnowledgeBase


def text(answer) -> str:
    return render_plain(answer)


# -- the language of the reply ------------------------------------------------------------------------


def test_code_switched_question_answers_in_korean(bot):
    assert bot.ask("KONEPS 몽골 언제?").language == "ko"


def test_explicit_language_wins_over_detection(bot):
    answer = bot.ask("몽골에는 언제 수출했어요?", lang="en")
    assert answer.language == "en" and "2010" in text(answer)


# -- intents, both languages ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("베트남에는 언제 나라장터를 수출했나요?", "2008"),
        ("When did Costa Rica get KONEPS?", "2009"),
        ("카메룬 계약 금액은 얼마야?", "14억"),
        ("How much was the Cameroon contract worth?", "1.4 billion"),
        ("ADB 연수에 몇 명이 참가했어?", "21"),
        ("How many member countries does APPeN have?", "40"),
        ("이라크 연수단장은 누구야?", "키디르"),
        ("Who is the PPS Administrator?", "Lim Ki-keun"),
        ("세계은행 포럼은 어디서 열렸어?", "서울"),
        ("Where was the World Bank forum held?", "Seoul"),
        ("KEPS가 뭐야?", "쿠르드"),
        ("What does KOICA stand for?", "Korea International Cooperation Agency"),
    ],
)
def test_fact_questions_get_the_fact(bot, question, expected):
    answer = bot.ask(question)
    assert answer.matched and expected in text(answer)


def test_answer_cites_the_document_it_rests_on(bot):
    answer = bot.ask("Kyrgyzstan MOU date")
    assert [s.id for s in answer.sources] == ["pps-2024-05-30-kyrgyzstan-mou"]


def test_answer_offers_follow_up_questions(bot):
    assert 2 <= len(bot.ask("Kyrgyzstan MOU date").suggestions) <= 3


def test_list_of_export_countries_names_them(bot):
    answer = bot.ask("Which countries use KONEPS?")
    assert all(name in text(answer) for name in ("Vietnam", "Costa Rica", "Mongolia", "Tunisia"))


def test_list_up_to_a_year_leaves_later_exports_out(bot):
    listed = text(bot.ask("2010년까지 나라장터 도입한 나라 목록"))
    assert "몽골" in listed and "튀니지" not in listed


def test_contact_for_a_topic_is_the_press_contact_of_its_source(bot):
    assert "042-724-7654" in text(bot.ask("이라크 보도자료 문의처"))


def test_administrator_of_an_earlier_year_comes_from_the_older_source(bot):
    assert "김윤상" in text(bot.ask("2023년 조달청장 이름"))


def test_greeting_is_answered_in_kind(bot):
    answer = bot.ask("안녕하세요")
    assert answer.kind == "smalltalk" and answer.language == "ko"


def test_help_lists_example_questions_in_the_asker_language(bot):
    answer = bot.ask("help")
    assert answer.language == "en" and any(b.kind == "list" and b.items for b in answer.body)


def test_thanks_is_acknowledged(bot):
    assert bot.ask("고마워요").kind == "smalltalk"


@pytest.mark.parametrize(
    "question", ["점심 메뉴 추천해줘", "How tall is Mount Everest?", "조달청 채용 공고 언제 나와?"]
)
def test_out_of_scope_is_not_matched_and_gives_the_contact(bot, question):
    answer = bot.ask(question)
    assert not answer.matched and "42-724-7470" in text(answer)


def test_source_question_lists_the_documents(bot):
    answer = bot.ask("카메룬 얘기는 어느 기사에서 나온 거야?")
    assert answer.sources[0].id == "hankyung-2014-koneps-cameroon-jordan"


# -- typos, particles, old names, no spaces ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("카메론 계약 금액", "14억"),
        ("키르기즈스탄 MOU 언제", "5월 30일"),
        ("kyrgystan mou date", "30 May 2024"),
        ("몽고 나라장터 언제", "2010"),
        ("베트남나라장터수출연도", "2008"),
        ("몽골에는 나라장터를 언제 수출했어요?", "2010"),
    ],
)
def test_misspelled_old_glued_and_inflected_names_are_understood(bot, question, expected):
    assert expected in text(bot.ask(question))


def test_particle_is_not_stripped_from_a_name_that_ends_like_one(bot):
    # 인도 (India) ends in the particle 도; stripping it would leave 인.
    answer = bot.ask("인도에 나라장터 수출했어?")
    assert answer.kind == "unknown" and "인도" in text(answer)


# -- unknown and confusable names ------------------------------------------------------------------------


def test_unknown_country_gets_no_record_not_a_look_alike(bot):
    answer = bot.ask("Has KONEPS been exported to Kazakhstan?")
    assert not answer.matched and "Kazakhstan" in text(answer) and "Kyrgyzstan" not in text(answer)


def test_iran_is_not_iraq(bot):
    answer = bot.ask("이란 연수단 인원")
    assert not answer.matched and "14" not in text(answer)


def test_dominica_and_the_dominican_republic_stay_apart(bot):
    assert bot.ask("도미니카공화국").entities == ("dominican-republic",)
    assert bot.ask("도미니카").entities == ("dominica",)


def test_an_acronym_that_is_also_a_word_needs_capitals(bot):
    assert bot.ask("who do I contact about KEPS?").matched


def test_known_entity_without_a_record_of_the_kind_asked_says_exactly_that(bot):
    answer = bot.ask("Vietnam MOU date")
    assert not answer.matched and answer.body[0].text == "The sources hold no MOU record for Vietnam."


# -- ambiguity --------------------------------------------------------------------------------------------


def test_question_matching_several_programmes_asks_back(bot):
    answer = bot.ask("참가자 몇 명?")
    assert answer.kind == "clarify" and not answer.matched and len(answer.suggestions) >= 2


# -- conversation -----------------------------------------------------------------------------------------


def test_elliptical_follow_up_reuses_the_previous_intent(bot):
    bot.ask("몽골에는 나라장터를 언제 수출했어요?", session="f1")
    assert "2011" in text(bot.ask("튀니지는요?", session="f1"))


def test_english_follow_up_with_and_reuses_the_previous_intent_in_english(bot):
    bot.ask("When did Vietnam get KONEPS?", session="f2")
    answer = bot.ask("and Costa Rica?", session="f2")
    assert answer.language == "en" and "2009" in text(answer)


def test_follow_up_without_a_name_reuses_the_previous_subject(bot):
    bot.ask("What is KEPS?", session="f3")
    assert "4.3 billion" in text(bot.ask("how much did it cost?", session="f3"))


def test_context_never_crosses_sessions(bot):
    bot.ask("몽골에는 나라장터를 언제 수출했어요?", session="f4")
    assert bot.ask("튀니지는요?", session="other").intent != "when"


def test_context_expires_after_thirty_idle_minutes(kb: KnowledgeBase):
    now = [0.0]
    bot = Coopbot(kb, store=MemorySessionStore(clock=lambda: now[0]))
    bot.ask("몽골에는 나라장터를 언제 수출했어요?", session="s")
    now[0] += 31 * 60
    assert bot.ask("튀니지는요?", session="s").intent != "when"


def test_pinned_language_is_sticky_for_the_session(bot):
    bot.set_language("f5", "en")
    assert bot.ask("몽골 나라장터 언제", session="f5").language == "en"


# -- audience ---------------------------------------------------------------------------------------------


def test_public_audience_never_sees_staff_notes(bot):
    answer = bot.ask("IDB 워크숍 참가국 수")
    assert not any(b.internal for b in answer.body)


def test_staff_audience_sees_staff_notes_marked_internal(bot):
    answer = bot.ask("IDB 워크숍 참가국 수", audience="staff")
    internal = [b for b in answer.body if b.internal]
    assert internal and "과테말라" in internal[0].text


# -- command line -----------------------------------------------------------------------------------------


def run_cli(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot.commandline.cli", *args], input=stdin, capture_output=True, text=True
    )


def test_batch_protocol_echoes_ids_in_order_with_required_fields():
    lines = [{"id": "a", "text": "베트남 나라장터 수출 연도"}, {"id": "b", "text": "Kyrgyzstan MOU date"}]
    run = run_cli("ask", "--jsonl", stdin="".join(json.dumps(x, ensure_ascii=False) + "\n" for x in lines))
    replies = [json.loads(line) for line in run.stdout.splitlines()]
    assert [r["id"] for r in replies] == ["a", "b"]
    assert {"text", "matched", "lang", "confidence", "intent", "entities", "sources", "suggestions"} <= replies[
        0
    ].keys()


def test_batch_bad_lines_get_an_error_and_the_batch_goes_on():
    run = run_cli("ask", "--jsonl", stdin='not json\n{"id": 2}\n["x"]\n{"id": 3, "text": "APPeN 회원국 수"}\n')
    replies = [json.loads(line) for line in run.stdout.splitlines()]
    assert [("error" in r) for r in replies] == [True, True, True, False]
    assert "40" in replies[-1]["text"]


def test_batch_sessions_carry_follow_ups():
    lines = [
        {"id": 1, "text": "몽골에는 나라장터를 언제 수출했어요?", "session": "x"},
        {"id": 2, "text": "튀니지는요?", "session": "x"},
    ]
    run = run_cli("ask", "--jsonl", stdin="".join(json.dumps(x, ensure_ascii=False) + "\n" for x in lines))
    assert "2011" in json.loads(run.stdout.splitlines()[1])["text"]


def test_answers_are_deterministic():
    first = run_cli("ask", "--json", "키르기스스탄 업무협약 체결일").stdout
    assert first == run_cli("ask", "--json", "키르기스스탄 업무협약 체결일").stdout


@pytest.mark.parametrize("bad", ["", " \x00\x01 ", "<b>몽골</b> <script>", "🙂" * 50, "가" * 20000, "ሰላም እንዴት ነህ"])
def test_bad_input_gets_a_clear_answer(bot, bad):
    answer = bot.ask(bad)
    assert answer.language in ("ko", "en") and text(answer)


def test_very_long_sentence_is_read_in_part_with_a_note(bot):
    answer = bot.ask("몽골에는 나라장터를 언제 수출했어요 " + "가" * 5000)
    assert "2010" in text(answer) and answer.body[-1].kind == "note"


def test_in_a_long_message_the_question_sentence_wins(bot):
    context = "저는 몽골 재무부에서 전자조달을 담당하고 있습니다. 국제협력 사업에 관심이 많습니다. " * 12
    answer = bot.ask(context + "튀니지에는 나라장터가 언제 수출되었나요?")
    assert answer.matched and "2011" in text(answer)


def test_a_long_message_whose_question_names_nothing_borrows_names_from_before(bot):
    context = "We are preparing a visit to Korea next month with our minister. " * 10
    answer = bot.ask(context + "Our colleagues told us about the APPeN network. Since when has it existed?")
    assert answer.matched and "2015" in text(answer)


def test_batch_undecodable_bytes_do_not_end_the_batch():
    data = b'\xff\xfe\n{"id": 2, "text": "APPeN \xed\x9a\x8c\xec\x9b\x90\xea\xb5\xad \xec\x88\x98"}\n'
    run = subprocess.run(
        [sys.executable, "-m", "bot.commandline.cli", "ask", "--jsonl"], input=data, capture_output=True
    )
    replies = [json.loads(line) for line in run.stdout.decode().splitlines()]
    assert "error" in replies[0] and "40" in replies[1]["text"]


def test_every_suggested_follow_up_question_gets_its_own_fact(bot):
    # A fact's `question` is offered as a button; pressing it must bring that fact, in both languages.
    missed = [
        (fact.id, lang)
        for fact in bot.kb.facts
        if fact.question
        for lang in ("ko", "en")
        if fact.id not in bot.ask(fact.question(lang)).facts
        and fact.text(lang) not in text(bot.ask(fact.question(lang)))
    ]
    assert missed == []


def test_a_message_beyond_the_read_limit_is_answered_from_its_end_with_a_note(bot):
    answer = bot.ask("We met the delegation last week. " * 200 + "What year did Vietnam get KONEPS?")
    assert "2008" in render_plain(answer)
    assert answer.body[-1].text == bot.message("too_long", "en")


def test_an_empty_message_gets_the_help(bot):
    assert bot.ask("  ").intent == "help"


def test_the_head_of_a_delegation_is_its_leader_not_the_administrator(bot):
    assert "Dara Aziz Khidhir" in text(bot.ask("who was head of the iraqi delegation"))


def test_us_in_lower_case_is_a_word_not_the_united_states(bot):
    answer = bot.ask("my country is mongolia. when PPS export the KONEPS system to us??")
    assert answer.matched and "2010" in text(answer)


# -- questions in several parts, and questions about what the sources say ------------------------------


def test_every_part_of_a_two_part_question_is_answered(bot):
    reply = text(bot.ask("ADB연수 몇개국 몇명 왔어?"))
    assert "11개국" in reply and "21명" in reply


def test_a_later_part_asks_of_its_own_time_not_the_earlier_part_event(bot):
    reply = text(
        bot.ask(
            "Who was the PPS Administrator when the Iraqi delegation visited, and who was Administrator by May 2024?"
        )
    )
    assert "Kim Yoon-sang" in reply and "Lim Ki-keun" in reply


def test_a_part_not_on_record_is_named_first_and_the_other_part_still_answered(bot):
    answer = bot.ask("When was the ADB training, and what hotel do participants stay at?")
    assert not answer.matched
    assert answer.body[0].text.endswith("the sources say nothing about travel arrangements (hotels, visas, transport).")
    assert "26 to 30 August 2024" in text(answer) and "42-724-7470" in text(answer)


def test_according_to_the_press_release_asks_the_content_not_the_documents(bot):
    answer = bot.ask("Which banks took part in the World Bank forum, according to the press release?")
    assert answer.facts and "ADB" in text(answer)


def test_asking_which_article_still_gets_the_documents(bot):
    answer = bot.ask("카메룬 얘기는 어느 기사에서 나온 거야?")
    assert answer.title == "출처" and answer.sources[0].id == "hankyung-2014-koneps-cameroon-jordan"


def test_how_two_things_differ_shows_each_without_a_verdict_on_dates(bot):
    reply = text(bot.ask("카메룬과 요르단 수출은 어떻게 달랐나요?"))
    assert "카메룬" in reply and "요르단" in reply and "먼저" not in reply and "둘 다" not in reply


def test_what_the_only_event_of_its_kind_had_is_asked_of_that_event(bot):
    reply = text(bot.ask("포럼에 온 국제기구 어디어디"))
    assert "이슬람개발은행" in reply and "GIZ" in reply


def test_counting_events_of_a_kind_counts_events_not_who_took_part_in_one(bot):
    reply = text(bot.ask("how many forums?"))
    assert "World Bank–PPS East Asia and Pacific Regional Public Procurement Forum" in reply
    assert "countries" not in reply


def test_nothing_after_the_latest_event_is_not_on_record_with_a_contact(bot):
    answer = bot.ask("what came after the kyrgyzstan MOU?")
    assert not answer.matched and answer.kind == "unknown" and "+82-42-724-7470" in text(answer)


def test_a_figure_on_record_is_not_confirmed_for_what_the_records_do_not_say(bot):
    answer = bot.ask("Was the KRW 4.3 billion KEPS budget overspent?")
    assert not answer.matched and "Yes" not in text(answer)
    assert answer.body[0].text == "The sources give that figure, but say nothing on ‘overspent’."


def test_whether_an_expected_effect_materialised_is_only_the_expectation(bot):
    answer = bot.ask("Did the expected USD 30 million export effect in Latin America materialise?")
    assert not answer.matched and "Yes" not in text(answer)
    assert answer.body[0].text.startswith("The sources record only the plan for Latin America")


def test_the_countries_besides_those_named_are_not_on_record_when_the_sources_name_no_others(bot):
    answer = bot.ask("ADB 연수 참가 11개국 중 키르기스스탄과 스리랑카를 제외한 나머지 국가는?")
    assert not answer.matched and "네, 맞습니다" not in text(answer)
    assert answer.body[0].text.startswith("자료에는 조달청-ADB 아태지역 전자조달 역량강화 연수의 나라 가운데")


def test_taking_part_named_with_a_country_is_answered_yes_first(bot):
    answer = bot.ask("Did Sri Lanka take part in the ADB training?")
    assert answer.body[0].text == "Yes, that's right."


def test_an_honorific_role_word_asks_for_the_role_holder_at_the_event(bot):
    reply = text(bot.ask("이라크 연수단 왔을때 청장님 누구셨지"))
    assert "김윤상" in reply and "임기근" not in reply


def test_who_signed_from_a_side_names_the_signatories(bot):
    answer = bot.ask("who signed from kyrgyz side")
    assert answer.matched and "Kaldybaev" in text(answer) and "no name" not in text(answer)


def test_which_was_the_very_first_after_two_exports_asks_among_all_exports(bot):
    bot.ask("When did Mongolia get KONEPS?", session="first-of-kind")
    bot.ask("and Tunisia?", session="first-of-kind")
    reply = text(bot.ask("which country was the very first?", session="first-of-kind"))
    assert "Vietnam (2008)" in reply


def test_a_country_that_says_whose_system_is_not_a_third_thing_to_compare(bot):
    reply = text(bot.ask("이라크 KEPS 사업비와 카메룬 계약 중 어느 쪽 규모가 더 큰가요?"))
    assert reply.splitlines()[2] == "쿠르드 전자조달시스템 쪽이 더 큽니다: 43억 원, 카메룬: 14억 원."


def test_where_is_a_named_thing_asks_a_place_not_the_sources(bot):
    assert bot.ask("where is PPS?").title != "Sources"


def test_the_size_of_attendance_is_a_head_count_not_an_amount(bot):
    bot.ask("세계은행 포럼 언제 했어?", session="size")
    assert "110여 명" in text(bot.ask("참석 규모는?", session="size"))


def test_how_many_times_one_figure_is_another_is_a_ratio(bot):
    reply = text(bot.ask("카메룬 계약금액 대비 이라크 KEPS 사업비는 몇 배인가요?"))
    assert "약 3.1배입니다: 쿠르드 전자조달시스템 43억 원, 카메룬 14억 원." in reply


def test_by_how_much_one_exceeded_the_other_is_the_difference(bot):
    reply = text(bot.ask("By how much did the KEPS budget exceed the value of the Cameroon contract?"))
    assert "The difference is KRW 2.9 billion" in reply


def test_who_wrote_an_article_names_its_author(bot):
    assert "임호범" in text(bot.ask("2014 나라장터 엑스포 기사 누가 썼지"))


def test_a_part_naming_only_another_time_asks_the_same_of_that_time(bot):
    reply = text(bot.ask("who was PPS Administrator in November 2023, and who in May 2024?"))
    assert "Kim Yoon-sang" in reply and "Lim Ki-keun" in reply


def test_a_reply_whose_records_leave_words_of_the_question_unaccounted_is_sent_with_lower_confidence(bot):
    sure = bot.ask("When did Mongolia get KONEPS?")
    unsure = bot.ask("what PPS share in the forum about AI and bigdata?")
    assert sure.confidence >= 0.9 and unsure.matched and unsure.confidence <= 0.6


def test_a_korean_question_stating_a_figure_without_a_question_word_is_confirmed_or_corrected(bot):
    assert text(bot.ask("카메룬 계약 14억이야?")).splitlines()[2] == "네, 맞습니다."
    assert text(bot.ask("카메룬 계약 20억이야?")).splitlines()[2] == "아닙니다. 자료에 나온 값은 14억 원입니다."


def test_what_the_administrator_said_at_the_forum_is_his_statement(bot):
    reply = text(bot.ask("what did Lim Ki-keun say at the forum?"))
    assert "carbon neutrality" in reply and "no forum record" not in reply


def test_a_follow_up_naming_only_a_year_asks_the_same_of_that_year(bot):
    bot.ask("How many APPeN members had e-procurement in 2013?", session="year-only")
    reply = text(bot.ask("And in 2018?", session="year-only"))
    assert "22 APPeN member countries" in reply and "2022" not in reply


def test_using_e_procurement_is_adoption_not_a_koneps_export(bot):
    answer = bot.ask("How did the number of APPeN member countries using e-procurement change from 2013 to 2022?")
    assert answer.matched and "33" in text(answer) and "12" in text(answer)


def test_and_for_another_thing_asks_the_same_again_of_it(bot):
    bot.ask("who's the contact for the kyrgyzstan MOU", session="and-for")
    reply = text(bot.ask("and for the iraq delegation?", session="and-for"))
    assert "Yeom Dong-hyun" in reply


def test_tell_me_about_a_thing_after_another_question_is_its_overview(bot):
    bot.ask("who signed the kyrgyzstan MOU?", session="tell-me")
    answer = bot.ask("tell me about Tunisia", session="tell-me")
    assert answer.matched and "2011" in text(answer)


def test_in_what_a_thing_was_first_is_what_its_own_record_says(bot):
    reply = text(bot.ask("보도자료에 따르면 나라장터의 키르기스스탄 진출은 어떤 점에서 '최초'인가요?"))
    assert "중앙아시아" in reply and "베트남" not in reply


def test_the_first_of_a_kind_on_record_still_answers_was_it_the_first(bot):
    assert bot.ask("was Mongolia the first to get KONEPS?").body[0].text == "No: the sources give Vietnam (2008)."


def test_comparing_two_events_by_countries_and_participants_compares_both(bot):
    reply = text(bot.ask("세계은행 포럼과 ADB 연수의 참가국 수와 참가 인원을 비교해 주세요."))
    assert "18개국" in reply and "11개국" in reply and "110명" in reply and "21명" in reply


def test_a_year_naming_a_document_is_not_a_period_of_the_question(bot):
    reply = text(
        bot.ask("According to the 2014 article, which country was the first to adopt KONEPS, and in which year?")
    )
    assert "Vietnam (2008)" in reply


def test_which_countries_asked_with_where_are_the_countries_not_a_place(bot):
    answer = bot.ask("2014년 기사에서 IDB 교육 대상으로 나열된 국가는 어디인가요?")
    assert answer.matched and "아르헨티나" in text(answer) and "장소" not in text(answer)


def test_whether_the_sources_mention_a_thing_elsewhere_is_what_they_say_of_it(bot):
    answer = bot.ask("몽골이 자료 다른 데도 나와?")
    assert answer.matched and "혁신제품 실증사업" in text(answer) and "출처 기록이 없습니다" not in text(answer)


def test_there_after_an_event_many_countries_took_part_in_is_that_event(bot):
    bot.ask("ADB 연수 언제였어?", session="there")
    answer = bot.ask("거기서 나라장터 뭐 배워요?", session="there")
    assert "종합쇼핑몰" in answer.body[0].text


def test_how_long_two_events_lasted_is_compared_in_days(bot):
    lead = (
        bot.ask("How many days did the ADB training last compared with the East Asia and Pacific forum?").body[0].text
    )
    assert "3 days" in lead and "5 days" in lead and "a difference of 2 days" in lead


def test_two_events_of_the_same_length_are_said_to_be(bot):
    lead = bot.ask("2014년 IDB 중남미 연수와 2024년 ADB 아태 연수의 기간을 비교하면?").body[0].text
    assert lead.endswith("기간이 같습니다.")


def test_an_answer_does_not_depend_on_the_process_it_is_computed_in():
    """Sets iterate in a per-process order: the same question must read the same in every process."""
    asked = "2014년 IDB 중남미 연수와 2024년 ADB 아태 연수의 기간을 비교하면?"
    replies = {
        subprocess.run(
            [sys.executable, "-m", "bot.commandline.cli", "ask", "--no-cache", asked],
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONHASHSEED": seed},
            check=True,
        ).stdout
        for seed in ("1", "2", "3")
    }
    assert len(replies) == 1 and next(iter(replies)).startswith("IDB 공동 중남미")


def test_the_figures_of_things_named_are_summed_when_asked(bot):
    assert bot.ask("KEPS 예산이랑 카메룬 계약 합치면 얼마?").body[0].text.startswith("합계 57억 원입니다")


def test_a_guess_after_a_question_is_part_of_it(bot):
    answer = bot.ask("KEPS 무슨 재원으로 했지? koica?")
    assert answer.language == "ko" and "KOICA" in answer.body[0].text


def test_now_after_a_figure_of_a_year_asks_its_newest_statement(bot):
    bot.ask("2014년 기준 나라장터 수출국 몇개국이었어", session="now")
    assert "9개국" in bot.ask("지금은?", session="now").body[0].text


def test_their_after_a_delegation_is_its_country(bot):
    bot.ask("iraq kurdistan delegation came to PPS when?", session="their")
    assert "4.3 billion" in bot.ask("how much their system cost?", session="their").body[0].text


def test_another_country_after_a_contract_amount_asks_its_contract(bot):
    bot.ask("카메룬 계약금액 얼마임", session="contract")
    answer = bot.ask("몽골은?", session="contract")
    assert not answer.matched and answer.body[0].text == "자료에는 몽골 계약 기록이 없습니다."


def test_a_publisher_named_with_its_article_only_says_which_document(bot):
    reply = render_plain(
        bot.ask(
            "According to the 2014 Hankyung article, in what order and in which years was KONEPS exported before 2014?"
        )
    )
    assert "Vietnam (2008); Costa Rica (2009)" in reply.replace("\n- ", "; ") or "Vietnam (2008)" in reply


def test_who_wrote_the_article_still_asks_of_the_publisher(bot):
    assert "임호범" in bot.ask("한국경제 기사 누가 썼어?").body[0].text


def test_how_many_days_apart_two_events_were(bot):
    bot.ask("Which came first in 2024, the World Bank EAP forum or the Kyrgyzstan MOU?", session="apart")
    assert bot.ask("How many days apart were they?", session="apart").body[0].text.startswith("23 days apart")


def test_a_figure_asked_by_its_noun_is_a_part_of_its_own(bot):
    reply = render_plain(bot.ask("APPeN member count + how many have e-proc as of 2022"))
    assert "40 member countries" in reply and "33 APPeN member countries" in reply


def test_the_administrator_of_each_document_named(bot):
    reply = render_plain(
        bot.ask("Who was the PPS Administrator quoted in the 2023 Iraq release, versus the 2024 releases?")
    )
    assert "Kim Yoon-sang" in reply and "Lim Ki-keun" in reply


def test_the_holder_of_a_role_at_two_times_each(bot):
    reply = render_plain(bot.ask("2023년 11월과 2024년 5월 당시 조달청장은 각각 누구인가"))
    assert "김윤상" in reply and "임기근" in reply


def test_the_boss_of_pps_is_its_administrator(bot):
    assert "Lim Ki-keun" in bot.ask("PPS boss name now?").body[0].text


def test_pps_is_still_a_name_when_a_role_is_asked_of_it(bot):
    assert bot.ask("what is pps").matched


def test_how_large_a_forum_was_is_its_participants(bot):
    assert "110여 명" in bot.ask("세계은행 포럼 참석규모").body[0].text


def test_a_count_of_what_is_asked_is_never_said_to_be_missing_above_itself(bot):
    answer = bot.ask(
        "my country want to learn from korea e-procurement. how many country already have KONEPS exported?"
    )
    assert answer.matched and "9 countries" in answer.body[0].text


def test_the_next_event_of_another_kind_asked_after_an_event(bot):
    bot.ask("when was the ADB e-procurement training?", session="next")
    answer = bot.ask("and the workshop after it in sept, who attends?", session="next")
    assert answer.body[0].text.startswith("The event after PPS–ADB Asia-Pacific e-procurement training")


def test_a_year_with_a_programme_named_lists_the_programme_not_the_year(bot):
    assert "Argentina" in render_plain(bot.ask("IDB course 2014 countries - list?"))


def test_the_total_value_of_every_export_is_not_on_record(bot):
    answer = bot.ask("What was the total export value of KONEPS across all nine countries?")
    assert not answer.matched and "no amount" in answer.body[0].text


def test_people_and_countries_asked_together_get_both_counts(bot):
    reply = render_plain(bot.ask("ADB 연수 참가 인원/국가"))
    assert "21명" in reply and "11개국" in reply


def test_countries_of_those_taking_part_are_only_the_countries(bot):
    answer = bot.ask("ADB 연수에는 몇 나라가 참여했나요?")
    assert answer.facts == ("adb-training-country-count",)


def test_the_ministries_a_delegation_came_from(bot):
    assert (
        "interior"
        in bot.ask("Which ministries were represented in the Iraqi delegation of November 2023?").body[0].text
    )


def test_a_thing_named_with_its_release_stands_for_the_release(bot):
    answer = bot.ask("In the Kyrgyzstan MOU release, to how many countries had KONEPS been exported?")
    assert "9 countries" in answer.body[0].text


def test_a_figure_at_the_time_of_a_thing_named_is_the_figure_as_its_documents_state_it(bot):
    answer = bot.ask("narajangteo already export to how many country? (at kyrgyz mou time)")
    assert "9 countries" in answer.body[0].text


def test_the_administrator_at_the_time_of_a_country_s_matter_is_of_its_event_with_a_holder(bot):
    assert "김윤상" in bot.ask("이라크 건 당시 청장 누구였지").body[0].text


def test_the_administrators_quoted_in_two_releases_named_by_their_subjects(bot):
    reply = render_plain(
        bot.ask("Which PPS administrators are quoted in the Iraq release vs the Kyrgyzstan MOU release?")
    )
    assert "Kim Yoon-sang" in reply and "Lim Ki-keun" in reply


def test_an_event_s_opening_is_the_event(bot):
    answer = bot.ask("where was the ADB training opening held")
    assert answer.matched and "Government Complex Daejeon" in answer.body[0].text


def test_users_of_a_system_are_not_usage_figures(bot):
    assert bot.ask("since when KEPS training for iraqi users").matched


def test_how_many_years_of_one_thing_asks_which_year(bot):
    assert bot.ask("튀니지 수출 몇년?").body[0].text == "나라장터는 2011년 튀니지에 수출되었습니다."


def test_another_country_after_a_year_asks_its_year(bot):
    bot.ask("튀니지 수출 몇년?", session="year")
    assert "2010년" in bot.ask("몽골은?", session="year").body[0].text


def test_a_comma_before_a_second_question_word_is_a_second_part(bot):
    reply = render_plain(bot.ask("IDB training for latin america when start, how many day"))
    assert "26 April 2014" in reply and "five days" in reply


def test_which_of_a_group_took_part_in_the_event_named(bot):
    reply = render_plain(bot.ask("포럼에 참석한 국제기구 다 말해봐"))
    assert "이슬람개발은행" in reply
