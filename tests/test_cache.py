"""The one bounded cache behind sessions, button keys, remembered replies, Slack events and shared answers."""

from __future__ import annotations

import pytest

from bot import BoundedCache


def test_the_least_recently_used_entry_goes_first_past_the_limit() -> None:
    cache: BoundedCache[str, int] = BoundedCache(2)
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.get("a") == 1  # a is now the most recently used
    cache.put("c", 3)
    assert cache.get("b") is None and cache.get("a") == 1 and cache.get("c") == 3


def test_an_entry_is_forgotten_ttl_seconds_after_it_was_written() -> None:
    now = [0.0]
    cache: BoundedCache[str, int] = BoundedCache(10, ttl=60, clock=lambda: now[0])
    cache.put("a", 1)
    now[0] = 59
    assert cache.get("a") == 1
    now[0] = 61
    assert cache.get("a") is None


def test_add_stores_only_what_is_not_held_and_says_so() -> None:
    now = [0.0]
    events: BoundedCache[str, bool] = BoundedCache(3, ttl=60, clock=lambda: now[0])
    assert events.add("Ev1", True) and not events.add("Ev1", True)
    now[0] = 61
    assert events.add("Ev1", True)  # expired: seen for the first time again


def test_expired_entries_are_dropped_as_new_ones_are_written() -> None:
    now = [0.0]
    cache: BoundedCache[str, int] = BoundedCache(100, ttl=10, clock=lambda: now[0])
    for key in ("a", "b", "c"):
        cache.put(key, 1)
    now[0] = 11
    cache.put("d", 1)
    assert len(cache) == 1


def test_a_cache_holds_at_least_one_entry() -> None:
    with pytest.raises(ValueError):
        BoundedCache(0)
