"""The Block Kit rendering of an Answer, and Slack text read back as plain text: no network."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fakes.slack_api import check_blocks, check_view

from adapters.slack.conversations import from_slack
from adapters.slack.rendering import (
    BUTTON_TEXT_LIMIT,
    BUTTON_VALUE_LIMIT,
    MAX_BLOCKS,
    SECTION_LIMIT,
    TEXT_LIMIT,
    button,
    escape,
    home_view,
    notice_message,
    render_answer,
    split_text,
)
from bot import Answer, Block, Contact, Lang, SourceRef

FORGED = "<!channel> <!here> <@U123> & <http://evil.example|click>"
SOURCE = SourceRef("s1", "Title", "PPS", "2024-05-30", "30 May 2024")


def answer(*body: Block, lang: Lang = "en", **fields: Any) -> Answer:
    shown: dict[str, Any] = {"title": "Title", "sources": (SOURCE,), "suggestions": ("When was the MOU signed?",)}
    return Answer(language=lang, kind="answer", body=body, audience="staff", **{**shown, **fields})


def texts(blocks: list[dict[str, Any]]) -> list[str]:
    """Every mrkdwn text of the blocks (sections and context elements)."""
    out = [b["text"]["text"] for b in blocks if b["type"] == "section"]
    return out + [e["text"] for b in blocks if b["type"] == "context" for e in b["elements"]]


def test_escape_covers_slacks_three_control_characters_once() -> None:
    assert escape("a & b < c > d &amp;") == "a &amp; b &lt; c &gt; d &amp;amp;"


def test_fact_base_text_can_ping_no_one_and_forge_no_link_anywhere() -> None:
    forged = answer(
        Block("paragraph", FORGED), Block("list", items=(FORGED,)), Block("note", FORGED, internal=True),
        title=FORGED, sources=(SourceRef("s", FORGED, FORGED, "2024", FORGED),),
        contact=Contact(FORGED, "t", "d"),
    )  # fmt: skip
    message = render_answer(forged, asked=FORGED)
    check_blocks(message.blocks)
    for text in [message.text, *texts(message.blocks)]:
        assert "<" not in text and ">" not in text.replace("&gt;", ""), text
    assert "&lt;!channel&gt;" in message.text


def test_mrkdwn_is_verbatim_so_slack_links_nothing_itself() -> None:
    blocks = render_answer(answer(Block("paragraph", "see #general and @here"))).blocks
    assert all(e.get("verbatim") is True for b in blocks if b["type"] == "context" for e in b["elements"])
    assert all(b["text"]["verbatim"] is True for b in blocks if b["type"] == "section")


def test_a_long_paragraph_is_split_into_sections_within_the_limit() -> None:
    long = " ".join(f"word{i}" for i in range(2000))  # ~16,000 characters
    blocks = render_answer(answer(Block("paragraph", long))).blocks
    check_blocks(blocks)
    sections = [b["text"]["text"] for b in blocks if b["type"] == "section"][1:]  # after the title
    assert len(sections) > 4 and all(len(s) <= SECTION_LIMIT for s in sections)
    assert " ".join(sections).split() == long.split()


def test_splitting_never_cuts_an_escaped_character_in_half() -> None:
    pieces = split_text(escape("&" * 2000 + "<" * 2000), SECTION_LIMIT)
    assert all(len(p) <= SECTION_LIMIT for p in pieces)
    assert all(p.endswith(";") for p in pieces)
    assert "".join(pieces) == escape("&" * 2000 + "<" * 2000)


def test_at_most_fifty_blocks_and_the_sources_and_buttons_survive() -> None:
    many = [Block("paragraph", f"paragraph {i}") for i in range(120)]
    blocks = render_answer(answer(*many)).blocks
    check_blocks(blocks)
    assert len(blocks) == MAX_BLOCKS
    assert blocks[-1]["type"] == "actions"
    assert any("*Sources:*" in t for t in texts(blocks))
    assert "\u2026" in texts(blocks)


def test_a_long_suggestion_is_a_short_button_that_asks_the_whole_question() -> None:
    question = "When was " + "a very long name " * 10 + "signed?"
    [button] = [e for b in render_answer(answer(suggestions=(question,))).blocks
                if b["type"] == "actions" for e in b["elements"]]  # fmt: skip
    assert len(button["text"]["text"]) <= BUTTON_TEXT_LIMIT and button["value"] == question


def test_a_suggestion_too_long_to_be_a_button_value_is_not_offered() -> None:
    fits, too_long = "When was the MOU signed?", "When was " + "x" * BUTTON_VALUE_LIMIT + "?"
    buttons = [e for b in render_answer(answer(suggestions=(too_long, fits))).blocks
               if b["type"] == "actions" for e in b["elements"]]  # fmt: skip
    assert [b["value"] for b in buttons] == [fits]


def test_a_button_value_that_would_be_cut_is_refused() -> None:
    with pytest.raises(ValueError, match="cut"):
        button("Ask", "x" * (BUTTON_VALUE_LIMIT + 1), "coop_ask_0")


def test_share_button_is_added_only_when_asked_for() -> None:
    plain = render_answer(answer()).blocks
    shared = render_answer(answer(lang="ko"), share="0123456789abcdef").blocks
    buttons = [e for b in shared if b["type"] == "actions" for e in b["elements"]]
    assert buttons[-1]["action_id"] == "coop_share" and buttons[-1]["text"]["text"] == "채널에 공유"
    assert "coop_share" not in json.dumps(plain)


def test_internal_notes_are_marked_in_the_answers_language() -> None:
    en = texts(render_answer(answer(Block("paragraph", "staff only", internal=True))).blocks)
    ko = texts(render_answer(answer(Block("list", items=("내부 메모",), internal=True), lang="ko")).blocks)
    assert ":lock: *[Internal]* staff only" in en
    assert any(t.startswith(":lock: *[내부용]*") and "\u2022 내부 메모" in t for t in ko)


def test_contact_is_shown_once_even_when_the_body_names_it() -> None:
    person = Contact("Shin Bong-gi", "Deputy Director", "International Cooperation Division", "042-724-7470")
    separate = texts(render_answer(answer(Block("paragraph", "Ask the desk."), contact=person)).blocks)
    inline = texts(render_answer(answer(Block("paragraph", f"Ask {person.line()}."), contact=person)).blocks)
    assert sum(person.line() in t for t in separate) == 1
    assert sum(person.line() in t for t in inline) == 1


def test_fallback_text_is_escaped_and_short() -> None:
    message = render_answer(answer(Block("paragraph", FORGED + " x" * 5000)))
    assert len(message.text) <= TEXT_LIMIT and message.text.startswith("Title")
    assert "<!channel>" not in message.text


def test_fallback_text_is_never_cut_inside_an_escaped_character() -> None:
    message = render_answer(answer(Block("paragraph", "&" * 5000), title=""))
    assert len(message.text) <= TEXT_LIMIT and message.text.endswith("&amp;\u2026")


def test_a_notice_longer_than_a_section_once_escaped_is_split_within_the_limit() -> None:
    notice = notice_message("<" * 900 + "\x1b[2J" + "&" * 900)  # 1,800 characters; 7,200 once escaped
    check_blocks(notice.blocks)
    sections = [b["text"]["text"] for b in notice.blocks]
    assert len(sections) > 1 and all(len(s) <= SECTION_LIMIT for s in sections)
    assert "".join(sections) == "&lt;" * 900 + "&amp;" * 900  # escaped, whole, the escape sequence gone
    assert len(notice.text) <= TEXT_LIMIT and notice.text.startswith("&lt;") and "\x1b" not in notice.text


def test_a_one_line_notice_is_one_escaped_section() -> None:
    notice = render_answer(Answer(language="en", kind="smalltalk", body=(Block("paragraph", "Sorry <!here>"),)))
    check_blocks(notice.blocks)
    assert notice.text == "Sorry &lt;!here&gt;" and len(notice.blocks) == 1


def test_home_view_stays_within_one_hundred_blocks() -> None:
    huge = answer(*[Block("paragraph", f"p{i}") for i in range(200)])
    view = home_view([huge, answer(*[Block("paragraph", "x")] * 200, lang="ko")],
                     {"en": tuple(f"q{i}" for i in range(40)), "ko": ("질문",)})  # fmt: skip
    check_view(view)
    assert len(view["blocks"]) <= 100
    assert any(b["type"] == "divider" for b in view["blocks"])


def test_slack_markup_in_a_question_becomes_plain_text_for_the_core() -> None:
    text = "<@UBOT> <@U2|minji> &lt;KONEPS&gt; &amp; <#C1|general> <https://x.example|link> <https://y.example> <!here>"
    assert from_slack(text, "UBOT") == "@minji <KONEPS> & #general link https://y.example @here"
