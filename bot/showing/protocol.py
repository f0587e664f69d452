"""The JSON form of an Answer: what `coopbot ask --json` prints and `--jsonl` writes per line (DESIGN.md)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from bot.showing.answer import Answer
from bot.showing.render_text import render_plain


def answer_json(answer: Answer, ident: Any = None) -> dict[str, Any]:
    """The reply object: the request's `id` (null when it had none), `text` as the console shows it, then the
    fields."""
    data: dict[str, Any] = {"id": ident}
    data.update(
        text=render_plain(answer),
        matched=answer.matched,
        lang=answer.language,
        confidence=round(answer.confidence, 3),
        kind=answer.kind,
        intent=answer.intent,
        entities=list(answer.entities),
        title=answer.title,
        body=[asdict(block) for block in answer.body],
        facts=list(answer.facts),
        sources=[{"id": s.id, "title": s.title, "publisher": s.publisher, "date": s.date} for s in answer.sources],
        contact=asdict(answer.contact) if answer.contact else None,
        suggestions=list(answer.suggestions),
        audience=answer.audience,
        diagnostics=dict(answer.diagnostics),
    )
    return data


def error_json(ident: Any, error: str, lang: str) -> dict[str, Any]:
    """A request that could not be answered: its line number and why; the batch goes on."""
    return {"id": ident, "error": error, "text": "", "matched": False, "lang": lang}
