"""The per-person question limit: nobody's flood of questions takes the answers away from everyone else.

A sliding window per person (default 20 questions a minute, `COOPBOT_USER_LIMIT`; 0 turns it off). The
first question over the limit gets a polite reply (the `too_many` message); the rest of that window is
ignored quietly, so a flood is not answered with a flood of refusals.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from enum import Enum
from typing import Protocol

from bot.cache import BoundedCache
from bot.serving.settings import DEFAULT_PER_MINUTE

WINDOW = 60.0  # seconds
PEOPLE_TRACKED = 100_000  # people remembered at once; the least recently seen are forgotten first


class Admission(Enum):
    ANSWER = "answer"
    REFUSE = "refuse"  # the first question over the limit: say so, politely
    IGNORE = "ignore"  # later ones in the same window: already told


class Limit(Protocol):
    """The per-person limit: in the process (`UserLimit`) or in Redis for replicas (bot/shared.py)."""

    per_minute: int

    def admit(self, person: str | None) -> Admission: ...


class UserLimit:
    """`admit(person)` for each question; thread-safe."""

    def __init__(self, per_minute: int = DEFAULT_PER_MINUTE, clock: Callable[[], float] = time.monotonic) -> None:
        self.per_minute, self.clock = per_minute, clock
        self._asked: BoundedCache[str, deque[float]] = BoundedCache(PEOPLE_TRACKED)
        self._told: BoundedCache[str, float] = BoundedCache(PEOPLE_TRACKED)
        self._lock = threading.Lock()

    def admit(self, person: str | None) -> Admission:
        if not self.per_minute or not person:
            return Admission.ANSWER
        now = self.clock()
        with self._lock:
            asked = self._asked.get(person)
            if asked is None:
                asked = deque()
                self._asked.put(person, asked)
            while asked and now - asked[0] >= WINDOW:
                asked.popleft()
            if len(asked) < self.per_minute:
                asked.append(now)
                return Admission.ANSWER
            told = self._told.get(person)
            if told is not None and now - told < WINDOW:
                return Admission.IGNORE
            self._told.put(person, now)
            return Admission.REFUSE
