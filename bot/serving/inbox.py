"""The inbox: questions taken from a platform and kept in the database until they are answered, each held
by one replica at a time under a lease (bot/serving/sweep.py is what a running surface holds of it).
"""

from __future__ import annotations

import socket
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from bot.serving.database import LEASE, TAKING_SECONDS, Database


@dataclass(frozen=True, slots=True)
class Item:
    """One question (a platform's update, event or request) as it was taken. `attempts` counts the times
    answering it began: more than zero after a restart means a reply may already have gone out."""

    surface: str
    key: str  # the platform's id for it (Telegram's update_id, Slack's event_id), unique per surface
    conversation: str  # where replies go, in order
    payload: str  # the platform's own JSON, to answer it again after a restart
    received: float
    attempts: int = 0


class Inbox(Protocol):
    """Questions taken from a platform and not yet answered. An item is held by one replica at a time (a lease
    that replica renews while it runs): it answers it, or, once the lease has lapsed, another replica does."""

    def add(self, items: Sequence[Item]) -> list[bool]:
        """Keep the items durably, held by this replica; for each, whether it is new (False: taken once already)."""
        ...

    def claim(self, surface: str, key: str) -> int | None:
        """Take an item to answer it now: how many times answering it had begun before, or None when it is
        answered already or another replica holds it."""
        ...

    def done(self, surface: str, key: str) -> None: ...

    def due(self, surface: str) -> list[Item]:
        """Items not yet answered that this replica should answer, oldest first: those it holds (whether or not
        it is answering them now), and those whose holder let the lease lapse (it stopped or died)."""
        ...

    def renew(self, surface: str) -> None:
        """Extend the lease on every item this replica holds: it is alive."""
        ...

    def depth(self, surface: str) -> int: ...

    def failing(self) -> bool:
        """Whether a write failed a moment ago (the next one would likely wait, then fail the same way)."""
        ...


class DatabaseInbox:
    """The inbox in the database (SQLite, or PostgreSQL shared by replicas). A replica (`owner`,
    `$COOPBOT_REPLICA`, else the host's name) holds what it takes for LEASE seconds and renews the lease while
    it runs; a lapsed lease lets another replica take the item over."""

    DUE_AT_ONCE = 500  # items a sweep looks at; the rest are found by the next ones

    def __init__(self, db: Database, owner: str | None = None) -> None:
        self.db = db
        self.owner = owner or socket.gethostname()

    def add(self, items: Sequence[Item]) -> list[bool]:
        if not items:
            return []
        lease = self.db.clock() + LEASE
        changed = self.db.write(
            "INSERT INTO inbox (surface, key, conversation, payload, received, owner, lease)"
            " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
            [(i.surface, i.key, i.conversation, i.payload, i.received, self.owner, lease) for i in items],
            quick=True,
        )
        return [n == 1 for n in changed]

    def claim(self, surface: str, key: str) -> int | None:
        now = self.db.clock()
        rows = self.db.write_returning(
            "UPDATE inbox SET owner = ?, lease = ?, attempts = attempts + 1"
            " WHERE surface = ? AND key = ? AND done IS NULL AND (owner = ? OR lease < ?) RETURNING attempts",
            (self.owner, now + LEASE, surface, key, self.owner, now),
        )
        return _int(rows[0][0]) - 1 if rows else None

    def done(self, surface: str, key: str) -> None:
        self.db.write("UPDATE inbox SET done = ? WHERE surface = ? AND key = ?", [(self.db.clock(), surface, key)])

    def due(self, surface: str) -> list[Item]:
        rows = self.db.read(
            "SELECT surface, key, conversation, payload, received, attempts FROM inbox"
            f" WHERE surface = ? AND done IS NULL AND (owner = ? OR lease < ?) ORDER BY id LIMIT {self.DUE_AT_ONCE}",
            (surface, self.owner, self.db.clock()),
        )
        return [Item(*row) for row in rows]

    def renew(self, surface: str) -> None:
        self.db.write(
            "UPDATE inbox SET lease = ? WHERE surface = ? AND owner = ? AND done IS NULL",
            [(self.db.clock() + LEASE, surface, self.owner)],
        )

    def depth(self, surface: str) -> int:
        rows = self.db.read("SELECT count(*) FROM inbox WHERE surface = ? AND done IS NULL", (surface,))
        return _int(rows[0][0])

    def failing(self) -> bool:
        return self.db.dependency.failed_within(TAKING_SECONDS)


def _int(value: object) -> int:
    if not isinstance(value, int):
        raise TypeError(f"expected a whole number from the database, got {value!r}")
    return value


class SeenInbox:
    """A replica's own inbox (SQLite on its host) among replicas that share what they have seen (Redis): an
    item another replica took already is not new here, and is set down as answered. While Redis cannot be
    asked, an item is taken as new: answering a rare redelivery twice is better than answering nothing."""

    SEEN_FOR = 24 * 3600.0  # seconds an item's key is remembered; platforms give up redelivering long before

    def __init__(self, inbox: Inbox, seen: Seen) -> None:
        self.inbox, self.seen = inbox, seen

    def add(self, items: Sequence[Item]) -> list[bool]:
        fresh = self.inbox.add(items)
        for n, (item, new) in enumerate(zip(items, fresh, strict=True)):
            if new and not self.seen.first(f"inbox:{item.surface}:{item.key}", self.SEEN_FOR):
                self.inbox.done(item.surface, item.key)
                fresh[n] = False
        return fresh

    def claim(self, surface: str, key: str) -> int | None:
        return self.inbox.claim(surface, key)

    def done(self, surface: str, key: str) -> None:
        self.inbox.done(surface, key)

    def due(self, surface: str) -> list[Item]:
        return self.inbox.due(surface)

    def renew(self, surface: str) -> None:
        self.inbox.renew(surface)

    def depth(self, surface: str) -> int:
        return self.inbox.depth(surface)

    def failing(self) -> bool:
        return self.inbox.failing()


# -- requests seen by any replica (Redis, bot/shared.py), where each has an inbox of its own ----------------


class Seen(Protocol):
    def first(self, key: str, ttl: float) -> bool:
        """Whether `key` is new; it is then remembered for `ttl` seconds."""
        ...
