"""Acknowledged means answered (bot/sweep.py): what a surface holds of the inbox, and the sweep that hands out the
rest, against a real inbox whose database can be made to fail as a locked or full one does."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Sequence
from pathlib import Path

import pytest

from bot.serving.database import TAKING_SECONDS, Database
from bot.serving.dependency import Unavailable
from bot.serving.inbox import DatabaseInbox, Item
from bot.serving.sweep import Sweeper


class FailingInbox(DatabaseInbox):
    """The real inbox, failing as a locked database does while `down` is set."""

    down = False

    def add(self, items: Sequence[Item]) -> list[bool]:
        self._check()
        return super().add(items)

    def done(self, surface: str, key: str) -> None:
        self._check()
        super().done(surface, key)

    def due(self, surface: str) -> list[Item]:
        self._check()
        return super().due(surface)

    def _check(self) -> None:
        if self.down:
            raise sqlite3.OperationalError("database is locked")


def item(key: str) -> Item:
    return Item("slack", key, "C1", "{}", time.time())


@pytest.fixture
def inbox(tmp_path: Path) -> FailingInbox:
    return FailingInbox(Database(tmp_path / "db.sqlite3"))


def test_a_sweep_hands_out_what_is_due_once_and_nothing_taken_here(inbox: FailingInbox) -> None:
    sweeper = Sweeper(inbox, "slack")
    assert sweeper.take([item("taken")]) == [True]
    inbox.add([item("stranded")])  # kept by a write whose caller never heard back
    assert [i.key for i in sweeper.sweep()] == ["stranded"]
    assert sweeper.sweep() == []


def test_items_the_inbox_refused_are_let_go_so_the_platforms_resend_is_taken(inbox: FailingInbox) -> None:
    sweeper = Sweeper(inbox, "slack")
    inbox.down = True
    with pytest.raises(sqlite3.OperationalError):
        sweeper.take([item("e1")])
    inbox.down = False
    assert sweeper.take([item("e1")]) == [True]


def test_an_answer_the_inbox_could_not_record_is_not_handed_out_again_and_is_recorded_later(
    inbox: FailingInbox,
) -> None:
    sweeper = Sweeper(inbox, "slack")
    sweeper.take([item("e2")])
    assert sweeper.claim("e2") == 0
    inbox.down = True
    sweeper.finish("e2")  # answered; the inbox cannot say so yet
    assert sweeper.sweep() == []
    inbox.down = False
    assert sweeper.sweep() == []  # recorded now, not answered again
    assert inbox.depth("slack") == 0


def test_a_request_held_while_the_inbox_was_down_is_kept_and_handed_out_once_it_is_back(
    inbox: FailingInbox,
) -> None:
    sweeper = Sweeper(inbox, "slack")
    inbox.down = True
    with pytest.raises(sqlite3.OperationalError):
        sweeper.take([item("cmd")])
    assert sweeper.spool(item("cmd"))
    assert sweeper.sweep() == []
    inbox.down = False
    assert [i.key for i in sweeper.sweep()] == ["cmd"]
    assert inbox.depth("slack") == 1 and sweeper.sweep() == []


def test_an_item_another_replica_holds_is_let_go_when_claimed(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    holder = Sweeper(DatabaseInbox(Database(path), owner="a"), "slack")
    other = Sweeper(DatabaseInbox(Database(path), owner="b"), "slack")
    holder.take([item("e3")])
    assert holder.claim("e3") == 0
    assert other.claim("e3") is None and not other.holds("e3")


def test_taking_at_once_gives_up_without_waiting_again_while_the_inbox_just_failed(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    sweeper = Sweeper(DatabaseInbox(Database(path)), "slack")
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")  # another process writes
    with pytest.raises(sqlite3.OperationalError):
        sweeper.take([item("first")], at_once=True)  # waits its second for the lock, then fails
    started = time.monotonic()
    with pytest.raises(Unavailable):
        sweeper.take([item("second")], at_once=True)
    assert time.monotonic() - started < TAKING_SECONDS  # no second wait for the same lock
    holder.execute("ROLLBACK")
    time.sleep(TAKING_SECONDS)
    assert sweeper.take([item("third")], at_once=True) == [True]
