"""The answers to the parts of one question, joined into one reply.

Every part is answered or named as not on record: first the line on what the sources lack, then what they
hold (each record once, in the order asked), then whom to ask. The reply is `matched` only when every part is.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from bot.showing.answer import Answer, Block


def joined(answers: Sequence[Answer]) -> Answer:
    """One reply to a question in several parts, from the answers to its parts (in the order asked)."""
    distinct: list[Answer] = []
    for answer in answers:
        if not any(_same(answer, seen) for seen in distinct):
            distinct.append(answer)
    if len(distinct) == 1:
        return distinct[0]
    found = [a for a in distinct if a.matched]
    missing = [a for a in distinct if not a.matched]
    body: list[Block] = [a.body[0] for a in missing if a.body]
    said = {b.text for b in body}
    for answer in found:
        for block in answer.body:
            if block.kind == "list" or block.text not in said:
                body.append(block)
                said.add(block.text)
    # Whom to ask closes a not-on-record reply: the missing part's own closing line.
    body += [a.body[-1] for a in missing[:1] if len(a.body) > 1]
    first = (found or missing)[0]
    return replace(
        first,
        kind="answer" if not missing else "unknown",
        matched=not missing,
        confidence=min(a.confidence for a in distinct),
        title=" · ".join(dict.fromkeys(a.title for a in found if a.title)) or first.title,
        body=tuple(body),
        entities=tuple(dict.fromkeys(e for a in (*found, *missing) for e in a.entities)),
        facts=tuple(dict.fromkeys(f for a in found for f in a.facts)),
        sources=tuple(dict.fromkeys(s for a in (*found, *missing) for s in a.sources)),
        contact=next((a.contact for a in (*missing, *found) if a.contact), None),
    )


def _same(one: Answer, other: Answer) -> bool:
    """Two parts answered by the same records ('When and where was the forum?': one record holds both)."""
    if one.facts or other.facts:
        return bool(one.facts) and set(one.facts) <= set(other.facts)
    return one.body == other.body
