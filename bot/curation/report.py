"""`coopbot report`: what people asked and did not get, their feedback, and how coopbot is used.

Unanswered questions (fallback, unknown, ask-back and "not on record" replies) are clustered across both
languages: two questions belong together when they name the same thing (a record, or a country or body
the fact base does not hold: 'Peru' and '페루' are one name to the reader of questions), unless they ask
about different topics; questions that name nothing are compared word for word within their language.
Clusters come largest first, each with its count, examples and the record it most likely concerns.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

from rapidfuzz import fuzz

from bot.factbase.model import KnowledgeBase, Lang
from bot.reading.understand import Understander
from bot.serving.convlog import COLUMNS, Question
from bot.serving.database import Database
from bot.text.controls import strip_controls, strip_controls_in

UNANSWERED = ("fallback", "unknown", "clarify")
LOW_CONFIDENCE = 0.6
CLUSTERED_AT_MOST = 2000  # the most recent unanswered questions a report clusters (pairwise comparison)
SAME_WORDS = 80.0  # rapidfuzz token_set_ratio at which two questions naming nothing are alike
EXAMPLES = 5
CANDIDATES = 5


@dataclass(frozen=True, slots=True)
class Signature:
    names: frozenset[str]
    topics: frozenset[str]
    words: str
    lang: str


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


# -- clusters -------------------------------------------------------------------------------------------------


def signature(reader: Understander, row: Question) -> Signature:
    read = reader.read(row.text, cast(Lang, row.lang) if row.lang in ("ko", "en") else None)
    words = " ".join(read.residual)
    return Signature(frozenset(m.target for m in read.mentions), read.topics, words or read.text, row.lang)


def alike(a: Signature, b: Signature) -> bool:
    if a.names or b.names:
        if not a.names & b.names:
            return False
        return not (a.topics and b.topics and not a.topics & b.topics)
    return a.lang == b.lang and fuzz.token_set_ratio(a.words, b.words) >= SAME_WORDS


def clusters(reader: Understander, unanswered: Sequence[Question]) -> list[list[int]]:
    """Indexes of `unanswered` grouped (single link), largest group first, then the most recent."""
    signatures = [signature(reader, row) for row in unanswered]
    parent = list(range(len(signatures)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, a in enumerate(signatures):
        for j in range(i + 1, len(signatures)):
            if root(i) != root(j) and alike(a, signatures[j]):
                parent[root(j)] = root(i)
    groups: dict[int, list[int]] = {}
    for i in range(len(signatures)):
        groups.setdefault(root(i), []).append(i)
    return sorted(groups.values(), key=lambda g: (-len(g), -max(unanswered[i].at for i in g)))


def cluster_key(texts: Sequence[str]) -> str:
    return hashlib.sha256("\n".join(sorted(texts)).encode()).hexdigest()[:12]


def likely(kb: KnowledgeBase, reader: Understander, texts: Sequence[str], lang: Lang) -> dict[str, Any] | None:
    """The record a cluster most likely concerns: the thing its questions name most, and the facts that fit
    the questions best (about that thing, sharing their topics and words)."""
    names: Counter[str] = Counter()
    topics: Counter[str] = Counter()
    for text in texts:
        read = reader.read(text, None)
        names.update(m.target for m in read.mentions)
        topics.update(read.topics)
    known = {n for n in names if n in kb.entities}
    result: dict[str, Any] = {}
    if names:
        top = names.most_common(1)[0][0]  # 'Peru' four times beats PPS named once
        shown = kb.entities[top].name(lang) if top in known else top.removeprefix("other:")
        result = {"entity": top, "name": shown}
    candidates = candidate_facts(kb, texts, known, set(topics), lang)
    if candidates:
        best = next(f for f in kb.facts if f.id == candidates[0])
        result |= {"fact": best.id, "fact_text": best.text(lang), "candidates": candidates}
    return result or None


def candidate_facts(
    kb: KnowledgeBase, texts: Sequence[str], entities: set[str], topics: set[str], lang: Lang
) -> list[str]:
    """Facts ranked for questions: about what they name, on their topics, in their words."""
    joined = " ".join(texts)
    scored = []
    for fact in kb.facts:
        about = len(entities & set(fact.about))
        if entities and not about:
            continue
        shared = len(topics & set(fact.topics))
        words = fuzz.token_set_ratio(joined, fact.text(lang)) / 100
        if about or shared or words >= 0.7:  # a record with nothing in common is no candidate
            scored.append((about * 2 + shared + words, fact.id))
    scored.sort(reverse=True)
    return [ident for _, ident in scored[:CANDIDATES]]


def _lang_of(counts: Mapping[str, int]) -> str:
    return next(iter(counts)) if len(counts) == 1 else "mixed"


# -- the report ------------------------------------------------------------------------------------------------


def build(db: Database, kb: KnowledgeBase, since: float, problem: str | None = None) -> dict[str, Any]:
    """The report's JSON form (also what the Markdown and HTML forms show)."""
    now = time.time()
    reader = Understander(kb)
    asked = rows(db, since)
    dismissed = {str(r[0]) for r in db.read("SELECT question FROM dismissed")}
    unanswered = [r for r in asked if r.kind in UNANSWERED and r.text not in dismissed][-CLUSTERED_AT_MOST:]
    groups = []
    for members in clusters(reader, unanswered):
        chosen = [unanswered[i] for i in sorted(members, key=lambda i: -unanswered[i].at)]
        texts = list(dict.fromkeys(r.text for r in chosen))
        langs = Counter(r.lang for r in chosen)
        lang: Lang = "ko" if langs.most_common(1)[0][0] == "ko" else "en"
        groups.append(
            {
                "key": cluster_key(texts),
                "count": len(chosen),
                "examples": texts[:EXAMPLES],
                "questions": texts,
                "lang": _lang_of(langs),
                "langs": dict(langs),
                "kinds": dict(Counter(r.kind for r in chosen)),
                "likely": likely(kb, reader, texts, lang),
            }
        )
    return {
        "generated": datetime.fromtimestamp(now, UTC).isoformat(timespec="seconds"),
        "since": datetime.fromtimestamp(since, UTC).isoformat(timespec="seconds"),
        "database": {"path": str(db.path), "ok": problem is None, "problem": problem},
        "totals": {
            "questions": len(asked),
            "answered": sum(1 for r in asked if r.kind not in UNANSWERED),
            "unanswered": sum(1 for r in asked if r.kind in UNANSWERED),
            **_votes(db, since),
        },
        "unanswered": groups,
        "feedback": feedback(db, since),
        "low_confidence": [
            {
                "question": r.text,
                "confidence": round(r.confidence, 2),
                "kind": r.kind,
                "intent": r.intent,
                "facts": list(r.facts),
                "at": _iso(r.at),
                "surface": r.surface,
                "lang": r.lang,
            }
            for r in sorted(asked, key=lambda r: r.confidence)
            if r.kind == "answer" and r.confidence < LOW_CONFIDENCE
        ][:20],
        "usage": usage(asked),
    }


