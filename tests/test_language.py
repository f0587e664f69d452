"""Language detection (bot/language.py): which language a question is in, from its words, the name it
holds and the conversation's language."""

from __future__ import annotations

from bot.reading.language import detect


def test_korean_words_make_a_korean_question():
    assert detect("언제 수출", "", None) == "ko"


def test_english_words_make_an_english_question():
    assert detect("when was it exported", "", None) == "en"


def test_a_bare_name_keeps_the_conversation_language():
    assert detect("", "mongolia", "ko") == "ko"


def test_a_bare_name_without_conversation_follows_its_script():
    assert detect("", "몽골", None) == "ko"
