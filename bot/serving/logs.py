"""Structured logs: one JSON object per line on standard error, or the classic text line for a terminal.

`configure("json")` (or `"text"`) gives the root logger one handler. A JSON line holds `time` (ISO 8601, UTC,
milliseconds), `level`, `logger`, `event` (the formatted message), the fields bound for the current question
(`bind`), the `extra=` fields of the call, and `error` and `traceback` when there is an exception:

    {"time": "2025-01-02T03:04:05.678Z", "level": "INFO", "logger": "coopbot.slack", "event": "answered",
     "correlation": "3f9a0c1b2d4e", "surface": "slack", "latency_ms": 41.2, "outcome": "answered", ...}

The text format is the classic `%(asctime)s %(levelname)s %(name)s: %(message)s` line with the bound and extra
fields appended as ` [correlation=3f9a0c1b2d4e surface=slack]`.

Secrets: every string the formatter writes (the message, bound and extra fields, the error) goes through the
`redact` method of every filter on the handler, looked up when the line is written. So the command line's
`Redactor.from_env(os.environ).install()` after `configure` covers the fields as well as the message; nothing
else needs wiring.

User ids: never bind or log a raw platform user or chat id. Pass the installation's keyed hash instead
(`bot.serving.convlog.Hasher`, as the conversation log does): `bind(user=hasher(user_id))`.

Context: `bind` keeps its fields in a `contextvars.ContextVar`, so they follow a question across `await`s within
its asyncio task and stay apart between tasks and between threads. A new thread starts with no fields;
`asyncio.to_thread` copies the caller's context (so its fields), `loop.run_in_executor` does not (wrap the call
in `contextvars.copy_context().run` if it should).
"""

from __future__ import annotations

import contextlib
import json
import logging
import math
import secrets
import sys
from collections.abc import Callable, Iterator, Mapping
from contextvars import ContextVar
from datetime import UTC, datetime
from functools import partial
from types import MappingProxyType
from typing import IO, Literal

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
BASE_KEYS = ("time", "level", "logger", "event")  # written first; a bound or extra field cannot replace them
DEPTH = 8  # nested lists and mappings deeper than this are written as their repr

