"""A question in several parts is split into the questions it asks (bot/reading/parts.py), and only there."""

from __future__ import annotations

import pytest

from bot.reading.parts import parts_of


@pytest.mark.parametrize(
    ("question", "parts"),
    [
        ("ADB연수 몇개국 몇명 왔어?", ("ADB연수 몇개국 왔어?", "ADB연수 몇명 왔어?")),
        ("세계은행 포럼 언제 어디서 했어?", ("세계은행 포럼 언제 했어?", "세계은행 포럼 어디서 했어?")),
        (
            "Who was Administrator in 2023, and who was Administrator by May 2024?",
            ("Who was Administrator in 2023", "who was Administrator by May 2024?"),
        ),
        ("When and where was the forum held?", ("When was the forum held?", "where was the forum held?")),
        ("When was the forum? How many attended?", ("When was the forum?", "How many attended?")),
        ("who signed the MOU and when", ("who signed the MOU", "when")),
        ("협력은 언제 시작됐고, 2024년엔 몇 년째였나요?", ("협력은 언제 시작됐고", "2024년엔 몇 년째였나요?")),
    ],
)
def test_each_question_of_a_message_is_a_part(question, parts):
    assert parts_of(question) == parts


@pytest.mark.parametrize(
    "question",
    [
        "Which came first, the World Bank forum or the MOU with Kyrgyzstan?",
        "카메룬하고 요르단 언제 수출했어?",
        "IDB랑 협력해서 뭐가 강화됐다고 했어?",  # '-다고' quotes; it joins no second question
        "요르단이랑은 어느 기관하고 MOU 맺어요?",
        "Cameroon and Jordan exports, which came first?",
    ],
)
def test_a_question_that_asks_one_thing_stays_whole(question):
    assert parts_of(question) == (question,)


def test_a_guess_after_a_question_is_not_the_question():
    from bot.reading.focus import focus

    assert focus("키르기스스탄 MOU 어디서 했어요? 한국에서?").question == "키르기스스탄 MOU 어디서 했어요?"
    assert focus("KEPS 무슨 재원으로 했지? koica?").question == "KEPS 무슨 재원으로 했지?"


def test_a_short_question_after_another_is_still_asked():
    from bot.reading.focus import focus

    assert focus("몽골이랑은? 언제?").question == "언제?"
