"""Each chat's updates answered in order, chats concurrently; an update claimed in the inbox before it is
answered, tried again in place while a dependency is down, and left to the inbox at the end of the grace."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from telegram import (
    Update,
)
from telegram.ext import (
    BaseUpdateProcessor,
)

from adapters.telegram.rendering import feedback_of
from adapters.telegram.sending import SURFACE
from bot import (
    Runtime,
    Sweeper,
    delays,
    is_outage,
)

log = logging.getLogger("coopbot.telegram")

SETTLE = 1.0  # seconds at the end of the grace in which replies being sent finish and nothing new begins
IN_FLIGHT = 1024  # updates taken from the queue at once, most of them waiting for their chat's turn


class PerChatOrder(BaseUpdateProcessor):
    """Chats are answered concurrently, each chat's updates strictly in the order they came.

    PTB starts a task per update (up to IN_FLIGHT at once); a task first waits its turn in its chat, and only
    then for one of `answering` working slots, so a busy group's queue holds no slot that another chat
    could use, and one chat's flood wait stalls that chat alone. A feedback button waits for no turn: it
    posts nothing to the chat and must never hold the chat's questions up.

    Each update is claimed in the inbox before it is answered and leaves it once answered. Where a dependency
    is down (the inbox cannot be written, the database or Redis fails while answering), the update is tried
    again in place, so its chat keeps its order, until it is answered or the process stops (it then stays
    in the inbox). `drain` lets the answering go on for a grace period, then leaves the rest in the inbox."""

    def __init__(
        self, answering: int, sweeper: Sweeper, runtime: Runtime, failed_for_outage: Callable[[Update], bool]
    ) -> None:
        super().__init__(max_concurrent_updates=IN_FLIGHT)
        self.sweeper, self.runtime, self.failed_for_outage = sweeper, runtime, failed_for_outage
        self.again: Callable[[object], Awaitable[Any]] | None = None  # the application's process_update
        self._working = asyncio.Semaphore(answering)
        self._turns: dict[int, asyncio.Lock] = {}
        self._waiting: dict[int, int] = {}
        self._answering: set[asyncio.Task[Any]] = set()
        self._closed = False

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        chat = update.effective_chat if isinstance(update, Update) else None
        if chat is None or _is_feedback(update):
            async with self._working:
                await self._answer(update, coroutine)
            return
        turn = self._turns.setdefault(chat.id, asyncio.Lock())
        self._waiting[chat.id] = self._waiting.get(chat.id, 0) + 1
        try:
            async with turn, self._working:
                await self._answer(update, coroutine)
        finally:
            self._waiting[chat.id] -= 1
            if not self._waiting[chat.id]:  # the chat is quiet: forget its lock, so memory stays bounded
                del self._waiting[chat.id], self._turns[chat.id]

    async def _answer(self, update: object, coroutine: Awaitable[Any]) -> None:
        if not isinstance(update, Update):
            await coroutine
            return
        key = str(update.update_id)
        try:
            claimed = await self._claim(key)
        except Exception as err:  # past the grace (or a fault of the inbox's): it stays for the next sweep or start
            if not isinstance(err, _Stopping):
                log.exception("could not claim update %s; it stays in the inbox", key)
            _close(coroutine)
            self.sweeper.release(key)
            return
        if claimed is None:  # answered already, or held by another replica
            _close(coroutine)
            return
        try:
            if claimed:  # its answer was begun before a stop: it may have gone out in part
                self.runtime.metrics.possible_duplicates.labels(SURFACE).inc()
            await self._until_answered(update, coroutine)
        except asyncio.CancelledError:  # cut off at the end of the grace: it stays in the inbox
            self.sweeper.release(key)
            raise
        except _Stopping:
            self.sweeper.release(key)
            return
        await asyncio.to_thread(self.sweeper.finish, key)

    async def _claim(self, key: str) -> int | None:
        """Claim an update in the inbox, waiting while the inbox cannot be written."""
        waits = delays()
        while True:
            self._check_open()
            try:
                return await asyncio.to_thread(self.sweeper.claim, key)
            except Exception as err:
                if not is_outage(err):
                    raise
            await asyncio.sleep(next(waits))

    async def _until_answered(self, update: Update, coroutine: Awaitable[Any]) -> None:
        """Run the handlers; again, after a wait, while they fail because a dependency is down."""
        waits = delays()
        task = asyncio.current_task()
        while True:
            if task is not None:
                self._answering.add(task)
            try:
                await coroutine
            finally:
                self._answering.discard(task)
            if not self.failed_for_outage(update) or self.again is None:
                return
            await asyncio.sleep(next(waits))
            self._check_open()
            coroutine = self.again(update)

    def _check_open(self) -> None:
        if self._closed:
            raise _Stopping

    async def drain(self, queue: asyncio.Queue[object], grace: float) -> None:
        """Answer what was taken for up to `grace` seconds. In the last second nothing new is begun, so that
        replies being sent can finish (cutting one off after Telegram got it would have it sent again after
        the restart); what is still running at the end is cut off and stays in the inbox."""
        settle = min(SETTLE, grace / 2)
        try:
            await asyncio.wait_for(asyncio.shield(queue.join()), timeout=grace - settle)
            return
        except TimeoutError:
            self._closed = True
        running = list(self._answering)
        if running:
            await asyncio.wait(running, timeout=settle)
        for task in self._answering:
            task.cancel()
        log.warning("stopping after %.0f s of grace; unanswered updates stay in the inbox", grace)

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass


class _Stopping(Exception):
    """The process stops: what was not answered stays in the inbox for the next start."""


def _close(coroutine: Awaitable[Any]) -> None:
    if isinstance(coroutine, Coroutine):
        coroutine.close()


def _is_feedback(update: object) -> bool:
    query = update.callback_query if isinstance(update, Update) else None
    return query is not None and feedback_of(query.data or "") is not None
