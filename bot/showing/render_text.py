"""Plain-text rendering of an Answer's layout: the console, `coopbot ask`, and the `text` of the JSON protocol."""

from __future__ import annotations

from typing import Literal

from bot.showing.answer import Answer
from bot.showing.layout import Layout, Part, lay_out

# How suggested follow-ups are written: left out (the JSON protocol gives them as `suggestions`), as a
# bulleted list, or numbered so that typing the number asks one (the console).
SuggestionStyle = Literal["none", "bullets", "numbered"]


def render_plain(answer: Answer, *, suggestions: SuggestionStyle = "none") -> str:
    return plain_text(lay_out(answer), suggestions=suggestions)


def plain_text(layout: Layout, *, suggestions: SuggestionStyle = "none") -> str:
    """An answer already laid out, as plain text."""
    if suggestions == "none":
        layout = layout.without("suggestions")
    return "\n\n".join(_part(part, numbered=suggestions == "numbered") for part in layout.parts)


def _part(part: Part, *, numbered: bool) -> str:
    marker = part.marker
    match part.role:
        case "list":
            lines = [f"- {item}" for item in part.items]
            return marker + "\n".join([part.text, *lines] if part.text else lines)
        case "contact":
            return f"{part.label}: {part.text}"
        case "sources":
            return f"{part.label}: {'; '.join(part.items)}"
        case "suggestions":
            lines = [f"  [{i}] {q}" if numbered else f"  \u2022 {q}" for i, q in enumerate(part.items, 1)]
            return f"{part.label}:\n" + "\n".join(lines)
        case _:
            return marker + part.text
