"""The curators' report as HTML (bot/curation/report_html.py): self-contained, escaped, charted, and seen in a
real browser."""

from __future__ import annotations

import json
import re
import shutil
import struct
import subprocess
from dataclasses import replace
from datetime import date, datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from bot.curation.report_html import render_html
from bot.curation.report_model import (
    Cluster,
    DatabaseStatus,
    DayCount,
    FeedbackItem,
    Likely,
    LowConfidence,
    Report,
    Totals,
    Usage,
)

SAMPLE = Path(__file__).parent / "fixtures" / "report_sample.json"
SCRIPT = "<script>alert(1)</script>"
PHONE_WIDTH = 412


def read_report(data: dict[str, Any]) -> Report:
    """A report's JSON form (`coopbot report --format json`) read back as the dataclasses it is written from."""

    def likely(found: dict[str, Any] | None) -> Likely | None:
        return None if found is None else Likely(**(found | {"candidates": tuple(found.get("candidates", ()))}))

    usage = data["usage"]
    return Report(
        generated=datetime.fromisoformat(data["generated"]),
        since=datetime.fromisoformat(data["since"]),
        database=DatabaseStatus(**data["database"]),
        totals=Totals(**data["totals"]),
        unanswered=tuple(
            Cluster(
                **(
                    c
                    | {
                        "examples": tuple(c["examples"]),
                        "questions": tuple(c["questions"]),
                        "likely": likely(c["likely"]),
                    }
                )
            )
            for c in data["unanswered"]
        ),
        feedback=tuple(
            FeedbackItem(**(f | {"facts": tuple(f["facts"]), "comments": tuple(f["comments"])}))
            for f in data["feedback"]
        ),
        low_confidence=tuple(
            LowConfidence(**(i | {"facts": tuple(i["facts"]), "at": datetime.fromisoformat(i["at"])}))
            for i in data["low_confidence"]
        ),
        usage=Usage(
            by_day=tuple(DayCount(**(d | {"day": date.fromisoformat(d["day"])})) for d in usage["by_day"]),
            top_intents=tuple((name, count) for name, count in usage["top_intents"]),
            top_entities=tuple((name, count) for name, count in usage["top_entities"]),
        ),
    )


@pytest.fixture
def sample() -> Report:
    return read_report(json.loads(SAMPLE.read_text(encoding="utf-8")))


def empty_report() -> Report:
    return Report(
        generated=datetime.fromisoformat("2026-11-24T09:00:00+00:00"),
        since=datetime.fromisoformat("2026-11-17T09:00:00+00:00"),
        database=DatabaseStatus("var/coopbot.sqlite3", True, None),
        totals=Totals(0, 0, 0, 0, 0),
        unanswered=(),
        feedback=(),
        low_confidence=(),
        usage=Usage((), (), ()),
    )


def cluster(n: int) -> Cluster:
    examples = (f"question number {n}",)
    return Cluster(f"c{n}", 20 - n, examples, examples, "en", {"en": 1}, {"fallback": 1}, None)


def with_first(report: Report, cluster: dict[str, Any] | None = None, low: dict[str, Any] | None = None) -> Report:
    """`report` with its first cluster, or its first low-confidence answer, changed as given."""
    first, *clusters = report.unanswered
    answer, *answers = report.low_confidence
    return replace(
        report,
        unanswered=(replace(first, **(cluster or {})), *clusters),
        low_confidence=(replace(answer, **(low or {})), *answers),
    )


