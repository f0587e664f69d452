"""Normalisation (bot/normalize.py): how a message is made comparable before it is read."""

from __future__ import annotations

import unicodedata

from bot.text.normalize import normalize, to_jamo, words


def test_nfd_and_nfc_forms_normalise_alike():
    assert normalize(unicodedata.normalize("NFD", "몽골")) == normalize("몽골")


def test_zero_width_characters_are_removed():
    assert normalize("몽\u200b골") == "몽골"


def test_latin_is_casefolded_and_spaces_collapsed():
    assert normalize("  KONEPS   Mongolia ") == "koneps mongolia"


def test_laughter_and_emoji_are_dropped():
    assert normalize("몽골 언제 ㅋㅋㅋ 😀") == "몽골 언제"


def test_latin_glued_to_hangul_is_split():
    assert words("idb워크숍기간") == ["idb", "워크숍기간"]


def test_jamo_spelling_makes_one_vowel_typo_one_letter():
    assert to_jamo("카메룬") == "ㅋㅏㅁㅔㄹㅜㄴ"


def test_no_dot_of_is_the_number_of():
    assert normalize("ADB training: no. of participants?") == "adb training: number of participants?"
    assert normalize("no. we did not") == "no. we did not"