def _iso(at: float) -> str:
    return datetime.fromtimestamp(at, UTC).isoformat(timespec="seconds")


def _votes(db: Database, since: float) -> dict[str, int]:
    found = dict(db.read("SELECT vote, count(*) FROM feedback WHERE at >= ? GROUP BY vote", (since,)))
    return {"feedback_up": int(found.get(1, 0)), "feedback_down": int(found.get(-1, 0))}


def feedback(db: Database, since: float) -> list[dict[str, Any]]:
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
    return [
        {
            "ref": r[0],
            "question": r[1],
            "intent": r[2],
            "facts": json.loads(str(r[3])),
            "up": r[4],
            "down": r[5],
            "comments": [c for c in str(r[6] or "").split("\x1f") if c],
        }
        for r in found
    ]


def usage(asked: Sequence[Question]) -> dict[str, Any]:
    by_day = Counter((_iso(r.at)[:10], r.surface, r.lang) for r in asked)
    return {
        "by_day": [{"day": d, "surface": s, "lang": lang, "count": n} for (d, s, lang), n in sorted(by_day.items())],
        "top_intents": Counter(r.intent for r in asked if r.intent).most_common(10),
        "top_entities": Counter(e for r in asked for e in r.entities).most_common(10),
    }


def to_json(report: Mapping[str, Any]) -> str:
    """The report as JSON, every string without control characters (a newline and a tab are kept, escaped)."""
    return json.dumps(strip_controls_in(report), ensure_ascii=False, indent=2)


