"""`coopbot report`: what people asked and did not get, their feedback, and how coopbot is used, built from the
conversation log as a `Report` (bot/curation/report_model.py).

Unanswered questions (fallback, unknown, ask-back and "not on record" replies) are clustered across both
languages (bot/curation/clusters.py); clusters come largest first, each with its count, examples and the record
it most likely concerns.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime

from bot.curation.clusters import cluster_key, clusters, likely
from bot.curation.report_model import (
    Cluster,
    DatabaseStatus,
    DayCount,
    FeedbackItem,
    LowConfidence,
    Report,
    Totals,
    Usage,
)
from bot.factbase.model import KnowledgeBase, Lang
from bot.reading.understand import Understander
from bot.serving.convlog import COLUMNS, Question
from bot.serving.database import Database

UNANSWERED = ("fallback", "unknown", "clarify")
LOW_CONFIDENCE = 0.6
LOW_CONFIDENCE_SHOWN = 20
CLUSTERED_AT_MOST = 2000  # the most recent unanswered questions a report clusters (pairwise comparison)
EXAMPLES = 5


def parse_since(text: str, now: float | None = None) -> float:
    """'7d', '12h', '30m' or an ISO date: the start of the period, as Unix time."""
    now = time.time() if now is None else now
    text = text.strip()
    units = {"d": 86400.0, "h": 3600.0, "m": 60.0, "w": 7 * 86400.0}
    if text[-1:] in units and text[:-1].isdigit():
        return now - int(text[:-1]) * units[text[-1]]
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"--since takes 7d, 12h, 30m, 2w or a date like 2026-11-01, not {text!r}") from None
    return (when if when.tzinfo else when.replace(tzinfo=UTC)).timestamp()


def rows(db: Database, since: float) -> list[Question]:
    found = db.read(f"SELECT {', '.join(COLUMNS)} FROM questions WHERE at >= ? ORDER BY at", (since,))
    questions = []
    for row in found:
        data = dict(zip(COLUMNS, row, strict=True))
        entities, facts = tuple(json.loads(data["entities"])), tuple(json.loads(data["facts"]))
        questions.append(Question(**(data | {"entities": entities, "facts": facts, "matched": bool(data["matched"])})))
    return questions


def build(
    db: Database, kb: KnowledgeBase, since: float, problem: str | None = None, now: float | None = None
) -> Report:
    """The report of what was asked from `since` to `now` (Unix times; `now` by default the present), with the
    database's `problem` if it has one."""
    reader = Understander(kb)
    asked = rows(db, since)
    dismissed = {str(r[0]) for r in db.read("SELECT question FROM dismissed")}
    unanswered = [r for r in asked if r.kind in UNANSWERED and r.text not in dismissed][-CLUSTERED_AT_MOST:]
    groups = []
    for members in clusters(reader, unanswered):
        chosen = [unanswered[i] for i in sorted(members, key=lambda i: -unanswered[i].at)]
        texts = tuple(dict.fromkeys(r.text for r in chosen))
        langs = Counter(r.lang for r in chosen)
        lang: Lang = "ko" if langs.most_common(1)[0][0] == "ko" else "en"
        groups.append(
            Cluster(
                key=cluster_key(texts),
                count=len(chosen),
                examples=texts[:EXAMPLES],
                questions=texts,
                lang=_lang_of(langs),
                langs=dict(langs),
                kinds=dict(Counter(r.kind for r in chosen)),
                likely=likely(kb, reader, texts, lang),
            )
        )
    low = sorted((r for r in asked if r.kind == "answer" and r.confidence < LOW_CONFIDENCE), key=lambda r: r.confidence)
    return Report(
        generated=_moment(time.time() if now is None else now),
        since=_moment(since),
        database=DatabaseStatus(str(db.path), problem is None, problem),
        totals=_totals(db, since, asked),
        unanswered=tuple(groups),
        feedback=feedback(db, since),
        low_confidence=tuple(
            LowConfidence(r.text, round(r.confidence, 2), r.kind, r.intent, r.facts, _moment(r.at), r.surface, r.lang)
            for r in low[:LOW_CONFIDENCE_SHOWN]
        ),
        usage=usage(asked),
    )


def _lang_of(counts: Mapping[str, int]) -> str:
    return next(iter(counts)) if len(counts) == 1 else "mixed"


def _moment(at: float) -> datetime:
    """A Unix time as the report gives it: in UTC, to the second."""
    return datetime.fromtimestamp(at, UTC).replace(microsecond=0)


def _totals(db: Database, since: float, asked: Sequence[Question]) -> Totals:
    votes = dict(db.read("SELECT vote, count(*) FROM feedback WHERE at >= ? GROUP BY vote", (since,)))
    return Totals(
        questions=len(asked),
        answered=sum(1 for r in asked if r.kind not in UNANSWERED),
        unanswered=sum(1 for r in asked if r.kind in UNANSWERED),
        feedback_up=int(votes.get(1, 0)),
        feedback_down=int(votes.get(-1, 0)),
    )


def feedback(db: Database, since: float) -> tuple[FeedbackItem, ...]:
    """Answers voted down, with what people said they were looking for; most votes down first."""
    found = db.read(
        "SELECT q.ref, q.text, q.intent, q.facts, sum(CASE WHEN f.vote = 1 THEN 1 ELSE 0 END),"
        " sum(CASE WHEN f.vote = -1 THEN 1 ELSE 0 END),"
        f" {'string_agg(f.comment, chr(31))' if db.dialect == 'postgresql' else 'group_concat(f.comment, char(31))'}"
        " FROM feedback f JOIN questions q ON q.ref = f.ref WHERE f.at >= ? GROUP BY q.ref, q.text, q.intent, q.facts"
        " HAVING sum(CASE WHEN f.vote = -1 THEN 1 ELSE 0 END) > 0"
        " ORDER BY sum(CASE WHEN f.vote = -1 THEN 1 ELSE 0 END) DESC, max(f.at) DESC",
        (since,),
    )
    return tuple(
        FeedbackItem(
            ref=str(r[0]),
            question=str(r[1]),
            intent=None if r[2] is None else str(r[2]),
            facts=tuple(json.loads(str(r[3]))),
            up=int(r[4]),
            down=int(r[5]),
            comments=tuple(c for c in str(r[6] or "").split("\x1f") if c),
        )
        for r in found
    )


def usage(asked: Sequence[Question]) -> Usage:
    by_day = Counter((_moment(r.at).date(), r.surface, r.lang) for r in asked)
    return Usage(
        by_day=tuple(DayCount(day, surface, lang, n) for (day, surface, lang), n in sorted(by_day.items())),
        top_intents=tuple(Counter(r.intent for r in asked if r.intent).most_common(10)),
        top_entities=tuple(Counter(e for r in asked for e in r.entities).most_common(10)),
    )
