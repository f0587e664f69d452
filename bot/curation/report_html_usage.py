"""The HTML report's usage section: questions per day as stacked bars by surface, the same figures in a table
by surface and by language, and the most asked intents and entities."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from bot.curation.report_html_markup import clean, empty, esc, number, section, table
from bot.curation.report_html_svg import CHART_WIDTH, coord, legend, scale, svg
from bot.curation.report_model import DayCount, Usage

MAX_FILLED_DAYS = 366  # days without questions are drawn as empty days, unless the range is absurd

# Fixed colours for the known surfaces, so that a surface keeps its colour from one report to the next;
# the Okabe–Ito palette stays distinguishable with the common colour-vision deficiencies.
SURFACE_COLOURS = {"telegram": "#0072B2", "slack": "#CC79A7", "console": "#009E73", "ask": "#E69F00"}
SPARE_COLOURS = ("#56B4E9", "#D55E00", "#999999", "#F0E442", "#332288")


@dataclass(frozen=True)
class Daily:
    """Questions per day, by surface and by language, with the days between filled in."""

    days: list[date]
    surfaces: list[str]  # the busiest first: it is drawn at the bottom of each bar
    langs: list[str]
    by_surface: dict[tuple[date, str], int]
    by_lang: dict[tuple[date, str], int]

    def day_total(self, day: date) -> int:
        return sum(self.by_surface.get((day, surface), 0) for surface in self.surfaces)

    def surface_total(self, surface: str) -> int:
        return sum(self.by_surface.get((day, surface), 0) for day in self.days)

    def lang_total(self, lang: str) -> int:
        return sum(self.by_lang.get((day, lang), 0) for day in self.days)


def daily(rows: Sequence[DayCount]) -> Daily:
    by_surface: dict[tuple[date, str], int] = {}
    by_lang: dict[tuple[date, str], int] = {}
    for row in rows:
        surface, lang = clean(row.surface, 40), clean(row.lang, 20)
        by_surface[row.day, surface] = by_surface.get((row.day, surface), 0) + row.count
        by_lang[row.day, lang] = by_lang.get((row.day, lang), 0) + row.count
    days = _fill_days(sorted({day for day, _ in by_surface}))

    def busiest(figures: dict[tuple[date, str], int]) -> list[str]:
        totals: dict[str, int] = {}
        for (_, key), count in figures.items():
            totals[key] = totals.get(key, 0) + count
        return sorted(totals, key=lambda key: (-totals[key], key))

    return Daily(days, busiest(by_surface), busiest(by_lang), by_surface, by_lang)


def _fill_days(days: list[date]) -> list[date]:
    """The days from the first to the last: a quiet day is a fact about usage, not a gap to close up."""
    if not days or (days[-1] - days[0]).days > MAX_FILLED_DAYS:
        return days
    return [days[0] + timedelta(days=i) for i in range((days[-1] - days[0]).days + 1)]


def _colours(surfaces: Sequence[str]) -> dict[str, str]:
    spare = iter(SPARE_COLOURS * (len(surfaces) // len(SPARE_COLOURS) + 1))
    return {surface: SURFACE_COLOURS.get(surface) or next(spare) for surface in surfaces}


def usage_section(usage: Usage) -> str:
    data = daily(usage.by_day)
    if not data.days:
        body = empty("No questions in this period.")
    else:
        colours = _colours(data.surfaces)
        body = (
            f'<div class="chart">{_usage_chart(data, colours)}</div>\n'
            f"<h3>Questions per day</h3>\n{_usage_table(data, colours)}"
        )
    intents = _ranking("Top intents", "Intent", usage.top_intents, "No intents recorded in this period.")
    entities = _ranking("Top entities", "Entity", usage.top_entities, "No entities recorded in this period.")
    return section("usage", "Usage", f'{body}<div class="pair"><div>{intents}</div><div>{entities}</div></div>\n')


def _usage_table(data: Daily, colours: Mapping[str, str]) -> str:
    surfaces = "".join(
        f'<th class="n" scope="col"><span class="swatch" style="background:{colours[s]}"></span>{esc(s)}</th>'
        for s in data.surfaces
    )
    langs = "".join(f'<th class="n" scope="col">{esc(lang)}</th>' for lang in data.langs)
    head = (
        f'<tr><th rowspan="2" scope="col">Day</th><th colspan="{len(data.surfaces)}" scope="colgroup">Surface</th>'
        f'<th colspan="{len(data.langs)}" scope="colgroup">Language</th>'
        f'<th rowspan="2" class="n" scope="col">Total</th></tr><tr>{surfaces}{langs}</tr>'
    )
    rows = [
        f'<tr><th scope="row" class="day">{_day_name(day)}</th>'
        + "".join(f'<td class="n">{number(data.by_surface.get((day, s), 0))}</td>' for s in data.surfaces)
        + "".join(f'<td class="n">{number(data.by_lang.get((day, lang), 0))}</td>' for lang in data.langs)
        + f'<td class="n"><b>{number(data.day_total(day))}</b></td></tr>'
        for day in data.days
    ]
    foot = (
        '<tr><th scope="row">Total</th>'
        + "".join(f'<td class="n">{number(data.surface_total(s))}</td>' for s in data.surfaces)
        + "".join(f'<td class="n">{number(data.lang_total(lang))}</td>' for lang in data.langs)
        + f'<td class="n">{number(sum(data.day_total(day) for day in data.days))}</td></tr>'
    )
    return table(head, rows, foot, cls="figures")


def _day_name(day: date) -> str:
    """`Tue 11-17`: the year is in the header, and a narrow first column leaves the figures room on a phone."""
    return f'<time datetime="{day.isoformat()}"><span class="muted">{day:%a}</span> {day:%m-%d}</time>'


def _ranking(title: str, what: str, pairs: Sequence[tuple[str, int]], none: str) -> str:
    if not pairs:
        return f"<h3>{esc(title)}</h3>{empty(none)}"
    most = max(count for _, count in pairs) or 1
    rows = [
        f'<tr><td>{esc(clean(name, 80))}</td><td class="n">{number(count)}</td>'
        f'<td class="meter" aria-hidden="true"><span style="width:{max(0, 100 * count // most)}%"></span></td></tr>'
        for name, count in pairs
    ]
    head = f'<tr><th scope="col">{esc(what)}</th><th class="n" scope="col">Questions</th><td></td></tr>'
    return f"<h3>{esc(title)}</h3>{table(head, rows)}"


def _usage_chart(data: Daily, colours: Mapping[str, str]) -> str:
    """Stacked bars of questions per day, a segment per surface, the busiest surface at the bottom."""
    count = len(data.days)
    width, left, right, plot_h = max(CHART_WIDTH, 40 + 26.0 * count), 28.0, 2.0, 150.0
    # The legend wraps within what a phone shows of a long chart before it is scrolled.
    shapes, legend_h = legend(
        [(f"{s} {number(data.surface_total(s))}", colours[s]) for s in data.surfaces], left, CHART_WIDTH - right
    )
    top = legend_h + 16  # room for the total over the highest bar
    base = top + plot_h
    day_totals = [data.day_total(day) for day in data.days]
    step, ceiling = scale(max(day_totals))
    slot = (width - left - right) / count
    bar = min(34.0, slot * 0.66)
    every = math.ceil(38 / slot)  # a day label needs about 38 units: thin them out when the days are many
    for tick in range(0, ceiling + 1, step):
        y = base - plot_h * tick / ceiling
        shapes.append(
            f'<line class="grid" x1="{coord(left)}" x2="{coord(width - right)}" y1="{coord(y)}" y2="{coord(y)}"/>'
            f'<text x="{coord(left - 5)}" y="{coord(y + 4)}" text-anchor="end">{number(tick)}</text>'
        )
    for i, day in enumerate(data.days):
        x, y = left + slot * i + (slot - bar) / 2, base
        for surface in data.surfaces:
            n = data.by_surface.get((day, surface), 0)
            if n:
                h = plot_h * n / ceiling
                y -= h
                shapes.append(
                    f'<rect class="seg" x="{coord(x)}" y="{coord(y)}" width="{coord(bar)}" height="{coord(h)}" '
                    f'fill="{colours[surface]}"><title>{day} · {esc(surface)}: {number(n)}</title></rect>'
                )
        middle = x + bar / 2
        if day_totals[i] and slot >= 18:
            shapes.append(
                f'<text x="{coord(middle)}" y="{coord(y - 4)}" text-anchor="middle" class="strong">'
                f"{day_totals[i]}</text>"
            )
        if i % every == 0:
            shapes.append(_day_label(day, middle, base))
    busiest = max(range(count), key=lambda i: day_totals[i])
    desc = (
        f"{number(sum(day_totals))} questions from {data.days[0]} to {data.days[-1]}, by surface: "
        + ", ".join(f"{s} {number(data.surface_total(s))}" for s in data.surfaces)
        + f". Busiest day: {data.days[busiest]} with {number(day_totals[busiest])}. The table below has every figure."
    )
    return svg("usage-chart", width, base + 32, "Questions per day, by surface", desc, shapes)


def _day_label(day: date, x: float, base: float) -> str:
    return (
        f'<text x="{coord(x)}" y="{coord(base + 14)}" text-anchor="middle">{day:%a}</text>'
        f'<text x="{coord(x)}" y="{coord(base + 27)}" text-anchor="middle">{day:%m-%d}</text>'
    )
