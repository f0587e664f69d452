"""Acknowledged means answered: what a running surface holds of the inbox, and the sweep that finds the rest.

A surface takes a platform's questions into the inbox (`take`), answers each once (`claim`, then `finish`),
and every SWEEP_EVERY seconds `sweep` returns what else is due to it: items left by a previous run or by a
replica whose lease lapsed, items stranded by a write that failed half way, and items acknowledged while
the inbox could not be written (`spool`: requests a platform never sends again, kept in memory until the
inbox takes them). An item answered while the inbox could not record it is written down as answered by a
later sweep, and never answered twice by this process meanwhile.

Answering that fails because a dependency is down is tried again in place (`delays`), so a conversation's
questions keep their order; the item stays in the inbox throughout, so a crash loses nothing either.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator, Sequence

from bot.serving.database import LEASE
from bot.serving.dependency import Unavailable, is_outage
from bot.serving.inbox import Inbox, Item

log = logging.getLogger("coopbot.sweep")

SWEEP_EVERY = 2.0  # seconds between sweeps of the inbox
RENEW_EVERY = LEASE / 4  # seconds between renewals of this replica's leases
SPOOLED = 10_000  # requests held in memory at most while the inbox cannot take them
BACKOFF_FIRST, BACKOFF_MAX = 0.5, 5.0  # seconds between attempts while a dependency is down


def delays(first: float = BACKOFF_FIRST, most: float = BACKOFF_MAX) -> Iterator[float]:
    """Waits between attempts: doubling from `first` up to `most` (short enough that answering resumes within
    seconds of the dependency's return)."""
    wait = first
    while True:
        yield wait
        wait = min(wait * 2, most)


class Sweeper:
    """Thread-safe. `take` and `sweep` hand out items to answer; each is then `finish`ed (answered) or
    `release`d (left to the inbox: another replica holds it, or the process is stopping)."""

    def __init__(self, inbox: Inbox, surface: str, clock: Callable[[], float] = time.monotonic) -> None:
        self.inbox, self.surface, self.clock = inbox, surface, clock
        self._lock = threading.Lock()
        self._held: set[str] = set()  # keys being answered here, or queued to be
        self._unmarked: set[str] = set()  # answered here; the inbox has not yet recorded it
        self._spool: dict[str, Item] = {}  # acknowledged, not yet in the inbox
        self._renewed = clock()

    def take(self, items: Sequence[Item], at_once: bool = False) -> list[bool]:
        """Keep `items` in the inbox, held here; for each, whether to answer it now (False: taken before).
        Raises what the inbox raised: the platform is then not told they arrived, and sends them again.
        `at_once`: for a caller that must answer within seconds, `Unavailable` without trying while the inbox's
        last write failed a moment ago (one try a moment goes through, and finds the inbox back)."""
        if at_once and self.inbox.failing():
            raise Unavailable("the inbox failed a moment ago")
        with self._lock:
            mine = [item.key not in self._held for item in items]
            self._held.update(item.key for item in items)
        try:
            fresh = self.inbox.add(items)
        except BaseException:
            self._let_go([item.key for item, own in zip(items, mine, strict=True) if own])
            raise
        answer = [new and own for new, own in zip(fresh, mine, strict=True)]
        self._let_go([item.key for item, own, now in zip(items, mine, answer, strict=True) if own and not now])
        return answer

    def spool(self, item: Item) -> bool:
        """Hold a request the inbox could not take, that the platform will not send again: the next sweep that
        can write keeps it and hands it out. False when the spool is full (the request is then lost)."""
        with self._lock:
            if len(self._spool) >= SPOOLED:
                return False
            self._spool.setdefault(item.key, item)
        log.warning("request %s acknowledged while the inbox cannot be written; held until it can", item.key)
        return True

    def claim(self, key: str) -> int | None:
        """Begin answering a held item: how often answering it began before, or None when it is answered
        already or another replica holds it (the item is then let go). Raises what the inbox raised."""
        claimed = self.inbox.claim(self.surface, key)
        if claimed is None:
            self.release(key)
        return claimed

    def finish(self, key: str) -> None:
        """The item is answered. If the inbox cannot record it now, a later sweep does; meanwhile no sweep
        hands it out again."""
        try:
            self.inbox.done(self.surface, key)
        except Exception as err:
            if not is_outage(err):
                log.exception("could not record %s as answered; trying again at the next sweep", key)
            with self._lock:
                self._unmarked.add(key)
        self.release(key)

    def release(self, key: str) -> None:
        self._let_go([key])

    def _let_go(self, keys: Sequence[str]) -> None:
        with self._lock:
            self._held.difference_update(keys)

    def holds(self, key: str) -> bool:
        with self._lock:
            return key in self._held

    def sweep(self) -> list[Item]:
        """What is due to this process and not held here yet, oldest first, now held. Nothing while the inbox
        cannot be used (the dependency says so); the next sweep tries again."""
        try:
            self._record_answered()
            self._keep_spooled()
            if self.clock() - self._renewed >= RENEW_EVERY:
                self.inbox.renew(self.surface)
                self._renewed = self.clock()
            due = self.inbox.due(self.surface)
        except Exception as err:
            if not is_outage(err):
                log.exception("sweeping the inbox failed")
            return []
        with self._lock:
            found = [item for item in due if item.key not in self._held and item.key not in self._unmarked]
            self._held.update(item.key for item in found)
        return found

    def _record_answered(self) -> None:
        with self._lock:
            answered = sorted(self._unmarked)
        for key in answered:
            self.inbox.done(self.surface, key)
            with self._lock:
                self._unmarked.discard(key)

    def _keep_spooled(self) -> None:
        with self._lock:
            waiting = list(self._spool.values())
        if not waiting:
            return
        self.inbox.add(waiting)  # new or not, it is in the inbox now, due to this replica
        with self._lock:
            for item in waiting:
                self._spool.pop(item.key, None)
        log.info("%d request(s) acknowledged during the outage are in the inbox now", len(waiting))
