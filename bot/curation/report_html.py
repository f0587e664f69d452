"""The curators' report as one self-contained HTML page: `coopbot report --format html`.

Everything is inline (CSS, and SVG charts drawn here; no script, no web font, nothing fetched) so the file
can be mailed or opened offline, and it is laid out for a phone first. Every text from the report is
escaped and clipped: the questions are whatever people typed, markup and 1 MB pastes included.
"""

from __future__ import annotations

import html
import math
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from bot.text.controls import strip_controls
from bot.text.normalize import has_hangul

TITLE = "coopbot — curators' report"
CLIP = 300  # characters of a question or answer shown; a curator needs the gist, not the paste
LABEL_UNITS = 52  # a cluster chart label, in half-width characters: what one line of the chart holds
TOP_CLUSTERS = 10
CHART_WIDTH = 360.0  # SVG units; about the pixels a phone gives a chart, so its text is drawn at size
EXAMPLES_SHOWN = 5
MAX_FILLED_DAYS = 366  # days without questions are drawn as empty days, unless the range is absurd

# Fixed colours for the known surfaces, so that a surface keeps its colour from one report to the next;
# the Okabe–Ito palette stays distinguishable with the common colour-vision deficiencies.
SURFACE_COLOURS = {"telegram": "#0072B2", "slack": "#CC79A7", "console": "#009E73", "ask": "#E69F00"}
SPARE_COLOURS = ("#56B4E9", "#D55E00", "#999999", "#F0E442", "#332288")

FONTS = (
    '-apple-system, BlinkMacSystemFont, "Segoe UI", "Noto Sans KR", "Noto Sans CJK KR", "Apple SD Gothic Neo", '
    '"Malgun Gothic", NanumGothic, Roboto, "Helvetica Neue", Arial, sans-serif'
)

