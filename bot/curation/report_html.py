"""The curators' report as one self-contained HTML page: `coopbot report --format html`.

Everything is inline (CSS, and SVG charts drawn here; no script, no web font, nothing fetched) so the file
can be mailed or opened offline, and it is laid out for a phone first. Every text from the report is
escaped and clipped: the questions are whatever people typed, markup and 1 MB pastes included.

This module is the page: its frame, header, database state and totals. Its sections are drawn by
report_html_usage.py, report_html_clusters.py and report_html_answers.py; report_html_markup.py and
report_html_svg.py are what they draw with, report_html_style.py the style sheet.
"""

from __future__ import annotations

from bot.curation.report_html_answers import feedback_section, low_confidence_section
from bot.curation.report_html_clusters import clusters_section
from bot.curation.report_html_markup import clean, days_between, esc, number, section, time_tag
from bot.curation.report_html_style import CSS
from bot.curation.report_html_usage import usage_section
from bot.curation.report_model import DatabaseStatus, Report, Totals

TITLE = "coopbot — curators' report"


def render_html(report: Report) -> str:
    """The report (bot.curation.report.build) as one HTML page."""
    body = "".join(
        (
            _header(report),
            _totals_section(report.totals),
            usage_section(report.usage),
            clusters_section(report.unanswered),
            feedback_section(report.feedback, report.totals),
            low_confidence_section(report.low_confidence),
        )
    )
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="color-scheme" content="light dark">\n'
        f"<title>{esc(TITLE)}</title>\n<style>\n{CSS}\n</style>\n</head>\n<body>\n<main>\n{body}</main>\n</body>\n</html>"
    )


def _header(report: Report) -> str:
    since, generated = report.since, report.generated
    period = f'{time_tag(since)} → {time_tag(generated)} <span class="muted">{days_between(since, generated)}</span>'
    links = (
        ("totals", "Totals"),
        ("usage", "Usage"),
        ("unanswered", f"Unanswered ({len(report.unanswered)})"),
        ("feedback", f"Feedback ({len(report.feedback)})"),
        ("low-confidence", f"Low confidence ({len(report.low_confidence)})"),
    )
    nav = "".join(f'<a href="#{ident}">{esc(text)}</a>' for ident, text in links)
    return (
        f'<header>\n<h1>{esc(TITLE)}</h1>\n<p class="period">{period}</p>\n'
        f'{_database(report.database)}<nav aria-label="Sections">{nav}</nav>\n</header>\n'
    )


def _database(database: DatabaseStatus) -> str:
    where = f" <code>{esc(clean(database.path, 200))}</code>"
    if database.ok:
        return f'<p class="note">Database{where}: <span class="ok">OK</span></p>\n'
    problem = database.problem or "The database is not OK, and no reason was given."
    return (
        f'<div class="warn" role="alert"><strong>⚠ Database problem{where}</strong>'
        f"<p>{esc(clean(problem, 1000))}</p><p>The figures below may be incomplete.</p></div>\n"
    )


def _totals_section(totals: Totals) -> str:
    questions = totals.questions

    def share(count: int) -> str:
        return f" <small>{round(100 * count / questions)}%</small>" if questions else ""

    cards = (
        ("Questions", number(questions)),
        ("Answered", number(totals.answered) + share(totals.answered)),
        ("Unanswered", number(totals.unanswered) + share(totals.unanswered)),
        ("👍 Helpful", number(totals.feedback_up)),
        ("👎 Not helpful", number(totals.feedback_down)),
    )
    items = "".join(f"<div><dt>{esc(name)}</dt><dd>{value}</dd></div>" for name, value in cards)
    return section("totals", "Totals", f'<dl class="cards">{items}</dl>\n')
