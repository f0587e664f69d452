"""State that replicas share through Redis (`COOPBOT_REDIS_URL`): conversations and `/lang`, the requests
already seen, the per-person limit, and what surfaces remember for a while (button keys, replies to
edit, answers waiting to be shared). Without Redis each of these lives in the process (bot/store.py,
bot/limits.py, bot/cache.py), behind the same small interfaces.

Redis holds data only: JSON in a versioned envelope, read back through a codec that checks its shape, so
a value that is not ours (planted, damaged, of another version or Redis type) is a miss, never code.
While Redis cannot be reached nothing stops: a conversation is answered without its context, the limit
lets questions through, a cache misses, a request counts as new (the inbox still answers it once), and
`Shared.dependency` tells readiness until Redis answers again.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Callable
from typing import Generic, TypeVar, cast

import redis

from bot.answering.context import DEFAULT_TTL, Context, stale
from bot.cache import Caches, Codec
from bot.serving.dependency import Dependency
from bot.serving.limits import WINDOW, Admission
from bot.serving.sessions import context_from_json, context_to_json

log = logging.getLogger("coopbot.redis")

PREFIX = "coopbot:"
VERSION = 1  # the envelope {"v": VERSION, "d": data} of every cached value
CONVERSATION_DAYS = 365  # a conversation untouched this long is forgotten, its pinned language too
K = TypeVar("K")
V = TypeVar("V")
R = TypeVar("R")


class Shared:
    """The Redis client with the dependency its calls report to: `call` runs one operation and gives `fallback`
    instead when Redis cannot be reached (a refused, dropped or timed-out connection)."""

    def __init__(self, client: redis.Redis, dependency: Dependency | None = None) -> None:
        self.client = client
        self.dependency = dependency or Dependency("Redis")

    def call(self, operation: Callable[[redis.Redis], R], fallback: R) -> R:
        """`operation`'s result; `fallback` when Redis cannot be reached, or when a key holds another Redis type
        than ours (planted or stale: a miss, like a value that does not parse)."""
        try:
            result = operation(self.client)
        except (redis.ConnectionError, redis.TimeoutError, redis.exceptions.ReadOnlyError) as err:
            self.dependency.failed(err)
            return fallback
        except redis.ResponseError as err:  # WRONGTYPE and the like: Redis answered, the value is not ours
            log.warning("a coopbot key in Redis holds something else (%s); treated as missing", err)
            self.dependency.succeeded()
            return fallback
        self.dependency.succeeded()
        return result

    def readiness(self) -> str | None:
        """For /readyz: whether Redis answers a ping now (which also ends an outage while nothing else asks)."""
        return None if self.call(lambda c: bool(c.ping()), False) else self.dependency.problem() or "no answer"


def connect(url: str, on_failure: Callable[[], None] | None = None) -> Shared:
    """Redis at `url`. A URL that cannot be one is refused (ValueError); a Redis that does not answer yet is
    only reported: coopbot serves without it and uses it once it answers."""
    client = redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5, health_check_interval=30)
    shared = Shared(client, Dependency("Redis", on_failure))
    shared.call(lambda c: bool(c.ping()), False)
    return shared


class RedisSessionStore:
    def __init__(self, shared: Shared, ttl: float = DEFAULT_TTL, clock: Callable[[], float] = time.time) -> None:
        self.shared, self.ttl, self.clock = shared, ttl, clock

    def get(self, session: str) -> Context:
        raw = self.shared.call(lambda c: c.get(PREFIX + "session:" + session), None)
        context = _context(raw)
        if context is None:
            return Context()
        fresh = stale(context, self.clock(), self.ttl)
        if fresh is not context:
            self._write(session, fresh)
        return fresh

    def put(self, session: str, context: Context) -> None:
        self._write(session, context.evolve(updated=self.clock()))

    def _write(self, session: str, context: Context) -> None:
        text = context_to_json(context)
        self.shared.call(lambda c: c.set(PREFIX + "session:" + session, text, ex=CONVERSATION_DAYS * 86400), None)


def _context(raw: object) -> Context | None:
    if not isinstance(raw, bytes):
        return None
    try:
        return context_from_json(raw.decode())
    except UnicodeDecodeError:
        return None


class RedisSeen:
    def __init__(self, shared: Shared) -> None:
        self.shared = shared

    def first(self, key: str, ttl: float) -> bool:
        """Whether `key` is new; while Redis cannot be asked, it is (the inbox still answers a request once)."""
        return self.shared.call(lambda c: bool(c.set(PREFIX + "seen:" + key, 1, nx=True, ex=max(1, int(ttl)))), True)


class RedisUserLimit:
    """The per-person limit (bot/limits.py) counted in Redis, so a person's questions count on every replica.
    While Redis cannot be asked, questions are let through: the limit protects answers, it never costs them.
    A key holding something else than our count (planted, another version) is cleared and counting starts
    again."""

    def __init__(self, shared: Shared, per_minute: int, clock: Callable[[], float] = time.time) -> None:
        self.shared, self.per_minute, self.clock = shared, per_minute, clock

    def admit(self, person: str | None) -> Admission:
        if not self.per_minute or not person:
            return Admission.ANSWER
        return self.shared.call(lambda client: self._admit(client, person), Admission.ANSWER)

    def _admit(self, client: redis.Redis, person: str) -> Admission:
        now, key = self.clock(), PREFIX + "asked:" + person
        pipe = client.pipeline()
        pipe.zremrangebyscore(key, 0, now - WINDOW)
        pipe.zcard(key)
        try:
            _, asked = pipe.execute()
        except redis.ResponseError:  # WRONGTYPE: not a count of ours; clear it and count afresh
            client.delete(key, PREFIX + "told:" + person)
            asked = 0
        if int(asked) < self.per_minute:
            pipe = client.pipeline()
            pipe.zadd(key, {f"{now}:{uuid.uuid4().hex[:8]}": now})
            pipe.expire(key, int(WINDOW) + 1)
            pipe.execute()
            return Admission.ANSWER
        told = client.set(PREFIX + "told:" + person, 1, nx=True, ex=int(WINDOW))
        return Admission.REFUSE if told else Admission.IGNORE


class RedisCache(Generic[K, V]):
    """`BoundedCache`'s interface over Redis: entries expire after `ttl` seconds (Redis bounds the memory).
    Values are written as JSON through `codec` and read back only if they parse to its shape."""

    def __init__(self, shared: Shared, name: str, ttl: float, codec: Codec[V]) -> None:
        self.shared, self.prefix, self.ttl, self.codec = shared, f"{PREFIX}{name}:", max(1, int(ttl)), codec
        self._warned = False

    def _key(self, key: K) -> str:
        return self.prefix + json.dumps(key, ensure_ascii=False, default=str)

    def get(self, key: K) -> V | None:
        raw = self.shared.call(lambda c: c.get(self._key(key)), None)
        return None if raw is None else self._decode(raw)

    def put(self, key: K, value: V) -> None:
        self.shared.call(lambda c: c.set(self._key(key), self._encode(value), ex=self.ttl), None)

    def add(self, key: K, value: V) -> bool:
        """Whether the key was new; while Redis cannot be asked, it is taken as new."""
        return self.shared.call(lambda c: bool(c.set(self._key(key), self._encode(value), nx=True, ex=self.ttl)), True)

    def _encode(self, value: V) -> str:
        return json.dumps({"v": VERSION, "d": self.codec.encode(value)}, ensure_ascii=False)

    def _decode(self, raw: object) -> V | None:
        try:
            envelope = json.loads(cast(bytes, raw))
            if not isinstance(envelope, dict) or envelope.get("v") != VERSION or "d" not in envelope:
                raise ValueError("not a value of this version")
            return self.codec.decode(envelope["d"])
        except (ValueError, TypeError, UnicodeDecodeError) as err:
            if not self._warned:  # once per cache: a planted or stale value is a miss, and says so
                self._warned = True
                log.warning("a value in %s* is not one of ours (%s); treated as missing", self.prefix, err)
            return None


def redis_caches(shared: Shared) -> Caches:
    return Caches(lambda name, ttl, codec: RedisCache(shared, name, ttl, codec))
