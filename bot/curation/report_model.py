"""The curators' report as typed data (what bot/curation/report.py builds) and its JSON form.

Every form of the report (JSON here, Markdown in report_markdown.py, HTML in report_html.py, the clusters in a
Slack message) reads these fields. The JSON form is a contract (`coopbot report --format json`, DESIGN.md): its
keys are the fields' names in their order, times are ISO 8601 to the second, and a likely record holds only
what is known of it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Any

from bot.text.controls import strip_controls_in


@dataclass(frozen=True, slots=True)
class DatabaseStatus:
    path: str  # as logs may show it: a file's path, or a URL without its password
    ok: bool
    problem: str | None  # what is wrong with it, when something is


@dataclass(frozen=True, slots=True)
class Totals:
    questions: int
    answered: int
    unanswered: int
    feedback_up: int
    feedback_down: int


@dataclass(frozen=True, slots=True)
class Likely:
    """The record a cluster most likely concerns, as far as it is known: the thing its questions name most
    (`entity`, an id or 'other:Name' for what the fact base does not hold, and its `name`), and the facts that
    fit them best (`candidates`, best first; `fact` and its `fact_text` are the first)."""

    entity: str | None = None
    name: str | None = None
    fact: str | None = None
    fact_text: str | None = None
    candidates: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Cluster:
    """Unanswered questions that ask the same thing. `questions` are its distinct texts, the most recent
    first; `examples` the first of them; `key` names it for a curator's teach and dismiss actions."""

    key: str
    count: int  # questions asked, repeats included
    examples: tuple[str, ...]
    questions: tuple[str, ...]
    lang: str  # 'ko', 'en' or 'mixed'
    langs: Mapping[str, int]
    kinds: Mapping[str, int]  # the replies they got: fallback, unknown, clarify
    likely: Likely | None


@dataclass(frozen=True, slots=True)
class FeedbackItem:
    """An answer voted down, with what people said they were looking for."""

    ref: str
    question: str
    intent: str | None
    facts: tuple[str, ...]
    up: int
    down: int
    comments: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class LowConfidence:
    """An answer given with little confidence."""

    question: str
    confidence: float  # rounded to two places
    kind: str
    intent: str | None
    facts: tuple[str, ...]
    at: datetime
    surface: str
    lang: str


@dataclass(frozen=True, slots=True)
class DayCount:
    day: date
    surface: str
    lang: str
    count: int


@dataclass(frozen=True, slots=True)
class Usage:
    by_day: tuple[DayCount, ...]  # by day, then surface, then language
    top_intents: tuple[tuple[str, int], ...]  # (intent, questions), the most asked first
    top_entities: tuple[tuple[str, int], ...]


@dataclass(frozen=True, slots=True)
class Report:
    generated: datetime
    since: datetime
    database: DatabaseStatus
    totals: Totals
    unanswered: tuple[Cluster, ...]  # the largest cluster first
    feedback: tuple[FeedbackItem, ...]  # the most votes down first
    low_confidence: tuple[LowConfidence, ...]  # the least confident first
    usage: Usage


def to_data(report: Report) -> dict[str, Any]:
    """The report as JSON-ready data: objects as dicts in field order, a likely record without what is unknown."""
    data = asdict(report)
    for cluster in data["unanswered"]:
        if cluster["likely"] is not None:
            cluster["likely"] = {name: value for name, value in cluster["likely"].items() if value not in (None, ())}
    return data


def to_json(report: Report) -> str:
    """The report as JSON, every string without control characters (a newline and a tab are kept, escaped)."""
    return json.dumps(strip_controls_in(to_data(report)), ensure_ascii=False, indent=2, default=_iso)


def _iso(value: object) -> str:
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not part of the report's JSON form")
