"""One bounded, thread-safe cache for everything a process remembers for a while: conversations, button
keys, replies to edit, Slack events already answered, answers waiting to be shared."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, Generic, Protocol, TypeVar

K = TypeVar("K")
V = TypeVar("V")
KC = TypeVar("KC", contravariant=True)


class BoundedCache(Generic[K, V]):
    """At most `limit` entries, the least recently used dropped first; with `ttl`, an entry is also
    forgotten `ttl` seconds after it was last written."""

    def __init__(self, limit: int, ttl: float | None = None, clock: Callable[[], float] = time.monotonic) -> None:
        if limit < 1:
            raise ValueError("a cache holds at least one entry")
        self.limit, self.ttl, self.clock = limit, ttl, clock
        self._items: OrderedDict[K, tuple[float, V]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: K) -> V | None:
        with self._lock:
            found = self._items.get(key)
            if found is None:
                return None
            if self._expired(found[0]):
                del self._items[key]
                return None
            self._items.move_to_end(key)
            return found[1]

    def put(self, key: K, value: V) -> None:
        with self._lock:
            self._store(key, value)

    def add(self, key: K, value: V) -> bool:
        """Store `value` unless the key is held already; whether it was stored (first time seen)."""
        with self._lock:
            found = self._items.get(key)
            if found is not None and not self._expired(found[0]):
                return False
            self._store(key, value)
            return True

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)

    def _store(self, key: K, value: V) -> None:
        now = self.clock()
        self._items[key] = (now, value)
        self._items.move_to_end(key)
        while len(self._items) > self.limit:
            self._items.popitem(last=False)
        # The least recently used end is where expired entries gather: forget them as writes come.
        while self._items and self._expired(next(iter(self._items.values()))[0]):
            self._items.popitem(last=False)

    def _expired(self, written: float) -> bool:
        return self.ttl is not None and self.clock() - written > self.ttl


class Cache(Protocol[KC, V]):
    """What a surface remembers for a while: a `BoundedCache` in the process, or Redis shared by replicas."""

    def get(self, key: KC) -> V | None: ...
    def put(self, key: KC, value: V) -> None: ...
    def add(self, key: KC, value: V) -> bool: ...


class Codec(Generic[V]):
    """How a cached value is written where other processes read it (Redis): as JSON data, read back only if
    it has the shape `decode` expects. Anything else there (an older version, a planted value) is a miss.
    Data, never code: nothing read from a shared store is executed."""

    def __init__(self, encode: Callable[[V], object], decode: Callable[[object], V]) -> None:
        self.encode, self.decode = encode, decode


def _text(data: object) -> str:
    if not isinstance(data, str):
        raise ValueError("not a text")
    return data


def _texts(data: object) -> list[str]:
    if not isinstance(data, list) or not all(isinstance(item, str) for item in data):
        raise ValueError("not a list of texts")
    return list(data)


def _whole_numbers(data: object) -> list[int]:
    if not isinstance(data, list) or not all(isinstance(item, int) and not isinstance(item, bool) for item in data):
        raise ValueError("not a list of whole numbers")
    return list(data)


def _flag(data: object) -> bool:
    if not isinstance(data, bool):
        raise ValueError("not a flag")
    return data


FLAG: Codec[bool] = Codec(lambda value: value, _flag)
TEXT: Codec[str] = Codec(lambda value: value, _text)
TEXTS: Codec[list[str]] = Codec(list, _texts)
WHOLE_NUMBERS: Codec[list[int]] = Codec(list, _whole_numbers)


class Caches:
    """Makes a surface's caches: bounded ones in the process, or, given `shared` (bot/shared.py), ones that
    every replica reads and writes, each value written and read back through its `codec`."""

    def __init__(
        self, shared: Callable[[str, float, Codec[Any]], Cache[Any, Any]] | None = None, ttl: float = 7 * 86400.0
    ) -> None:
        self.shared, self.ttl = shared, ttl

    def make(self, name: str, limit: int, codec: Codec[V], ttl: float | None = None) -> Cache[Any, V]:
        if self.shared is None:
            return BoundedCache(limit, ttl=ttl)
        return self.shared(name, ttl or self.ttl, codec)