class Shapes(HTMLParser):
    """Each svg's id, accessible name (its aria-labelledby resolved), and the classes of the rects in it."""

    def __init__(self) -> None:
        super().__init__()
        self.svgs: dict[str, dict[str, Any]] = {}
        self.texts: dict[str, str] = {}
        self._svg: str | None = None
        self._element_id: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attr = dict(attrs)
        if tag == "svg":
            self._svg = attr.get("id") or f"svg{len(self.svgs)}"
            self.svgs[self._svg] = {"labelledby": attr.get("aria-labelledby") or "", "rects": []}
        elif tag == "rect" and self._svg:
            self.svgs[self._svg]["rects"].append(attr.get("class") or "")
        self._element_id = attr.get("id")

    def handle_endtag(self, tag: str) -> None:
        if tag == "svg":
            self._svg = None
        self._element_id = None

    def handle_data(self, data: str) -> None:
        if self._element_id:
            self.texts[self._element_id] = self.texts.get(self._element_id, "") + data

    def name(self, svg: str) -> str:
        return " ".join(self.texts.get(ident, "") for ident in self.svgs[svg]["labelledby"].split()).strip()

    def bars(self, svg: str, cls: str) -> int:
        return sum(1 for c in self.svgs[svg]["rects"] if c == cls)


def shapes_of(page: str) -> Shapes:
    parser = Shapes()
    parser.feed(page)
    return parser


