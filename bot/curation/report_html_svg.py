"""What the HTML report's charts are drawn with: inline SVG that scales with the page, round axis steps, and a
legend that wraps within what a phone shows."""

from __future__ import annotations

import math
from collections.abc import Sequence

from bot.curation.report_html_markup import esc

CHART_WIDTH = 360.0  # SVG units; about the pixels a phone gives a chart, so its text is drawn at size


def coord(number: float) -> str:
    """An SVG coordinate: a tenth of a unit is finer than any screen shows."""
    return f"{number:.1f}".removesuffix(".0")


def svg(ident: str, width: float, height: float, title: str, desc: str, shapes: Sequence[str]) -> str:
    """An inline SVG that scales with the page between 0.85 and 1.25 times its own size: below that its
    text is too small on a phone (its wrapper scrolls instead), above it the text looms on a desktop."""
    style = f"min-width:{coord(width * 0.85)}px;max-width:{coord(width * 1.25)}px"
    return (
        f'<svg id="{ident}" viewBox="0 0 {coord(width)} {coord(height)}" width="{coord(width)}" '
        f'height="{coord(height)}" style="{style}" role="img" aria-labelledby="{ident}-title {ident}-desc">'
        f'<title id="{ident}-title">{esc(title)}</title><desc id="{ident}-desc">{esc(desc)}</desc>'
        + "".join(shapes)
        + "</svg>"
    )


def scale(most: int, ticks: int = 4) -> tuple[int, int]:
    """A round step (1, 2 or 5 times a power of ten) for about `ticks` gridlines, and the axis top."""
    raw = max(most, 1) / ticks
    power = 10 ** math.floor(math.log10(raw))
    step = max(1, next(m * power for m in (1, 2, 5, 10) if m * power >= raw))
    return int(step), int(step * math.ceil(max(most, 1) / step))


def legend(items: Sequence[tuple[str, str]], x0: float, width: float) -> tuple[list[str], float]:
    """Legend entries laid out in rows across the top of a chart; the height they take."""
    shapes, x, y = [], x0, 12.0
    for label, colour in items:
        room = 16 + 7 * len(label) + 14  # swatch, text at about 0.58 em a character, gap
        if x > x0 and x + room > width:
            x, y = x0, y + 18
        shapes.append(
            f'<rect x="{coord(x)}" y="{coord(y - 9)}" width="10" height="10" rx="2" fill="{colour}"/>'
            f'<text x="{coord(x + 15)}" y="{coord(y)}" class="strong">{esc(label)}</text>'
        )
        x += room
    return shapes, y + 10