CSS = (
    """
:root { --fg: #1c2230; --muted: #5a6375; --bg: #f4f5f8; --card: #fff; --line: #e2e5ea; --soft: #eef1f6;
  --accent: #0b57d0; --bar: #d55e00; --warn-bg: #fff4e0; --warn-line: #e8a33d; --warn-fg: #6b3d00; }
@media (prefers-color-scheme: dark) {
  :root { --fg: #e7e9ee; --muted: #a2abbb; --bg: #14171c; --card: #1d2128; --line: #353b46; --soft: #262b34;
    --accent: #8ab4f8; --bar: #f08a4b; --warn-bg: #3a2a10; --warn-line: #b7791f; --warn-fg: #fbd9a5; }
}
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0; background: var(--bg); color: var(--fg); font: 15px/1.5 FONTS;
  word-break: keep-all; overflow-wrap: anywhere; }
main { max-width: 900px; margin: 0 auto; padding: 16px 12px 40px; }
header { padding: 4px 4px 8px; }
h1 { font-size: 1.4rem; line-height: 1.25; margin: 0 0 6px; }
h2 { font-size: 1.15rem; margin: 0 0 12px; }
h3 { font-size: .8rem; margin: 18px 0 6px; color: var(--muted); text-transform: uppercase; letter-spacing: .05em; }
p { margin: 6px 0; }
code { font: .85em/1.4 ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; background: var(--soft);
  padding: 1px 4px; border-radius: 4px; }
.muted, .note { color: var(--muted); }
.note { font-size: .85rem; }
.period { font-size: .95rem; }
.ok { color: #0a7a3b; font-weight: 600; }
nav { display: flex; flex-wrap: wrap; gap: 6px; margin-top: 10px; }
nav a { color: var(--accent); text-decoration: none; background: var(--card); border: 1px solid var(--line);
  border-radius: 999px; padding: 3px 10px; font-size: .85rem; }
section { background: var(--card); border: 1px solid var(--line); border-radius: 12px; padding: 14px 14px 16px;
  margin: 12px 0; }
.warn { background: var(--warn-bg); color: var(--warn-fg); border: 1px solid var(--warn-line);
  border-left-width: 6px; border-radius: 8px; padding: 10px 12px; margin: 10px 0; }
.warn strong { display: block; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(96px, 1fr)); gap: 8px; margin: 0; }
.cards div { background: var(--soft); border-radius: 10px; padding: 8px 10px; }
.cards dt { font-size: .8rem; color: var(--muted); }
.cards dd { margin: 0; font-size: 1.6rem; font-weight: 700; font-variant-numeric: tabular-nums; line-height: 1.2; }
.cards small { font-size: .8rem; font-weight: 500; color: var(--muted); }
.chart { overflow-x: auto; margin: 4px 0 8px; }
.chart svg { display: block; width: 100%; height: auto; }
.chart text { fill: var(--muted); font-size: 12.5px; }
.chart .strong { fill: var(--fg); font-weight: 700; }
.chart .label { fill: var(--fg); font-size: 14px; }
.chart .grid { stroke: var(--line); stroke-width: 1; }
.chart .bar { fill: var(--bar); }
.scroll { overflow-x: auto; -webkit-overflow-scrolling: touch; }
table { border-collapse: collapse; width: 100%; font-size: .88rem; font-variant-numeric: tabular-nums; }
th, td { padding: 6px; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top;
  overflow-wrap: normal; }
thead th { font-size: .78rem; color: var(--muted); font-weight: 600; white-space: nowrap; }
tfoot th, tfoot td { font-weight: 700; border-bottom: 0; }
.n, .day { text-align: right; white-space: nowrap; }
.day { text-align: left; }
td.text { min-width: 14em; overflow-wrap: anywhere; }
td code { white-space: nowrap; }
table.figures { width: auto; min-width: 60%; }
@media (min-width: 481px) { table.figures td, table.figures th { padding-left: 14px; } }
@media (max-width: 480px) { table { font-size: .82rem; } th, td { padding: 6px 4px; } }
.pair { display: grid; grid-template-columns: repeat(auto-fit, minmax(250px, 1fr)); gap: 0 20px; }
.meter { width: 40%; }
.meter span { display: block; height: 8px; margin-top: 7px; border-radius: 4px; background: var(--accent);
  opacity: .7; }
.swatch { display: inline-block; width: .7em; height: .7em; border-radius: 2px; margin-right: 4px; }
ol.items { list-style: none; padding: 0; margin: 0; }
ol.items > li { border-top: 1px solid var(--line); padding: 12px 0 10px; }
ol.items > li:first-child { border-top: 0; }
.head { display: flex; flex-wrap: wrap; align-items: baseline; gap: 4px 10px; }
.rank { color: var(--muted); font-weight: 600; }
.count { font-size: 1.15rem; font-weight: 700; }
.tag { font-size: .78rem; background: var(--soft); border-radius: 999px; padding: 1px 8px; color: var(--muted); }
ul.examples { margin: 6px 0; padding-left: 1.2em; }
ul.examples li { margin: 2px 0; }
.likely { font-size: .9rem; background: var(--soft); border-radius: 8px; padding: 6px 10px; }
blockquote { margin: 6px 0; padding: 4px 10px; border-left: 3px solid var(--line); color: var(--muted); }
.question { font-weight: 600; }
""".replace("FONTS", FONTS)
    .strip()
    .replace("\n  ", " ")
)


def render_html(report: Mapping[str, Any]) -> str:
    """The report's JSON form (bot.curation.report.build) as one HTML page."""
    totals = _mapping(report.get("totals"))
    clusters = sorted(_records(report.get("unanswered")), key=lambda c: -_int(c.get("count")))
    feedback = _records(report.get("feedback"))
    low = _records(report.get("low_confidence"))
    body = "".join(
        (
            _header(report, clusters, feedback, low),
            _totals_section(totals),
            _usage_section(_mapping(report.get("usage"))),
            _clusters_section(clusters),
            _feedback_section(feedback, totals),
            _low_confidence_section(low),
        )
    )
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="color-scheme" content="light dark">\n'
        f"<title>{_esc(TITLE)}</title>\n<style>\n{CSS}\n</style>\n</head>\n<body>\n<main>\n{body}</main>\n</body>\n</html>"
    )


# --- text -------------------------------------------------------------------------------------------------


def _esc(value: object) -> str:
    return html.escape(str(value), quote=True)


