"""The HTML report's answers that need a curator's eye: those voted down or commented on, and those given with
little confidence."""

from __future__ import annotations

from collections.abc import Sequence

from bot.curation.report_html_markup import clean, cleaned, empty, esc, lang_attr, number, section, table, time_tag
from bot.curation.report_model import FeedbackItem, LowConfidence, Totals


def feedback_section(feedback: Sequence[FeedbackItem], totals: Totals) -> str:
    thumbs_up, thumbs_down = '<span aria-hidden="true">👍</span>', '<span aria-hidden="true">👎</span>'
    summary = (
        f"<p>{thumbs_up} {number(totals.feedback_up)} helpful · "
        f"{thumbs_down} {number(totals.feedback_down)} not helpful</p>\n"
    )
    if not feedback:
        return section("feedback", "Feedback", summary + empty("No feedback in this period."))
    # The 👎 answers and any with a comment are what a curator acts on; the rest are only counted.
    flagged = sorted((f for f in feedback if f.down or f.comments), key=lambda f: (-f.down, f.up))
    if not flagged:
        return section("feedback", "Feedback", summary + empty("No 👎 answers or comments in this period."))
    rest = len(feedback) - len(flagged)
    note = (
        f'<p class="note">{rest} more answer{"" if rest == 1 else "s"} had only 👍 and no comment.</p>\n'
        if rest
        else ""
    )
    items = "".join(_feedback_item(f) for f in flagged)
    return section("feedback", "Feedback", f'{summary}<ol class="items">{items}</ol>\n{note}')


def _feedback_item(item: FeedbackItem) -> str:
    question, comments, facts = clean(item.question), cleaned(item.comments), cleaned(item.facts, 100)
    meta = [f"👍 {number(item.up)}", f"👎 {number(item.down)}"]
    if item.intent:
        meta.append(f"intent {esc(clean(item.intent, 40))}")
    if facts:
        meta.append("facts " + ", ".join(f"<code>{esc(f)}</code>" for f in facts))
    if item.ref:
        meta.append(f"ref <code>{esc(clean(item.ref, 40))}</code>")
    said = "".join(f"<li{lang_attr(c)}>{esc(c)}</li>" for c in comments)
    # The empty quote stands where the answer was meant to be shown: the log does not keep answers.
    return (
        f'<li><p class="question"{lang_attr(question)}>{esc(question)}</p><blockquote></blockquote>'
        + (f'<p class="note">Comments:</p><ul class="examples">{said}</ul>' if said else "")
        + f'<p class="note">{" · ".join(meta)}</p></li>\n'
    )


def low_confidence_section(items: Sequence[LowConfidence]) -> str:
    if not items:
        return section("low-confidence", "Low-confidence answers", empty("No low-confidence answers in this period."))
    names = ("Intent", "Surface", "Lang", "When", "Facts")
    head = '<tr><th scope="col" class="n">Confidence</th><th scope="col">Question</th>' + "".join(
        f'<th scope="col">{name}</th>' for name in names
    )
    note = '<p class="note">Answers given with little confidence, the least confident first.</p>\n'
    return section(
        "low-confidence", "Low-confidence answers", note + table(head + "</tr>", [_low_row(i) for i in items])
    )


def _low_row(item: LowConfidence) -> str:
    question = clean(item.question)
    facts = "<br>".join(f"<code>{esc(f)}</code>" for f in cleaned(item.facts, 100))
    cells = (
        f'<td class="n">{item.confidence:.2f}</td>',
        f'<td class="text"{lang_attr(question)}>{esc(question)}</td>',
        f"<td>{esc(clean(item.intent or '', 40))}</td>",
        f"<td>{esc(clean(item.surface, 40))}</td>",
        f"<td>{esc(clean(item.lang, 20))}</td>",
        f'<td class="day">{time_tag(item.at)}</td>',
        f"<td>{facts}</td>",
    )
    return f"<tr>{''.join(cells)}</tr>"
