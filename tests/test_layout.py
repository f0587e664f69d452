"""One layout for every surface: the console, the JSON `text`, Telegram and Slack show the same content.

Each answer below goes through every renderer; what a reader sees on each surface is read back as plain
text (Telegram's HTML through the fake Bot API's parser, Slack's mrkdwn unescaped) and every part of the
layout must be there exactly as often as the layout has it: nothing dropped, nothing doubled.
"""

from __future__ import annotations

import html
import io
import threading
from collections.abc import Callable
from typing import Any

import pytest
from fakes.telegram_api import parse_html

from adapters.console import ConsoleSettings, chat
from adapters.slack.rendering import render_answer
from adapters.telegram.rendering import QuestionKeys, keyboard, render
from bot import Answer, Block, Contact, Coopbot, Layout, SourceRef, lay_out, render_plain
from bot.showing.protocol import answer_json

SOURCE = SourceRef("s1", "K-eProcurement heads for Kyrgyzstan", "PPS", "2024-05-30", "30 May 2024")
PERSON = Contact("Shin Bong-gi", "Deputy Director", "International Cooperation Division", "+82-42-724-7470")


def everything(audience: Any = "staff") -> Answer:
    """A synthetic answer with every kind of part, staff-only ones included."""
    body = (
        Block("paragraph", "The MOU was signed on 30 May 2024."),
        Block("list", "Signed by:", items=("PPS", "the Ministry of Finance")),
        Block("note", "Announced in Bishkek."),
        Block("note", "Draft agreed in April.", internal=True),
    )
    return Answer(
        language="en", kind="answer", title="Kyrgyzstan", body=body, sources=(SOURCE,), contact=PERSON,
        suggestions=("Who signed it?", "What does it cover?"), audience=audience,
    )  # fmt: skip


def answers(bot: Coopbot) -> dict[str, Answer]:
    bot.ask("몽골 나라장터 수출", session="layout")
    return {
        "sources follow-up": bot.ask("출처는?", session="layout"),
        "a fact": bot.ask("When was the Kyrgyzstan MOU signed?"),
        "contact": bot.command("contact", lang="en"),
        "about": bot.command("about", lang="ko"),
        "not on record": bot.ask("how many trainers did ADB send?"),
        "everything, staff": everything(),
        "everything, public": everything("public"),
    }


def console(answer: Answer) -> str:
    return render_plain(answer, suggestions="numbered")


def json_text(answer: Answer) -> str:
    return str(answer_json(answer)["text"])


def telegram(answer: Answer) -> str:
    return "\n\n".join(parse_html(message) for message in render(lay_out(answer)))


def slack(answer: Answer) -> str:
    blocks = render_answer(answer).blocks
    texts = [b["text"]["text"] for b in blocks if b["type"] == "section"]
    texts += [e["text"] for b in blocks if b["type"] == "context" for e in b["elements"]]
    # Read as a person sees it: bold is emphasis, the lock an icon.
    return html.unescape("\n".join(texts)).replace("*", "").replace(":lock: ", "")


SURFACES: dict[str, Callable[[Answer], str]] = {
    "console": console, "json text": json_text, "telegram": telegram, "slack": slack,
}  # fmt: skip


def shown(layout: Layout) -> list[str]:
    """Every text of the layout a reader must find, suggestions aside (they are buttons on two surfaces)."""
    return [t for p in layout.without("suggestions").parts for t in (p.text, *p.items) if t]


@pytest.fixture(scope="module")
def cases(bot: Coopbot) -> dict[str, Answer]:
    return answers(bot)


@pytest.mark.parametrize("surface", SURFACES)
def test_every_surface_shows_each_part_of_the_layout_as_often_as_the_layout_has_it(
    cases: dict[str, Answer], surface: str
) -> None:
    for name, answer in cases.items():
        seen = SURFACES[surface](answer)
        for question in lay_out(answer).suggestions:  # the buttons or numbered lines, checked below
            seen = seen.replace(question, "")
        expected = shown(lay_out(answer))
        whole = "\n".join(expected)
        wrong = {text: seen.count(text) for text in expected if seen.count(text) != whole.count(text)}
        assert wrong == {}, f"{surface}, {name}: {wrong}"


def test_the_sources_follow_up_lists_its_sources_once_on_every_surface(cases: dict[str, Answer]) -> None:
    answer = cases["sources follow-up"]
    [citation] = [s.citation() for s in answer.sources]
    assert {surface: show(answer).count(citation) for surface, show in SURFACES.items()} == dict.fromkeys(SURFACES, 1)


def test_every_surface_gives_the_contact_footer_when_the_body_does_not(cases: dict[str, Answer]) -> None:
    answer = cases["everything, public"]
    assert all(show(answer).count("+82-42-724-7470") == 1 for show in SURFACES.values())


def test_a_contact_the_body_already_gives_is_not_repeated(cases: dict[str, Answer]) -> None:
    answer = cases["contact"]
    assert answer.contact is not None and answer.contact.phone
    assert all(show(answer).count(answer.contact.phone) == 1 for show in SURFACES.values())


def test_staff_only_parts_are_marked_internal_on_every_surface_that_shows_them(cases: dict[str, Answer]) -> None:
    answer = cases["everything, staff"]
    for surface, show in SURFACES.items():
        assert "[Internal] Draft agreed in April." in show(answer), surface


def test_staff_only_parts_never_reach_the_public_on_any_surface(cases: dict[str, Answer]) -> None:
    answer = cases["everything, public"]
    assert not any("Draft agreed" in show(answer) for show in SURFACES.values())


def test_the_suggestions_are_the_same_buttons_and_numbers_everywhere(cases: dict[str, Answer]) -> None:
    for answer in cases.values():
        offered = lay_out(answer).suggestions
        markup = keyboard(lay_out(answer), QuestionKeys().key)
        buttons = [row[0].text for row in markup.inline_keyboard] if markup else []
        slack_buttons = [
            e["value"] for b in render_answer(answer).blocks if b["type"] == "actions" for e in b["elements"]
        ]
        numbered = [line.split("] ", 1)[1] for line in console(answer).splitlines() if line.startswith("  [")]
        assert buttons == slack_buttons == numbered == list(offered)


def test_a_clarifying_question_does_not_offer_again_the_options_it_lists() -> None:
    options = ("When was KONEPS exported to Vietnam?", "When was KONEPS exported to Mongolia?")
    answer = Answer(language="en", kind="clarify", body=(Block("list", items=options),), suggestions=options)
    assert lay_out(answer).suggestions == ()


def test_the_console_asks_the_suggestion_whose_number_is_typed(bot: Coopbot) -> None:
    first = lay_out(bot.ask("When was the Kyrgyzstan MOU signed?")).suggestions[0]
    out = io.StringIO()
    chat(
        bot, ConsoleSettings(lang="en"), io.StringIO("When was the Kyrgyzstan MOU signed?\n1\n"), out, threading.Event()
    )
    assert f"> {first}" in out.getvalue()
