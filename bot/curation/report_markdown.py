"""The curators' report as Markdown, for a terminal or a pull request: `coopbot report` (the default format)."""

from __future__ import annotations

import re
from collections import Counter
from datetime import date

from bot.curation.report_model import Report
from bot.text.controls import strip_controls

CLUSTERS_SHOWN = 20


def to_markdown(report: Report) -> str:
    """The report for a terminal or a pull request. What people typed, and the names of what they asked about,
    are code spans (`_literal`); the rest (counts, days, languages) is the report's own."""
    t = report.totals
    out = [
        f"# coopbot report, {report.since.date()} to {report.generated.date()}",
        "",
        f"{t.questions} questions: {t.answered} answered, {t.unanswered} not; "
        f"feedback 👍 {t.feedback_up} · 👎 {t.feedback_down}.",
    ]
    if not report.database.ok:
        out += ["", f"**Database problem:** {_literal(report.database.problem, 1000)}"]
    out += ["", "## Unanswered, by cluster", ""]
    if not report.unanswered:
        out.append("No unanswered questions in this period.")
    for n, group in enumerate(report.unanswered[:CLUSTERS_SHOWN], 1):
        about = group.likely
        hint = ""
        if about is not None:
            hint = (f" — likely {_literal(about.name)}" if about.name else " — likely") + (
                f" ({_literal(about.fact)})" if about.fact else ""
            )
        out.append(f"{n}. **{group.count}×** [{group.lang}]{hint}")
        out += [f"   - {_literal(text)}" for text in group.examples]
    out += ["", "## Answers voted down", ""]
    if not report.feedback:
        out.append("No answers were voted down in this period.")
    for item in report.feedback:
        out.append(f"- 👎 {item.down} 👍 {item.up}: {_literal(item.question)}")
        out += [f"  - {_literal(c)}" for c in item.comments]
    out += ["", "## Low-confidence answers", ""]
    if not report.low_confidence:
        out.append("No low-confidence answers in this period.")
    out += [f"- {item.confidence:.2f} {_literal(item.question)}" for item in report.low_confidence]
    out += ["", "## Usage", ""]
    days: Counter[tuple[date, str]] = Counter()
    for entry in report.usage.by_day:
        days[entry.day, entry.surface] += entry.count
    out += [f"- {day} {_literal(surface)}: {count}" for (day, surface), count in sorted(days.items())] or [
        "No questions in this period."
    ]
    intents = ", ".join(f"{_literal(name)} {count}" for name, count in report.usage.top_intents)
    entities = ", ".join(f"{_literal(name)} {count}" for name, count in report.usage.top_entities)
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