def test_the_page_needs_nothing_from_the_network(sample: Report) -> None:
    link = 'see https://example.com/x.css and <img src="http://evil/x.png">'
    page = render_html(with_first(sample, cluster={"examples": (*sample.unanswered[0].examples, link)}))
    assert page.startswith("<!DOCTYPE html>") and '<meta name="viewport"' in page
    assert not re.search(r"""\b(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", page, re.IGNORECASE)
    assert not re.search(r"<link\b|@import|url\(|<script\b", page, re.IGNORECASE)
    assert "see https://example.com/x.css and &lt;img src=&quot;http://evil/x.png&quot;&gt;" in page


def test_user_text_appears_only_escaped(sample: Report) -> None:
    page = render_html(sample)
    assert SCRIPT not in page and "what is <b>KONEPS</b>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; what is KONEPS?" in page
    assert "what is &lt;b&gt;KONEPS&lt;/b&gt; &amp; who runs it?" in page


def test_a_megabyte_question_is_clipped_with_an_ellipsis(sample: Report) -> None:
    huge = "조달" * 250_000 + "THE END"
    page = render_html(with_first(sample, cluster={"examples": (huge,)}, low={"question": huge}))
    assert len(page) < len(render_html(empty_report())) + 100_000
    assert "THE END" not in page
    assert re.search(r"(?:조달){100,150}조?…", page)


def test_the_usage_chart_has_a_segment_per_day_and_surface(sample: Report) -> None:
    shapes = shapes_of(render_html(sample))
    nonzero = {(r.day, r.surface) for r in sample.usage.by_day if r.count}
    assert shapes.bars("usage-chart", "seg") == len(nonzero)
    assert shapes.name("usage-chart").startswith("Questions per day, by surface")
    assert "telegram" in shapes.name("usage-chart")


@pytest.mark.parametrize("clusters", [1, 3, 10, 14])
def test_the_cluster_chart_draws_the_ten_largest(clusters: int) -> None:
    page = render_html(replace(empty_report(), unanswered=tuple(cluster(n) for n in range(clusters))))
    shapes = shapes_of(page)
    assert shapes.bars("cluster-chart", "bar") == min(10, clusters)
    assert shapes.name("cluster-chart").startswith("Largest clusters of unanswered questions")
    assert page.count('<li><div class="head">') == clusters  # the list below has every cluster


def test_the_chart_figures_are_also_in_a_table(sample: Report) -> None:
    page = render_html(sample)
    busiest = date(2026, 11, 20)
    total = sum(r.count for r in sample.usage.by_day if r.day == busiest)
    row = re.search(rf'<time datetime="{busiest}">.*?</tr>', page)
    assert row and row.group(0).endswith(f'<td class="n"><b>{total}</b></td></tr>')


def test_an_empty_report_says_so_and_draws_no_chart() -> None:
    page = render_html(empty_report())
    for line in (
        "No questions in this period.",
        "No intents recorded in this period.",
        "No entities recorded in this period.",
        "No unanswered questions in this period.",
        "No feedback in this period.",
        "No low-confidence answers in this period.",
    ):
        assert line in page
    assert "<svg" not in page


def test_missing_or_partial_likely_facts_are_shown_as_far_as_known(sample: Report) -> None:
    first, second, third, *rest = sample.unanswered
    known = (
        replace(first, likely=None),
        replace(second, likely=Likely("vietnam")),
        replace(third, likely=Likely(name="Kenya")),
    )
    page = render_html(replace(sample, unanswered=(*known, *rest)))
    unanswered = page[page.index('id="unanswered"') : page.index('id="feedback"')]
    assert "Likely about <b>vietnam</b>" in unanswered and "Likely about <b>Kenya</b>" in unanswered
    assert "peru-training-2019" not in unanswered


def test_a_database_problem_is_shown_in_a_warning(sample: Report) -> None:
    locked = DatabaseStatus("var/coopbot.sqlite3", False, "database is locked <since 09:12>")
    page = render_html(replace(sample, database=locked))
    warning = re.search(r'<div class="warn" role="alert">(.*?)</div>', page)
    assert warning and "database is locked &lt;since 09:12&gt;" in warning.group(1)
    assert "var/coopbot.sqlite3" in warning.group(1)
    assert 'class="warn"' not in render_html(empty_report())


def test_the_worst_feedback_comes_first_with_its_comments(sample: Report) -> None:
    page = render_html(sample)
    feedback = page[page.index('id="feedback"') : page.index('id="low-confidence"')]
    assert feedback.index("When did Vietnam get KONEPS?") < feedback.index("몽골 전자조달 시스템은 언제 도입됐나요?")
    assert "I wanted the contract amount" in feedback
    assert "What is KONEPS?" not in feedback  # only 👍, no comment: counted, not listed
    assert "7 helpful" in feedback and "3 not helpful" in feedback


def test_a_question_of_controls_and_a_lone_surrogate_makes_a_page_that_can_be_written(sample: Report) -> None:
    odd = "\ud800 lone surrogate \x00\x1b[2J"
    page = render_html(with_first(sample, cluster={"examples": ("\x00\x07", odd)}, low={"question": odd}))
    page.encode("utf-8")  # a lone surrogate in the input must not make the page unwritable
    assert "\x00" not in page and "\x1b" not in page and "\ufffd lone surrogate" in page


# --- in a real browser ------------------------------------------------------------------------------------


def chromium(*args: str, profile: Path) -> subprocess.CompletedProcess[str]:
    """Headless Chromium with a throwaway profile; skips the test where it is not installed."""
    exe = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
    if exe is None:
        pytest.skip("chromium is not installed (Debian package chromium): the report is not checked in a browser")
    command = [exe, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run"]
    return subprocess.run(
        [*command, f"--user-data-dir={profile}", *args], capture_output=True, text=True, timeout=60, check=False
    )


def page_file(report: Report, tmp_path: Path) -> Path:
    page = tmp_path / "report.html"
    page.write_text(render_html(report), encoding="utf-8")
    return page


def test_a_browser_builds_the_charts_and_the_clusters(sample: Report, tmp_path: Path) -> None:
    page = page_file(sample, tmp_path)
    done = chromium("--dump-dom", page.as_uri(), profile=tmp_path / "profile")
    dom = done.stdout
    assert done.returncode == 0, done.stderr[-2000:]
    assert re.search(r'<svg id="usage-chart"[^>]*role="img"', dom) and re.search(r'<svg id="cluster-chart"', dom)
    assert "KONEPS 베트남 수출 계약 금액은 얼마였나요?" in dom and "Does PPS have an MoU with Kenya?" in dom
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in dom and SCRIPT not in dom


def test_a_phone_width_screenshot(sample: Report, tmp_path: Path) -> None:
    page, shot = page_file(sample, tmp_path), tmp_path / "shot.png"
    done = chromium(
        f"--screenshot={shot}",
        f"--window-size={PHONE_WIDTH},2400",
        "--hide-scrollbars",
        page.as_uri(),
        profile=tmp_path / "profile",
    )
    assert done.returncode == 0 and shot.exists(), done.stderr[-2000:]
    png = shot.read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", png[16:24])
    assert (width, height) == (PHONE_WIDTH, 2400)
    assert len(png) > 40_000  # a blank or error page compresses to a few kilobytes
