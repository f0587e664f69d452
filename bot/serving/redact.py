"""Secrets never reach a log: tokens, signing secrets and Slack response URLs are replaced by `[redacted]`.

The command line installs `Redactor` on every log handler when it serves, and as the hook for uncaught
exceptions, so a library that logs a request URL with the bot token in it (Telegram puts the token in
the path) or a response_url cannot leak them either.
"""

from __future__ import annotations

import dataclasses
import logging
import re
import sys
import traceback
from collections.abc import Iterable, Mapping
from types import TracebackType

REDACTED = "[redacted]"
SECRET_NAMES = re.compile(r"(TOKEN|SECRET|PASSWORD|KEY)$")  # environment variables whose values are secrets
PATTERNS = (
    re.compile(r"(?<!\d)\d{5,}:[A-Za-z0-9_-]{30,}"),  # a Telegram bot token (also inside /bot<token>/)
    re.compile(r"\bxox[abpre]-[A-Za-z0-9-]{10,}"),  # Slack bot and user tokens
    re.compile(r"\bxapp-[A-Za-z0-9-]{10,}"),  # a Slack app-level token
    re.compile(r"(?<=/)(?:commands|actions|response)/[^\s\"'<>]+"),  # the secret part of a response_url
)
SHORTEST = 8  # a shorter value is not treated as a secret: redacting it would blank ordinary words


class Redactor(logging.Filter):
    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self.secrets = sorted({s for s in secrets if len(s) >= SHORTEST}, key=len, reverse=True)

    @classmethod
    def from_env(cls, env: Mapping[str, str], settings: object = None) -> Redactor:
        """The secrets of the environment (by their names), and those a surface's settings hold (a webhook secret
        read from a file): every string field of a settings dataclass whose name says it is a secret."""
        found = [value for name, value in env.items() if SECRET_NAMES.search(name.upper())]
        if dataclasses.is_dataclass(settings) and not isinstance(settings, type):
            for field in dataclasses.fields(settings):
                value = getattr(settings, field.name)
                if isinstance(value, str) and SECRET_NAMES.search(field.name.upper()):
                    found.append(value)
        return cls(found)

    def redact(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, REDACTED)
        for pattern in PATTERNS:
            text = pattern.sub(REDACTED, text)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg, record.args = self.redact(record.getMessage()), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True

    def install(self) -> None:
        """On every handler of the root logger, and for uncaught exceptions."""
        for handler in logging.getLogger().handlers:
            handler.addFilter(self)

        def hook(kind: type[BaseException], error: BaseException, tb: TracebackType | None) -> None:
            sys.stderr.write(self.redact("".join(traceback.format_exception(kind, error, tb))))

        sys.excepthook = hook