# The attributes every LogRecord has (and those logging adds while formatting): not echoed as extra fields.
STANDARD = frozenset(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {"message", "asctime", "taskName"}

_fields: ContextVar[Mapping[str, object]] = ContextVar("coopbot_log_fields", default=MappingProxyType({}))


def new_correlation() -> str:
    """A short random id for one question, to find all of its lines."""
    return secrets.token_hex(6)


def bound() -> Mapping[str, object]:
    """The fields bound in the current context."""
    return _fields.get()


@contextlib.contextmanager
def _binding(fields: Mapping[str, object]) -> Iterator[None]:
    token = _fields.set(MappingProxyType({**_fields.get(), **fields}))
    try:
        yield
    finally:
        _fields.reset(token)


def bind(**fields: object) -> contextlib.AbstractContextManager[None]:
    """Add `fields` to every line logged inside the `with` block (an inner bind overrides, the outer comes back)."""
    clash = sorted(set(fields) & set(BASE_KEYS))
    if clash:
        raise ValueError(f"these log fields are reserved: {', '.join(clash)}")
    return _binding(fields)


def question_done(
    log: logging.Logger, *, surface: str, latency_ms: float, outcome: str, kind: str, lang: str, **fields: object
) -> None:
    """One INFO line `answered` for a question: where, how long, how it ended, what kind and in what language.

    `fields` must not hold raw user ids (pass `Hasher` values); a name logging reserves gets a trailing `_`."""
    extra: dict[str, object] = {
        "surface": surface,
        "latency_ms": round(latency_ms, 1),
        "outcome": outcome,
        "kind": kind,
        "lang": lang,
    }
    for name, value in fields.items():
        extra[f"{name}_" if name in STANDARD else name] = value
    log.info("answered", extra=extra)


def _same(text: str) -> str:
    return text


def _jsonable(value: object, redact: Callable[[str], str], depth: int = 0) -> object:
    """`value` as something json.dumps writes as valid JSON, every string in it redacted; anything else as its repr."""
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else repr(value)
    if isinstance(value, str):
        return redact(value)
    if depth < DEPTH and isinstance(value, list | tuple):
        return [_jsonable(item, redact, depth + 1) for item in value]
    if depth < DEPTH and isinstance(value, Mapping):
        return {redact(str(key)): _jsonable(item, redact, depth + 1) for key, item in value.items()}
    return redact(repr(value))


def _fields_of(record: logging.LogRecord) -> dict[str, object]:
    """The bound fields, then the record's extra fields (an extra field wins over a bound one of the same name)."""
    extras = {key: value for key, value in record.__dict__.items() if key not in STANDARD}
    return {**_fields.get(), **extras}


class JsonFormatter(logging.Formatter):
    """One JSON object per line. Formatting happens after the handler's filters ran, so the message is theirs."""

    def __init__(self, redact: Callable[[str], str] | None = None) -> None:
        super().__init__()
        self.redact = redact or _same

    def format(self, record: logging.LogRecord) -> str:
        redact = self.redact
        when = datetime.fromtimestamp(record.created, tz=UTC).isoformat(timespec="milliseconds")
        line: dict[str, object] = {
            "time": when.replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "event": redact(record.getMessage()),
        }
        for key, value in _fields_of(record).items():
            if key not in BASE_KEYS:
                line[key] = _jsonable(value, redact)
        if record.exc_info and record.exc_info[1] is not None:
            error = record.exc_info[1]
            line["error"] = redact(f"{type(error).__name__}: {error}")
            if not record.exc_text:
                record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            line["traceback"] = redact(record.exc_text)
        if record.stack_info:
            line["stack"] = redact(record.stack_info)
        text = json.dumps(line, ensure_ascii=False)
        # json escapes \n and \r; these three are line breaks to str.splitlines and some log shippers.
        return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029").replace("\x85", "\\u0085")


def _text_value(value: object, redact: Callable[[str], str]) -> str:
    text = value if isinstance(value, str) else json.dumps(_jsonable(value, redact), ensure_ascii=False)
    text = redact(text)
    if not text or any(c.isspace() or c in '="[]' for c in text):
        return json.dumps(text, ensure_ascii=False)
    return text


class TextFormatter(logging.Formatter):
    """The classic line, then the bound and extra fields as ` [key=value ...]`."""

    def __init__(self, redact: Callable[[str], str] | None = None) -> None:
        super().__init__(TEXT_FORMAT)
        self.redact = redact or _same

    def formatMessage(self, record: logging.LogRecord) -> str:
        line = super().formatMessage(record)
        fields = _fields_of(record)
        if not fields:
            return line
        pairs = " ".join(f"{self.redact(str(key))}={_text_value(value, self.redact)}" for key, value in fields.items())
        return f"{line} [{pairs}]"


def _through_filters(handler: logging.Handler, text: str) -> str:
    """`text` through the `redact` method of every filter on `handler` now (a Redactor may be added later)."""
    for candidate in handler.filters:
        redact = getattr(candidate, "redact", None)
        if callable(redact):
            text = str(redact(text))
    return text


def configure(
    fmt: Literal["json", "text"], stream: IO[str] | None = None, level: int = logging.INFO
) -> logging.Handler:
    """Make one handler, on standard error (or `stream`), the root logger's only one; return it.

    Filters added to the returned handler later (the command line's Redactor) apply to the message, and their
    `redact` method to every field written."""
    handler: logging.StreamHandler[IO[str]] = logging.StreamHandler(sys.stderr if stream is None else stream)
    redact = partial(_through_filters, handler)
    handler.setFormatter(JsonFormatter(redact) if fmt == "json" else TextFormatter(redact))
    root = logging.getLogger()
    for old in root.handlers[:]:
        root.removeHandler(old)  # not closed: it may be someone else's (pytest's), to be put back
    root.addHandler(handler)
    root.setLevel(level)
    return handler
