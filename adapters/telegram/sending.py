"""How coopbot calls the Telegram Bot API without flooding it, stalling on it, or sending twice.

- `ChatRateLimiter` keeps within Telegram's limits (about 30 messages a second in all, 20 a minute in
  a group) and waits out a 429's `retry_after` in the chat that got it, while other chats go on.
  (PTB's own AIORateLimiter pauses every chat on any 429.)
- `send_once` sends a message. It retries only what cannot have reached Telegram (the connection was
  never made); after an ambiguous failure (a timeout while waiting for the reply, a 5xx) the message may
  have arrived, bots cannot read a chat's history to check, so it is not sent again: `PossiblyDelivered`
  is raised and logged as a possible loss, never a duplicate.
- `retry` is for idempotent calls (answering a button, editing, the command menu): any network error
  is retried with backoff.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import warnings
from collections.abc import Awaitable, Callable, Coroutine
from datetime import timedelta
from typing import Any, TypeVar

import httpx
from aiolimiter import AsyncLimiter
from telegram.error import BadRequest, NetworkError, RetryAfter, TelegramError
from telegram.ext import BaseRateLimiter
from telegram.warnings import PTBDeprecationWarning

from adapters.delivery import PossiblyDelivered
from bot import BoundedCache, Runtime

log = logging.getLogger("coopbot.telegram")
T = TypeVar("T")
Json = bool | dict[str, Any] | list[dict[str, Any]]

SURFACE = "telegram"
ATTEMPTS = 4  # tries of a call that failed before it could reach Telegram
OVERALL_PER_SECOND = 30
GROUP_PER_MINUTE = 20
FLOOD_RETRIES = 3  # a 429 is waited out and retried this often
GROUPS_TRACKED = 10_000
UNLIMITED = frozenset({"getUpdates", "getMe", "deleteWebhook", "setWebhook", "getWebhookInfo", "answerCallbackQuery"})
_NEVER_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


class ChatRateLimiter(BaseRateLimiter[int]):
    """Telegram's limits, and back-pressure per chat: one chat's `retry_after` holds that chat alone."""

    def __init__(self, max_retries: int = FLOOD_RETRIES, runtime: Runtime | None = None) -> None:
        self.max_retries, self.runtime = max_retries, runtime
        self._overall = AsyncLimiter(OVERALL_PER_SECOND, 1)
        self._groups: BoundedCache[int | str, AsyncLimiter] = BoundedCache(GROUPS_TRACKED)
        self._paused: BoundedCache[int | str | None, float] = BoundedCache(GROUPS_TRACKED)

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, Json]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> Json:
        chat = _chat(data.get("chat_id"))
        for attempt in range(self.max_retries + 1):
            await self._wait_out(chat)
            try:
                if endpoint in UNLIMITED:
                    result = await callback(*args, **kwargs)
                else:
                    async with self._group(chat), self._overall:
                        result = await callback(*args, **kwargs)
            except RetryAfter as err:
                self._count(endpoint, "http_429")
                if attempt == self.max_retries:
                    raise
                wait = _seconds(err)
                log.info("Telegram asks to wait %.0f s in chat %s", wait, chat if chat is not None else "(all)")
                self._paused.put(chat, time.monotonic() + float(wait) + 0.1)
                if self.runtime is not None:
                    self.runtime.metrics.retries.labels(SURFACE, "retry_after").inc()
            except TelegramError as err:
                self._count(endpoint, type(err).__name__)
                raise
            else:
                self._count(endpoint, "ok")
                return result
        raise AssertionError("unreachable")

    def _count(self, method: str, outcome: str) -> None:
        if self.runtime is None:
            return
        self.runtime.metrics.api_calls.labels(SURFACE, method, outcome).inc()
        if outcome in ("ok", "BadRequest", "Forbidden", "http_429"):  # Telegram answered
            self.runtime.health.platform(True)
        elif outcome in ("NetworkError", "TimedOut", "InvalidToken"):
            self.runtime.health.platform(False, f"Telegram's {method} failed: {outcome}")

    async def _wait_out(self, chat: int | str | None) -> None:
        for key in (None, chat) if chat is not None else (None,):
            until = self._paused.get(key)
            if until is not None and (delay := until - time.monotonic()) > 0:
                await asyncio.sleep(delay)

    def _group(self, chat: int | str | None) -> contextlib.AbstractAsyncContextManager[Any]:
        if chat is None or (isinstance(chat, int) and chat > 0):
            return contextlib.nullcontext()
        limiter = self._groups.get(chat)
        if limiter is None:
            limiter = AsyncLimiter(GROUP_PER_MINUTE, 60)
            self._groups.put(chat, limiter)
        return limiter


def _seconds(err: RetryAfter) -> float:
    with warnings.catch_warnings():  # PTB 22 warns that `retry_after` will become a timedelta; take either
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = err.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def _chat(value: object) -> int | str | None:
    if value is None:
        return None
    try:
        return int(str(value))
    except ValueError:
        return str(value)  # @channelusername


def never_sent(err: NetworkError) -> bool:
    """Whether a failed call certainly never reached Telegram (the connection was not even made)."""
    return isinstance(err.__cause__, _NEVER_SENT)


async def send_once(call: Callable[[], Awaitable[T]], what: str, runtime: Runtime | None = None) -> T:
    """Send, retrying only failures that cannot have delivered anything."""
    for attempt in range(ATTEMPTS):
        try:
            return await call()
        except NetworkError as err:
            if isinstance(err, BadRequest):
                raise
            if not never_sent(err):
                raise PossiblyDelivered(f"{what}: {err}") from err
            if attempt == ATTEMPTS - 1:
                raise
            log.warning("could not reach Telegram (%s); trying again", err)
            if runtime is not None:
                runtime.metrics.retries.labels(SURFACE, "never sent").inc()
            await asyncio.sleep(0.25 * 2**attempt)
    raise AssertionError("unreachable")


async def retry(call: Callable[[], Awaitable[T]], attempts: int = ATTEMPTS) -> T:
    """An idempotent call, retried on any network error (429s are the rate limiter's); a refusal is final."""
    for attempt in range(attempts):
        try:
            return await call()
        except NetworkError as err:
            if isinstance(err, BadRequest) or attempt == attempts - 1:
                raise
            log.warning("network error (%s); retrying", err)
            await asyncio.sleep(0.25 * 2**attempt)
    raise AssertionError("unreachable")
