"""State that replicas share through Redis (`COOPBOT_REDIS_URL`): conversations and `/lang`, the requests
already seen, the per-person limit, and what surfaces remember for a while (button keys, replies to
edit, answers waiting to be shared). Without Redis each of these lives in the process (bot/store.py,
bot/limits.py, bot/cache.py), behind the same small interfaces.
"""

from __future__ import annotations

import json
import pickle
import time
import uuid
from collections.abc import Callable
from typing import Generic, TypeVar, cast

import redis

from bot.cache import Caches
from bot.limits import WINDOW, Admission
from bot.session import DEFAULT_TTL, Context, stale
from bot.store import context_from_json, context_to_json

PREFIX = "coopbot:"
CONVERSATION_DAYS = 365  # a conversation untouched this long is forgotten, its pinned language too
K = TypeVar("K")
V = TypeVar("V")


def connect(url: str) -> redis.Redis:
    client = redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5, health_check_interval=30)
    client.ping()  # refuse to start on a Redis that does not answer, rather than fail on each question
    return client


class RedisSessionStore:
    def __init__(self, client: redis.Redis, ttl: float = DEFAULT_TTL, clock: Callable[[], float] = time.time) -> None:
        self.client, self.ttl, self.clock = client, ttl, clock

    def get(self, session: str) -> Context:
        raw = self.client.get(PREFIX + "session:" + session)
        if raw is None:
            return Context()
        context = context_from_json(cast(bytes, raw).decode())
        fresh = stale(context, self.clock(), self.ttl)
        if fresh is not context:
            self._write(session, fresh)
        return fresh

    def put(self, session: str, context: Context) -> None:
        self._write(session, context.evolve(updated=self.clock()))

    def _write(self, session: str, context: Context) -> None:
        self.client.set(PREFIX + "session:" + session, context_to_json(context), ex=CONVERSATION_DAYS * 86400)


class RedisSeen:
    def __init__(self, client: redis.Redis) -> None:
        self.client = client

    def first(self, key: str, ttl: float) -> bool:
        return bool(self.client.set(PREFIX + "seen:" + key, 1, nx=True, ex=max(1, int(ttl))))


class RedisUserLimit:
    """The per-person limit (bot/limits.py) counted in Redis, so a person's questions count on every replica."""

    def __init__(self, client: redis.Redis, per_minute: int, clock: Callable[[], float] = time.time) -> None:
        self.client, self.per_minute, self.clock = client, per_minute, clock

    def admit(self, person: str | None) -> Admission:
        if not self.per_minute or not person:
            return Admission.ANSWER
        now, key = self.clock(), PREFIX + "asked:" + person
        pipe = self.client.pipeline()
        pipe.zremrangebyscore(key, 0, now - WINDOW)
        pipe.zcard(key)
        _, asked = pipe.execute()
        if int(asked) < self.per_minute:
            pipe = self.client.pipeline()
            pipe.zadd(key, {f"{now}:{uuid.uuid4().hex[:8]}": now})
            pipe.expire(key, int(WINDOW) + 1)
            pipe.execute()
            return Admission.ANSWER
        told = self.client.set(PREFIX + "told:" + person, 1, nx=True, ex=int(WINDOW))
        return Admission.REFUSE if told else Admission.IGNORE


class RedisCache(Generic[K, V]):
    """`BoundedCache`'s interface over Redis: entries expire after `ttl` seconds (Redis bounds the memory)."""

    def __init__(self, client: redis.Redis, name: str, ttl: float) -> None:
        self.client, self.prefix, self.ttl = client, f"{PREFIX}{name}:", max(1, int(ttl))

    def _key(self, key: K) -> str:
        return self.prefix + json.dumps(key, ensure_ascii=False, default=str)

    def get(self, key: K) -> V | None:
        raw = self.client.get(self._key(key))
        return None if raw is None else cast(V, pickle.loads(cast(bytes, raw)))  # our own values, our own Redis

    def put(self, key: K, value: V) -> None:
        self.client.set(self._key(key), pickle.dumps(value), ex=self.ttl)

    def add(self, key: K, value: V) -> bool:
        return bool(self.client.set(self._key(key), pickle.dumps(value), nx=True, ex=self.ttl))


def redis_caches(client: redis.Redis) -> Caches:
    return Caches(lambda name, ttl: RedisCache(client, name, ttl))
