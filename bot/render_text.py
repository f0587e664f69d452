"""Plain-text rendering of an Answer: the console, and the `text` of the JSON protocol."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.labels import label

if TYPE_CHECKING:
    from bot.answer import Answer


def render_plain(answer: Answer, *, suggestions: bool = False) -> str:
    lang = answer.language
    parts: list[str] = []
    if answer.title:
        parts.append(answer.title)
    for block in answer.body:
        prefix = f"[{label('internal', lang)}] " if block.internal else ""
        if block.kind == "list":
            parts.append("\n".join(f"- {item}" for item in block.items))
        else:
            parts.append(prefix + block.text)
    if answer.sources:
        cited = "; ".join(s.citation() for s in answer.sources)
        parts.append(f"{label('sources', lang)}: {cited}")
    listed = {item for block in answer.body for item in block.items}
    extra = [q for q in answer.suggestions if q not in listed]  # a clarify answer already lists its options
    if suggestions and extra:
        parts.append(f"{label('suggestions', lang)}:\n" + "\n".join(f"  • {q}" for q in extra))
    return "\n\n".join(parts)