def _clean(value: object, limit: int = CLIP) -> str:
    """User text made fit to show: clipped first (a 1 MB paste is not walked twice), control characters,
    ESC sequences and bidi overrides dropped, lone surrogates replaced (bot/controls.py), whitespace folded."""
    text = "" if value is None else str(value)
    text = " ".join(strip_controls(text[: limit * 4]).split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _clip_units(text: str, units: int) -> str:
    """Clipped to about `units` half-width characters: a Hangul syllable takes the room of two letters."""
    used = 0
    for i, char in enumerate(text):
        used += 2 if unicodedata.east_asian_width(char) in "WF" else 1
        if used > units:
            return text[: max(i - 1, 0)].rstrip() + "…"
    return text


def _lang(text: str) -> str:
    """A lang attribute for text with Hangul, so the browser picks a Korean font for it."""
    return ' lang="ko"' if has_hangul(text) else ""


def _words(key: object) -> str:
    return str(key).replace("_", " ")


def _n(value: int) -> str:
    return f"{value:,}"


def _int(value: object) -> int:
    if isinstance(value, int | float | str):
        try:
            return int(value)
        except (ValueError, OverflowError):
            pass
    return 0


def _strings(value: object, limit: int = CLIP) -> list[str]:
    """A list of texts, cleaned, skipping empty ones and anything that is not a list."""
    return [text for text in (_clean(item, limit) for item in value if item) if text] if isinstance(value, list) else []


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _records(value: object) -> list[Mapping[str, Any]]:
    return [item for item in value if isinstance(item, Mapping)] if isinstance(value, list) else []


def _pairs(value: object) -> list[tuple[str, int]]:
    """`[["when", 30], ...]` as (name, count) pairs, skipping anything else."""
    rows = value if isinstance(value, list) else []
    return [(str(row[0]), _int(row[1])) for row in rows if isinstance(row, list | tuple) and len(row) >= 2]


def _time(stamp: object) -> str:
    """An ISO timestamp as `2026-11-17 09:00 UTC`: a reader wants the minute, not the microsecond."""
    if stamp is None:
        return "—"
    try:
        moment = datetime.fromisoformat(str(stamp))
    except ValueError:
        return _esc(_clean(stamp, 40))
    offset = moment.utcoffset()
    zone = "" if offset is None else " UTC" if offset == timedelta(0) else moment.strftime(" UTC%z")
    return f'<time datetime="{_esc(moment.isoformat())}">{moment.strftime("%Y-%m-%d %H:%M")}{zone}</time>'


def _days_between(since: object, until: object) -> str:
    try:
        span = datetime.fromisoformat(str(until)) - datetime.fromisoformat(str(since))
    except (TypeError, ValueError):
        return ""
    days = round(span.total_seconds() / 86400, 1)
    return f"({days:g}\u00a0day{'' if days == 1 else 's'})"


def _empty(text: str) -> str:
    return f'<p class="muted">{_esc(text)}</p>'


def _section(ident: str, title: str, body: str) -> str:
    return (
        f'<section id="{ident}" aria-labelledby="{ident}-h">\n<h2 id="{ident}-h">{_esc(title)}</h2>\n{body}</section>\n'
    )


def _table(head: str, rows: Sequence[str], foot: str = "", cls: str = "") -> str:
    """A table in a wrapper that scrolls sideways, so a wide table never widens the page on a phone."""
    foot = f"<tfoot>{foot}</tfoot>" if foot else ""
    table = f'<table class="{cls}">' if cls else "<table>"
    return f'<div class="scroll">{table}<thead>{head}</thead><tbody>{"".join(rows)}</tbody>{foot}</table></div>\n'


# --- header and totals ------------------------------------------------------------------------------------


def _header(
    report: Mapping[str, Any],
    clusters: Sequence[Mapping[str, Any]],
    feedback: Sequence[Mapping[str, Any]],
    low: Sequence[Mapping[str, Any]],
) -> str:
    since, generated = report.get("since"), report.get("generated")
    period = f'{_time(since)} → {_time(generated)} <span class="muted">{_days_between(since, generated)}</span>'
    links = (
        ("totals", "Totals"),
        ("usage", "Usage"),
        ("unanswered", f"Unanswered ({len(clusters)})"),
        ("feedback", f"Feedback ({len(feedback)})"),
        ("low-confidence", f"Low confidence ({len(low)})"),
    )
    nav = "".join(f'<a href="#{ident}">{_esc(text)}</a>' for ident, text in links)
    return (
        f'<header>\n<h1>{_esc(TITLE)}</h1>\n<p class="period">{period}</p>\n'
        f'{_database(_mapping(report.get("database")))}<nav aria-label="Sections">{nav}</nav>\n</header>\n'
    )


def _database(database: Mapping[str, Any]) -> str:
    if not database:
        return ""  # a report without the database's state claims nothing about it
    path = database.get("path")
    where = f" <code>{_esc(_clean(path, 200))}</code>" if path else ""
    if database.get("ok", True) and not database.get("problem"):
        return f'<p class="note">Database{where}: <span class="ok">OK</span></p>\n'
    problem = database.get("problem") or "The database is not OK, and no reason was given."
    return (
        f'<div class="warn" role="alert"><strong>⚠ Database problem{where}</strong>'
        f"<p>{_esc(_clean(problem, 1000))}</p><p>The figures below may be incomplete.</p></div>\n"
    )


def _totals_section(totals: Mapping[str, Any]) -> str:
    questions = _int(totals.get("questions"))

    def share(count: int) -> str:
        return f" <small>{round(100 * count / questions)}%</small>" if questions else ""

    answered, unanswered = _int(totals.get("answered")), _int(totals.get("unanswered"))
    cards = (
        ("Questions", _n(questions)),
        ("Answered", _n(answered) + share(answered)),
        ("Unanswered", _n(unanswered) + share(unanswered)),
        ("👍 Helpful", _n(_int(totals.get("feedback_up")))),
        ("👎 Not helpful", _n(_int(totals.get("feedback_down")))),
    )
    items = "".join(f"<div><dt>{_esc(name)}</dt><dd>{value}</dd></div>" for name, value in cards)
    return _section("totals", "Totals", f'<dl class="cards">{items}</dl>\n')


# --- usage ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Usage:
    """Questions per day, by surface and by language, with the days between filled in."""

    days: list[str]
    surfaces: list[str]  # the busiest first: it is drawn at the bottom of each bar
    langs: list[str]
    by_surface: dict[tuple[str, str], int]
    by_lang: dict[tuple[str, str], int]

    def day_total(self, day: str) -> int:
        return sum(self.by_surface.get((day, surface), 0) for surface in self.surfaces)

    def surface_total(self, surface: str) -> int:
        return sum(self.by_surface.get((day, surface), 0) for day in self.days)

    def lang_total(self, lang: str) -> int:
        return sum(self.by_lang.get((day, lang), 0) for day in self.days)


def _usage_of(rows: Sequence[Mapping[str, Any]]) -> Usage:
    by_surface: dict[tuple[str, str], int] = {}
    by_lang: dict[tuple[str, str], int] = {}
    for row in rows:
        day, count = _clean(row.get("day"), 40), _int(row.get("count"))
        surface, lang = _clean(row.get("surface") or "?", 40), _clean(row.get("lang") or "?", 20)
        by_surface[day, surface] = by_surface.get((day, surface), 0) + count
        by_lang[day, lang] = by_lang.get((day, lang), 0) + count
    days = _fill_days(sorted({day for day, _ in by_surface}))

    def busiest(table: dict[tuple[str, str], int]) -> list[str]:
        totals: dict[str, int] = {}
        for (_, key), count in table.items():
            totals[key] = totals.get(key, 0) + count
        return sorted(totals, key=lambda key: (-totals[key], key))

    return Usage(days, busiest(by_surface), busiest(by_lang), by_surface, by_lang)


def _fill_days(days: list[str]) -> list[str]:
    """The days from the first to the last: a quiet day is a fact about usage, not a gap to close up."""
    try:
        first, last = date.fromisoformat(days[0]), date.fromisoformat(days[-1])
        for day in days:
            date.fromisoformat(day)
    except (IndexError, ValueError):
        return days
    if (last - first).days > MAX_FILLED_DAYS:
        return days
    return [(first + timedelta(days=i)).isoformat() for i in range((last - first).days + 1)]


def _colours(surfaces: Sequence[str]) -> dict[str, str]:
    spare = iter(SPARE_COLOURS * (len(surfaces) // len(SPARE_COLOURS) + 1))
    return {surface: SURFACE_COLOURS.get(surface) or next(spare) for surface in surfaces}


def _usage_section(usage: Mapping[str, Any]) -> str:
    data = _usage_of(_records(usage.get("by_day")))
    if not data.days or not any(data.day_total(day) for day in data.days):
        body = _empty("No questions in this period.")
    else:
        colours = _colours(data.surfaces)
        body = (
            f'<div class="chart">{_usage_chart(data, colours)}</div>\n'
            f"<h3>Questions per day</h3>\n{_usage_table(data, colours)}"
        )
    intents = _ranking("Top intents", "Intent", _pairs(usage.get("top_intents")), "No intents recorded in this period.")
    entities = _ranking(
        "Top entities", "Entity", _pairs(usage.get("top_entities")), "No entities recorded in this period."
    )
    return _section("usage", "Usage", f'{body}<div class="pair"><div>{intents}</div><div>{entities}</div></div>\n')


def _usage_table(data: Usage, colours: Mapping[str, str]) -> str:
    surfaces = "".join(
        f'<th class="n" scope="col"><span class="swatch" style="background:{colours[s]}"></span>{_esc(s)}</th>'
        for s in data.surfaces
    )
    langs = "".join(f'<th class="n" scope="col">{_esc(lang)}</th>' for lang in data.langs)
    head = (
        f'<tr><th rowspan="2" scope="col">Day</th><th colspan="{len(data.surfaces)}" scope="colgroup">Surface</th>'
        f'<th colspan="{len(data.langs)}" scope="colgroup">Language</th>'
        f'<th rowspan="2" class="n" scope="col">Total</th></tr><tr>{surfaces}{langs}</tr>'
    )
    rows = [
        f'<tr><th scope="row" class="day">{_day_name(day)}</th>'
        + "".join(f'<td class="n">{_n(data.by_surface.get((day, s), 0))}</td>' for s in data.surfaces)
        + "".join(f'<td class="n">{_n(data.by_lang.get((day, lang), 0))}</td>' for lang in data.langs)
        + f'<td class="n"><b>{_n(data.day_total(day))}</b></td></tr>'
        for day in data.days
    ]
    foot = (
        '<tr><th scope="row">Total</th>'
        + "".join(f'<td class="n">{_n(data.surface_total(s))}</td>' for s in data.surfaces)
        + "".join(f'<td class="n">{_n(data.lang_total(lang))}</td>' for lang in data.langs)
        + f'<td class="n">{_n(sum(data.day_total(day) for day in data.days))}</td></tr>'
    )
    return _table(head, rows, foot, cls="figures")


def _day_name(day: str) -> str:
    """`Tue 11-17`: the year is in the header, and a narrow first column leaves the figures room on a phone."""
    try:
        when = date.fromisoformat(day)
    except ValueError:
        return _esc(day)
    return f'<time datetime="{when.isoformat()}"><span class="muted">{when:%a}</span> {when:%m-%d}</time>'


def _ranking(title: str, what: str, pairs: Sequence[tuple[str, int]], empty: str) -> str:
    if not pairs:
        return f"<h3>{_esc(title)}</h3>{_empty(empty)}"
    most = max(count for _, count in pairs) or 1
    rows = [
        f'<tr><td>{_esc(_clean(name, 80))}</td><td class="n">{_n(count)}</td>'
        f'<td class="meter" aria-hidden="true"><span style="width:{max(0, 100 * count // most)}%"></span></td></tr>'
        for name, count in pairs
    ]
    head = f'<tr><th scope="col">{_esc(what)}</th><th class="n" scope="col">Questions</th><td></td></tr>'
    return f"<h3>{_esc(title)}</h3>{_table(head, rows)}"


# --- charts -----------------------------------------------------------------------------------------------


def _f(number: float) -> str:
    """An SVG coordinate: a tenth of a unit is finer than any screen shows."""
    return f"{number:.1f}".removesuffix(".0")


def _svg(ident: str, width: float, height: float, title: str, desc: str, shapes: Sequence[str]) -> str:
    """An inline SVG that scales with the page between 0.85 and 1.25 times its own size: below that its
    text is too small on a phone (its wrapper scrolls instead), above it the text looms on a desktop."""
    style = f"min-width:{_f(width * 0.85)}px;max-width:{_f(width * 1.25)}px"
    return (
        f'<svg id="{ident}" viewBox="0 0 {_f(width)} {_f(height)}" width="{_f(width)}" height="{_f(height)}" '
        f'style="{style}" role="img" aria-labelledby="{ident}-title {ident}-desc">'
        f'<title id="{ident}-title">{_esc(title)}</title><desc id="{ident}-desc">{_esc(desc)}</desc>'
        + "".join(shapes)
        + "</svg>"
    )


def _scale(most: int, ticks: int = 4) -> tuple[int, int]:
    """A round step (1, 2 or 5 times a power of ten) for about `ticks` gridlines, and the axis top."""
    raw = max(most, 1) / ticks
    power = 10 ** math.floor(math.log10(raw))
    step = max(1, next(m * power for m in (1, 2, 5, 10) if m * power >= raw))
    return int(step), int(step * math.ceil(max(most, 1) / step))


def _legend(items: Sequence[tuple[str, str]], x0: float, width: float) -> tuple[list[str], float]:
    """Legend entries laid out in rows across the top of a chart; the height they take."""
    shapes, x, y = [], x0, 12.0
    for label, colour in items:
        room = 16 + 7 * len(label) + 14  # swatch, text at about 0.58 em a character, gap
        if x > x0 and x + room > width:
            x, y = x0, y + 18
        shapes.append(
            f'<rect x="{_f(x)}" y="{_f(y - 9)}" width="10" height="10" rx="2" fill="{colour}"/>'
            f'<text x="{_f(x + 15)}" y="{_f(y)}" class="strong">{_esc(label)}</text>'
        )
        x += room
    return shapes, y + 10


def _usage_chart(data: Usage, colours: Mapping[str, str]) -> str:
    """Stacked bars of questions per day, a segment per surface, the busiest surface at the bottom."""
    count = len(data.days)
    width, left, right, plot_h = max(CHART_WIDTH, 40 + 26.0 * count), 28.0, 2.0, 150.0
    # The legend wraps within what a phone shows of a long chart before it is scrolled.
    legend, legend_h = _legend(
        [(f"{s} {_n(data.surface_total(s))}", colours[s]) for s in data.surfaces], left, CHART_WIDTH - right
    )
    top = legend_h + 16  # room for the total over the highest bar
    base = top + plot_h
    day_totals = [data.day_total(day) for day in data.days]
    step, ceiling = _scale(max(day_totals))
    slot = (width - left - right) / count
    bar = min(34.0, slot * 0.66)
    every = math.ceil(38 / slot)  # a day label needs about 38 units: thin them out when the days are many
    shapes = list(legend)
    for tick in range(0, ceiling + 1, step):
        y = base - plot_h * tick / ceiling
        shapes.append(
            f'<line class="grid" x1="{_f(left)}" x2="{_f(width - right)}" y1="{_f(y)}" y2="{_f(y)}"/>'
            f'<text x="{_f(left - 5)}" y="{_f(y + 4)}" text-anchor="end">{_n(tick)}</text>'
        )
    for i, day in enumerate(data.days):
        x, y = left + slot * i + (slot - bar) / 2, base
        for surface in data.surfaces:
            n = data.by_surface.get((day, surface), 0)
            if n:
                h = plot_h * n / ceiling
                y -= h
                shapes.append(
                    f'<rect class="seg" x="{_f(x)}" y="{_f(y)}" width="{_f(bar)}" height="{_f(h)}" '
                    f'fill="{colours[surface]}"><title>{_esc(day)} · {_esc(surface)}: {_n(n)}</title></rect>'
                )
        middle = x + bar / 2
        if day_totals[i] and slot >= 18:
            shapes.append(
                f'<text x="{_f(middle)}" y="{_f(y - 4)}" text-anchor="middle" class="strong">{day_totals[i]}</text>'
            )
        if i % every == 0:
            shapes.append(_day_label(day, middle, base))
    busiest = max(range(count), key=lambda i: day_totals[i])
    desc = (
        f"{_n(sum(day_totals))} questions from {data.days[0]} to {data.days[-1]}, by surface: "
        + ", ".join(f"{s} {_n(data.surface_total(s))}" for s in data.surfaces)
        + f". Busiest day: {data.days[busiest]} with {_n(day_totals[busiest])}. The table below has every figure."
    )
    return _svg("usage-chart", width, base + 32, "Questions per day, by surface", desc, shapes)


def _day_label(day: str, x: float, base: float) -> str:
    try:
        when = date.fromisoformat(day)
    except ValueError:
        return f'<text x="{_f(x)}" y="{_f(base + 15)}" text-anchor="middle">{_esc(day[:10])}</text>'
    return (
        f'<text x="{_f(x)}" y="{_f(base + 14)}" text-anchor="middle">{when.strftime("%a")}</text>'
        f'<text x="{_f(x)}" y="{_f(base + 27)}" text-anchor="middle">{when.strftime("%m-%d")}</text>'
    )


def _first_example(cluster: Mapping[str, Any]) -> str:
    examples = cluster.get("examples")
    return _clean(examples[0]) if isinstance(examples, list) and examples else "(no example)"


def _cluster_chart(clusters: Sequence[Mapping[str, Any]]) -> str:
    """Horizontal bars of the largest clusters, each labelled on its own line so that a whole question fits
    across a phone, and numbered like the list below it."""
    shown = clusters[:TOP_CLUSTERS]
    width, row, room = CHART_WIDTH, 44.0, CHART_WIDTH - 2 - 36  # 36 units right of the longest bar for its count
    most = max(_int(c.get("count")) for c in shown) or 1
    shapes: list[str] = []
    for rank, cluster in enumerate(shown, 1):
        y, n = 2 + row * (rank - 1), _int(cluster.get("count"))
        label = _clip_units(f"{rank}. {_first_example(cluster)}", LABEL_UNITS)
        length = max(3.0, room * n / most)
        shapes.append(
            f'<text x="2" y="{_f(y + 14)}" class="label"{_lang(label)}>{_esc(label)}</text>'
            f'<rect class="bar" x="2" y="{_f(y + 20)}" width="{_f(length)}" height="16" rx="3">'
            f"<title>{_esc(label)}: {_n(n)}</title></rect>"
            f'<text x="{_f(length + 8)}" y="{_f(y + 33)}" class="strong">{_n(n)}</text>'
        )
    desc = (
        f"The {len(shown)} largest of {len(clusters)} clusters of unanswered questions, by number of questions: "
        + "; ".join(f"{_clip_units(_first_example(c), LABEL_UNITS)} ({_n(_int(c.get('count')))})" for c in shown)
    )
    return _svg("cluster-chart", width, 2 + row * len(shown), "Largest clusters of unanswered questions", desc, shapes)


# --- unanswered, feedback, low confidence -----------------------------------------------------------------


def _clusters_section(clusters: Sequence[Mapping[str, Any]]) -> str:
    if not clusters:
        return _section("unanswered", "Unanswered questions", _empty("No unanswered questions in this period."))
    total = sum(_int(c.get("count")) for c in clusters)
    top = f"; the chart shows the top {TOP_CLUSTERS}" if len(clusters) > TOP_CLUSTERS else ""
    intro = (
        f'<p class="note">{_n(total)} questions in {_n(len(clusters))} clusters of similar questions, '
        f"the largest first{top}.</p>\n"
    )
    items = "".join(_cluster_item(rank, cluster) for rank, cluster in enumerate(clusters, 1))
    chart = f'<div class="chart">{_cluster_chart(clusters)}</div>\n'
    return _section("unanswered", "Unanswered questions", f'{intro}{chart}<ol class="items">{items}</ol>\n')


def _counts(value: object) -> str:
    """`{"en": 3, "ko": 1}` as `en 3 · ko 1`, the largest first."""
    counts = {str(k): _int(v) for k, v in _mapping(value).items()}
    return " · ".join(
        f"{_esc(_words(_clean(k, 40)))} {_n(v)}" for k, v in sorted(counts.items(), key=lambda kv: -kv[1])
    )


def _cluster_item(rank: int, cluster: Mapping[str, Any]) -> str:
    n = _int(cluster.get("count"))
    lang, langs, kinds = cluster.get("lang"), _counts(cluster.get("langs")), _counts(cluster.get("kinds"))
    head = (
        f'<div class="head"><span class="rank">{rank}.</span><span class="count">{_n(n)}</span>'
        f"<span>question{'' if n == 1 else 's'}</span>"
        + (f'<span class="tag" title="language">{_esc(_clean(lang, 20))}</span>' if lang else "")
        + "</div>"
    )
    details = [f"Languages: {langs}"] if langs else []
    details += [f"Replied with: {kinds}"] if kinds else []
    about = f'<p class="note">{"; ".join(details)}</p>' if details else ""
    return f"<li>{head}{about}{_examples(cluster.get('examples'))}{_likely(cluster.get('likely'))}</li>\n"


def _examples(value: object) -> str:
    examples = _strings(value)
    if not examples:
        return ""
    items = "".join(f"<li{_lang(e)}>{_esc(e)}</li>" for e in examples[:EXAMPLES_SHOWN])
    more = len(examples) - EXAMPLES_SHOWN
    if more > 0:
        items += f'<li class="note">and {more} more</li>'
    return f'<ul class="examples">{items}</ul>'


def _likely(value: object) -> str:
    """What the cluster is probably about: the entity, and the fact nearest to it if there is one."""
    likely = _mapping(value)
    entity, name, fact = likely.get("entity"), likely.get("name"), likely.get("fact")
    if not (entity or name or fact):
        return ""
    lines = []
    if name or entity:
        code = f" <code>{_esc(_clean(entity, 100))}</code>" if entity and name and entity != name else ""
        lines.append(f"Likely about <b>{_esc(_clean(name or entity, 100))}</b>{code}")
    if fact:
        text = likely.get("fact_text")
        said = f": <q{_lang(str(text))}>{_esc(_clean(text))}</q>" if text else ""
        lines.append(f"Nearest fact <code>{_esc(_clean(fact, 100))}</code>{said}")
    return f'<p class="likely">{"<br>".join(lines)}</p>'


def _feedback_section(feedback: Sequence[Mapping[str, Any]], totals: Mapping[str, Any]) -> str:
    up, down = _int(totals.get("feedback_up")), _int(totals.get("feedback_down"))
    thumbs_up, thumbs_down = '<span aria-hidden="true">👍</span>', '<span aria-hidden="true">👎</span>'
    summary = f"<p>{thumbs_up} {_n(up)} helpful · {thumbs_down} {_n(down)} not helpful</p>\n"
    if not feedback:
        return _section("feedback", "Feedback", summary + _empty("No feedback in this period."))
    # The 👎 answers and any with a comment are what a curator acts on; the rest are only counted.
    flagged = sorted(
        (f for f in feedback if _int(f.get("down")) or f.get("comments")),
        key=lambda f: (-_int(f.get("down")), _int(f.get("up"))),
    )
    if not flagged:
        return _section("feedback", "Feedback", summary + _empty("No 👎 answers or comments in this period."))
    rest = len(feedback) - len(flagged)
    note = (
        f'<p class="note">{rest} more answer{"" if rest == 1 else "s"} had only 👍 and no comment.</p>\n'
        if rest
        else ""
    )
    items = "".join(_feedback_item(f) for f in flagged)
    return _section("feedback", "Feedback", f'{summary}<ol class="items">{items}</ol>\n{note}')


def _feedback_item(item: Mapping[str, Any]) -> str:
    question, answer = _clean(item.get("question")), _clean(item.get("answer"))
    comments, facts = _strings(item.get("comments")), _strings(item.get("facts"), 100)
    meta = [f"👍 {_n(_int(item.get('up')))}", f"👎 {_n(_int(item.get('down')))}"]
    if item.get("intent"):
        meta.append(f"intent {_esc(_clean(item.get('intent'), 40))}")
    if facts:
        meta.append("facts " + ", ".join(f"<code>{_esc(f)}</code>" for f in facts))
    if item.get("ref"):
        meta.append(f"ref <code>{_esc(_clean(item.get('ref'), 40))}</code>")
    said = "".join(f"<li{_lang(c)}>{_esc(c)}</li>" for c in comments)
    return (
        f'<li><p class="question"{_lang(question)}>{_esc(question)}</p>'
        f"<blockquote{_lang(answer)}>{_esc(answer)}</blockquote>"
        + (f'<p class="note">Comments:</p><ul class="examples">{said}</ul>' if said else "")
        + f'<p class="note">{" · ".join(meta)}</p></li>\n'
    )


def _low_confidence_section(items: Sequence[Mapping[str, Any]]) -> str:
    if not items:
        return _section("low-confidence", "Low-confidence answers", _empty("No low-confidence answers in this period."))
    rows = [_low_row(item) for item in sorted(items, key=lambda i: _confidence(i.get("confidence")))]
    names = ("Intent", "Surface", "Lang", "When", "Facts")
    head = '<tr><th scope="col" class="n">Confidence</th><th scope="col">Question</th>' + "".join(
        f'<th scope="col">{name}</th>' for name in names
    )
    note = '<p class="note">Answers given with little confidence, the least confident first.</p>\n'
    return _section("low-confidence", "Low-confidence answers", note + _table(head + "</tr>", rows))


def _confidence(value: object) -> float:
    if not isinstance(value, int | float | str):
        return math.inf
    try:
        number = float(value)
    except ValueError:
        return math.inf
    return number if math.isfinite(number) else math.inf


def _low_row(item: Mapping[str, Any]) -> str:
    question, confidence = _clean(item.get("question")), _confidence(item.get("confidence"))
    facts = "<br>".join(f"<code>{_esc(f)}</code>" for f in _strings(item.get("facts"), 100))
    cells = (
        f'<td class="n">{"—" if math.isinf(confidence) else f"{confidence:.2f}"}</td>',
        f'<td class="text"{_lang(question)}>{_esc(question)}</td>',
        f"<td>{_esc(_clean(item.get('intent') or '', 40))}</td>",
        f"<td>{_esc(_clean(item.get('surface') or '', 40))}</td>",
        f"<td>{_esc(_clean(item.get('lang') or '', 20))}</td>",
        f'<td class="day">{_time(item.get("at"))}</td>',
        f"<td>{facts}</td>",
    )
    return f"<tr>{''.join(cells)}</tr>"
