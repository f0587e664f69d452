"""The database (bot/store.py): the inbox keeps questions until answered, a request is seen once, and
conversations (with a pinned /lang) are kept without eviction. And the per-person limit (bot/limits.py)."""

from __future__ import annotations

from pathlib import Path

from bot.answering.context import Context
from bot.serving.database import LEASE, MIGRATIONS, Database
from bot.serving.inbox import DatabaseInbox, Item
from bot.serving.limits import Admission, UserLimit
from bot.serving.sessions import DatabaseSessionStore


class Clock:
    def __init__(self, now: float = 1_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def item(key: str, conversation: str = "c1") -> Item:
    return Item("telegram", key, conversation, '{"q": "' + key + '"}', 1.0)


def test_a_new_database_is_migrated_to_the_latest_schema_once(tmp_path: Path) -> None:
    path = tmp_path / "db" / "coopbot.sqlite3"
    Database(path).close()
    again = Database(path)  # a second process opening it migrates nothing
    assert again.version == len(MIGRATIONS)
    assert again.read("PRAGMA journal_mode")[0][0] == "wal"


def test_the_inbox_takes_each_key_once_and_gives_back_what_is_unanswered_oldest_first(tmp_path: Path) -> None:
    inbox = DatabaseInbox(Database(tmp_path / "db.sqlite3"))
    assert inbox.add([item("1"), item("2"), item("3")]) == [True, True, True]
    assert inbox.add([item("2"), item("4")]) == [False, True]
    inbox.done("telegram", "1")
    assert [i.key for i in inbox.due("telegram")] == ["2", "3", "4"]
    assert inbox.depth("telegram") == 3 and inbox.due("slack") == []


def test_the_inbox_survives_the_process_and_counts_begun_answers(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    first = DatabaseInbox(Database(path))
    first.add([item("7")])
    assert first.claim("telegram", "7") == 0
    later = DatabaseInbox(Database(path))
    [left] = later.due("telegram")
    assert (left.key, left.attempts, left.payload) == ("7", 1, '{"q": "7"}')
    assert later.claim("telegram", "7") == 1


def test_an_answered_item_cannot_be_claimed_again(tmp_path: Path) -> None:
    inbox = DatabaseInbox(Database(tmp_path / "db.sqlite3"))
    inbox.add([item("8")])
    inbox.done("telegram", "8")
    assert inbox.claim("telegram", "8") is None and inbox.due("telegram") == []


def test_a_replica_takes_over_an_item_only_once_its_holders_lease_lapses(tmp_path: Path) -> None:
    clock = Clock()
    path = tmp_path / "db.sqlite3"
    holder, other = (DatabaseInbox(Database(path, clock=clock), owner=name) for name in ("a", "b"))
    holder.add([item("9")])
    assert other.due("telegram") == [] and other.claim("telegram", "9") is None
    clock.now += LEASE / 2
    holder.renew("telegram")  # a: still alive
    clock.now += LEASE / 2 + 1
    assert other.due("telegram") == []
    clock.now += LEASE
    assert [i.key for i in other.due("telegram")] == ["9"]
    assert other.claim("telegram", "9") == 0
    assert holder.claim("telegram", "9") is None  # b holds it now


def test_a_pinned_language_outlives_ten_thousand_other_conversations_and_a_silence(tmp_path: Path) -> None:
    clock = Clock()
    store = DatabaseSessionStore(Database(tmp_path / "db.sqlite3", clock=clock), ttl=1800)
    store.put("tg:1", Context(lang="ko", lang_pinned=True, entities=("vietnam",)))
    db = store.db
    db.write("INSERT INTO sessions VALUES (?, '{}', 0)", [(f"tg:{n}",) for n in range(2, 10_002)])
    assert store.get("tg:1").entities == ("vietnam",)
    clock.now += 1801
    context = store.get("tg:1")
    assert (context.lang, context.lang_pinned, context.entities) == ("ko", True, ())


def test_a_conversations_context_round_trips_through_the_database(tmp_path: Path) -> None:
    store = DatabaseSessionStore(Database(tmp_path / "db.sqlite3"))
    context = Context(entities=("adb", "koneps"), intent="when", topics=frozenset({"mou"}), facts=("f1",),
                      sources=("s1",), lang="en")  # fmt: skip
    store.put("slack:T:C:1", context)
    got = store.get("slack:T:C:1")
    assert got.evolve(updated=0.0) == context


def test_the_limit_answers_then_refuses_once_then_ignores_until_the_minute_is_over() -> None:
    clock = Clock()
    limit = UserLimit(per_minute=3, clock=clock)
    verdicts = [limit.admit("u1") for _ in range(6)]
    assert verdicts == [Admission.ANSWER] * 3 + [Admission.REFUSE, Admission.IGNORE, Admission.IGNORE]
    assert limit.admit("u2") is Admission.ANSWER
    clock.now += 60
    assert limit.admit("u1") is Admission.ANSWER