def to_markdown(report: Mapping[str, Any]) -> str:
    """The report for a terminal or a pull request. What people typed, and the names of what they asked about,
    are code spans (`_literal`); the rest (counts, days, languages) is the report's own."""
    t = report["totals"]
    out = [
        f"# coopbot report, {report['since'][:10]} to {report['generated'][:10]}",
        "",
        f"{t['questions']} questions: {t['answered']} answered, {t['unanswered']} not; "
        f"feedback 👍 {t['feedback_up']} · 👎 {t['feedback_down']}.",
    ]
    if not report["database"]["ok"]:
        out += ["", f"**Database problem:** {_literal(report['database']['problem'], 1000)}"]
    out += ["", "## Unanswered, by cluster", ""]
    if not report["unanswered"]:
        out.append("No unanswered questions in this period.")
    for n, group in enumerate(report["unanswered"][:20], 1):
        about = group["likely"] or {}
        named = about.get("name")
        hint = (f" — likely {_literal(named)}" if named else " — likely") + (
            f" ({_literal(about['fact'])})" if about.get("fact") else ""
        )
        out.append(f"{n}. **{group['count']}×** [{group['lang']}]{hint if about else ''}")
        out += [f"   - {_literal(text)}" for text in group["examples"]]
    out += ["", "## Answers voted down", ""]
    if not report["feedback"]:
        out.append("No answers were voted down in this period.")
    for item in report["feedback"]:
        out.append(f"- 👎 {item['down']} 👍 {item['up']}: {_literal(item['question'])}")
        out += [f"  - {_literal(c)}" for c in item["comments"]]
    out += ["", "## Low-confidence answers", ""]
    if not report["low_confidence"]:
        out.append("No low-confidence answers in this period.")
    out += [f"- {item['confidence']:.2f} {_literal(item['question'])}" for item in report["low_confidence"]]
    out += ["", "## Usage", ""]
    days: Counter[tuple[str, str]] = Counter()
    for entry in report["usage"]["by_day"]:
        days[entry["day"], entry["surface"]] += entry["count"]
    out += [f"- {day} {_literal(surface)}: {count}" for (day, surface), count in sorted(days.items())] or [
        "No questions in this period."
    ]
    intents = ", ".join(f"{_literal(name)} {count}" for name, count in report["usage"]["top_intents"])
    entities = ", ".join(f"{_literal(name)} {count}" for name, count in report["usage"]["top_entities"])
    out += ["", f"Top intents: {intents or '-'}", f"Top entities: {entities or '-'}", ""]
    return "\n".join(out)


def _literal(value: object, limit: int = 200) -> str:
    """Text from the log as Markdown that shows what was typed and does nothing else: control characters
    stripped, on one line, clipped, as an inline code span, in which no link, image, HTML tag or autolink is
    live (CommonMark 6.1); its fence is one backtick longer than the longest run of backticks inside."""
    flat = " ".join(strip_controls(str(value)).split())
    flat = flat if len(flat) <= limit else flat[: limit - 1] + "…"
    if not flat:
        return ""
    fence = "`" * (max((len(run) for run in re.findall("`+", flat)), default=0) + 1)
    pad = " " if flat.startswith("`") or flat.endswith("`") else ""
    return f"{fence}{pad}{flat}{pad}{fence}"
