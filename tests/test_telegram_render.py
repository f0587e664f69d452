"""Rendering an Answer for Telegram: escaped HTML, sources footer, splitting at 4096, button keys.

Each rendered message is checked with the fake Bot API's own HTML parser, so "valid" means what
the fake server (like Telegram) would accept.
"""

from __future__ import annotations

from typing import Any

from fakes.telegram_api import parse_html, u16len

from adapters.telegram.rendering import QuestionKeys, button_text, keyboard, render
from bot import Answer, Block, Contact, Layout, SourceRef, lay_out

SOURCE = SourceRef("s1", "K-eProcurement <heads> for Kyrgyzstan", "PPS & partners", "2024-05-30", "30 May 2024")
CONTACT = Contact("Shin Bong-gi", "Deputy Director", "International Cooperation Division", "042-724-7470")


def answer(*body: Block, **fields: Any) -> Layout:
    """An answer with these blocks and fields, laid out as every renderer receives it."""
    return lay_out(Answer(language="en", kind="answer", body=body, **fields))


def shown(messages: list[str]) -> list[str]:
    """What a user sees of each message (and proof that each parses)."""
    return [parse_html(m) for m in messages]


def test_text_from_the_fact_base_is_escaped() -> None:
    messages = render(answer(Block("paragraph", "a < b && c > d"), Block("list", items=("<i>x</i>",)), title="A&B"))
    assert shown(messages) == ["A&B\n\na < b && c > d\n\n• <i>x</i>"]
    assert messages[0].startswith("<b>A&amp;B</b>")


def test_sources_are_a_compact_italic_footer() -> None:
    [message] = render(answer(Block("paragraph", "Signed."), sources=(SOURCE,)))
    assert message.endswith(
        "<i>Sources: PPS &amp; partners, \u201cK-eProcurement &lt;heads&gt; for Kyrgyzstan\u201d (30 May 2024)</i>"
    )


def test_sources_the_body_already_lists_are_not_repeated() -> None:
    listed = "PPS & partners, \u201cK-eProcurement <heads> for Kyrgyzstan\u201d (30 May 2024)"
    [text] = shown(render(answer(Block("list", items=(listed,)), sources=(SOURCE,))))
    assert text.count("30 May 2024") == 1


def test_internal_blocks_are_never_rendered() -> None:
    [text] = shown(render(answer(Block("paragraph", "Public."), Block("note", "Staff only.", internal=True))))
    assert text == "Public."


def test_contact_is_added_once() -> None:
    [added] = shown(render(answer(Block("paragraph", "Ask us."), contact=CONTACT)))
    [kept] = shown(render(answer(Block("paragraph", f"Please contact {CONTACT.line()}."), contact=CONTACT)))
    assert added.endswith(f"Contact: {CONTACT.line()}")
    assert kept.count(CONTACT.line()) == 1


def test_a_5000_character_answer_is_split_on_paragraph_boundaries() -> None:
    paragraphs = [f"{i} " + "word " * 200 for i in range(5)]  # 5 x ~1000 characters
    messages = shown(render(answer(*(Block("paragraph", p.strip()) for p in paragraphs))))
    assert len(messages) == 2
    assert all(u16len(m) <= 4096 for m in messages)
    assert [p for m in messages for p in m.split("\n\n")] == [p.strip() for p in paragraphs]


def test_a_paragraph_over_the_limit_is_cut_at_sentences_and_keeps_its_markup() -> None:
    note = " ".join(f"Sentence {i} is here." for i in range(300))  # ~6,800 characters
    messages = render(answer(Block("note", note)))
    assert len(messages) == 2
    assert all(m.startswith("<i>") and m.endswith("</i>") for m in messages)
    assert all(u16len(t) <= 4096 and t.endswith(".") for t in shown(messages))


def test_text_without_breaks_is_cut_anywhere() -> None:
    messages = shown(render(answer(Block("paragraph", "가" * 9000))))
    assert [len(m) for m in messages] == [4096, 4096, 808]


def test_the_limit_counts_utf16_units() -> None:
    messages = shown(render(answer(Block("paragraph", "😀" * 3000))))
    assert [u16len(m) for m in messages] == [4096, 1904]


def test_a_pressed_question_is_quoted_first() -> None:
    [message] = render(answer(Block("paragraph", "In 2010."), title="Mongolia"), quote="When? <now>")
    assert message.startswith("<blockquote>When? &lt;now&gt;</blockquote>\n\n<b>Mongolia</b>")


def test_button_keys_are_short_stable_and_not_the_question() -> None:
    keys = QuestionKeys()
    question = "조달청-ADB 아태지역 전자조달 역량강화 연수에는 몇 개국에서 몇 명이 참가했나요?" * 3
    key = keys.key(question)
    assert len(key.encode()) <= 64
    assert question not in key
    assert keys.key(question) == key
    assert keys.question(key) == question


def test_button_keys_forget_the_oldest_past_capacity() -> None:
    keys = QuestionKeys(capacity=2)
    first, _, _ = keys.key("one"), keys.key("two"), keys.key("three")
    assert keys.question(first) is None


def test_keyboard_has_one_row_per_suggestion_and_its_label_recovers_a_forgotten_key() -> None:
    keys = QuestionKeys()
    markup = keyboard(answer(suggestions=("Which countries use KONEPS?", "Who do I contact?")), keys.key)
    assert markup is not None
    assert [[b.text for b in row] for row in markup.inline_keyboard] == [
        ["Which countries use KONEPS?"],
        ["Who do I contact?"],
    ]
    data = markup.inline_keyboard[1][0].callback_data
    assert button_text(markup, str(data)) == "Who do I contact?"
    assert keyboard(answer(), keys.key) is None
