"""Secrets never reach a log: what the Redactor takes out of messages and tracebacks."""

from __future__ import annotations

import logging

from bot.serving.redact import REDACTED, Redactor

TELEGRAM_TOKEN = "7000000001:AAFakeTokenForCoopbotTests_0123456789"


def record(message: str, *args: object) -> logging.LogRecord:
    return logging.LogRecord("t", logging.INFO, __file__, 1, message, args, None)


def test_values_of_secret_environment_variables_are_redacted() -> None:
    redactor = Redactor.from_env({"SLACK_SIGNING_SECRET": "s1gning-secret-value", "HOME": "/root/home"})
    entry = record("checked %s in %s", "s1gning-secret-value", "/root/home")
    redactor.filter(entry)
    assert entry.getMessage() == f"checked {REDACTED} in /root/home"


def test_token_shapes_are_redacted_even_when_not_configured() -> None:
    text = Redactor().redact(f"GET https://api.telegram.org/bot{TELEGRAM_TOKEN}/getMe with xoxb-1234-5678-abcdefghij")
    assert TELEGRAM_TOKEN not in text and "xoxb-" not in text


def test_the_secret_part_of_a_response_url_is_redacted() -> None:
    text = Redactor().redact("posting to https://hooks.slack.com/commands/T1/123/AbCdEf failed")
    assert text == f"posting to https://hooks.slack.com/{REDACTED} failed"


def test_a_traceback_is_redacted_too() -> None:
    try:
        raise ValueError(f"The token `{TELEGRAM_TOKEN}` was rejected by the server.")
    except ValueError:
        entry = logging.LogRecord("t", logging.ERROR, __file__, 1, "failed", None, __import__("sys").exc_info())
    Redactor().filter(entry)
    assert entry.exc_text is not None and TELEGRAM_TOKEN not in entry.exc_text and REDACTED in entry.exc_text


def test_secrets_held_by_a_surfaces_settings_are_redacted_too() -> None:
    from dataclasses import dataclass

    @dataclass(frozen=True)
    class Settings:
        secret_token: str = "from-a-file-0123456789"
        port: int = 8443
        listen: str = "127.0.0.1"

    redactor = Redactor.from_env({}, Settings())
    assert redactor.redact("secret from-a-file-0123456789 on 127.0.0.1") == "secret [redacted] on 127.0.0.1"
