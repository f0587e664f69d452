"""The batch protocol of `coopbot ask --jsonl` (DESIGN.md): one valid UTF-8 JSON line out per line in.

Whatever arrives (bytes that are not UTF-8, lone surrogates, NaN, lines of a gigabyte) each input line
gets exactly one reply line, in order and flushed, with an `id` key (null when the request had none);
a bad line gets an error object and the batch goes on. Over-long lines are refused without being read
whole, and the line separators U+2028, U+2029 and U+0085 are escaped so that no reader splits a reply.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from typing import IO, Any

from bot.factbase.model import Audience, Lang
from bot.showing.answer import Answer
from bot.showing.protocol import answer_json, error_json

MAX_LINE = 100_000  # bytes of one input line; a longer one is refused, read in chunks of this size
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
_SEPARATORS = {"\u2028": "\\u2028", "\u2029": "\\u2029", "\u0085": "\\u0085"}


def lines(stream: IO[bytes], limit: int = MAX_LINE) -> Iterator[bytes | None]:
    """Each line of the stream without its newline, or None for a line over `limit` bytes (skipped unread)."""
    while chunk := stream.readline(limit + 1):
        if len(chunk) <= limit or chunk.endswith(b"\n"):
            yield chunk.rstrip(b"\r\n")
            continue
        while chunk and not chunk.endswith(b"\n"):  # the rest of an over-long line, a chunk at a time
            chunk = stream.readline(limit)
        yield None


def encode(reply: dict[str, Any]) -> bytes:
    """One reply as one line of valid UTF-8 JSON."""
    text = json.dumps(reply, ensure_ascii=False, allow_nan=False)
    text = _LONE_SURROGATE.sub("\ufffd", text)  # json.loads keeps a lone '\\ud800'; UTF-8 cannot carry it
    for char, escaped in _SEPARATORS.items():
        text = text.replace(char, escaped)  # they occur only inside strings, where the escape means the same
    return (text + "\n").encode("utf-8")


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


# How a batch asks: text, session, forced language, audience -> the Answer.
Asker = Callable[[str, str | None, Lang | None, Audience], Answer]


def reply_to(ask: Asker, raw: bytes | None, number: int, lang: Lang | None, audience: Audience) -> dict[str, Any]:
    """The reply object to one input line."""
    fallback_lang = lang or "en"
    if raw is None:
        return error_json(None, f"line {number}: longer than {MAX_LINE} bytes", fallback_lang)
    if not raw.strip():
        return error_json(None, f"line {number}: empty line", fallback_lang)
    ident: Any = None
    try:
        request = json.loads(raw.decode("utf-8", errors="replace"), parse_constant=_refuse_constant)
        if not isinstance(request, dict):
            raise ValueError("each line must be a JSON object")
        ident = request.get("id")
        text = request.get("text")
        if not isinstance(text, str):
            raise ValueError("'text' must be a string")
        asked = request.get("lang") or lang
        if asked not in (None, "ko", "en"):
            raise ValueError("'lang' must be 'ko' or 'en'")
        session = request.get("session")
        answer = ask(text, None if session is None else str(session), asked, audience)
        return answer_json(answer, ident)
    except (ValueError, TypeError, RecursionError) as err:
        return error_json(ident, f"line {number}: {err}", fallback_lang)
    except Exception as err:  # one bad question must not stop the batch
        return error_json(ident, f"line {number}: internal error: {type(err).__name__}", fallback_lang)


def run(ask: Asker, stdin: IO[bytes], stdout: IO[bytes], lang: Lang | None, audience: Audience) -> None:
    for number, raw in enumerate(lines(stdin), 1):
        stdout.write(encode(reply_to(ask, raw, number, lang, audience)))
        stdout.flush()
