"""Who reads a Slack conversation, and so whether coopbot may show staff-only material in it.

Slack is PPS's staff surface: answers there show internal notes and staff-only records. Two things bring in
people from outside PPS, and each makes the reply one for the public:
- a guest account, or a person of another organisation (users.info: `is_restricted`,
  `is_ultra_restricted`, `is_stranger`, or a `team_id` that is not this workspace's);
- a conversation shared with another organisation, a Slack Connect channel (conversations.info:
  `is_ext_shared`, `is_pending_ext_shared`, or `is_shared` without `is_org_shared`), a direct message with
  such a person, or a group DM with one among its members.
What is looked up is kept a few minutes in the runtime's caches (shared by replicas with Redis), so a
channel that becomes shared is noticed within that time. A lookup that fails counts as outside PPS (the
safe choice) for that reply, is asked again for the next, and is logged as a warning, once for each method
and error.

Needs the bot scopes users:read, channels:read, groups:read, im:read and mpim:read.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from http.client import HTTPException
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import FLAG, Audience, Cache, Caches

log = logging.getLogger("coopbot.slack.audience")

LOOKUP_TTL = 300.0  # seconds a person or a conversation is taken to stay as it was looked up
LOOKUPS_KEPT = 10_000  # people and conversations remembered (each a boolean)
GROUP_MEMBERS = 100  # one page of conversations.members: a group DM has at most 9
LOOKING_UP = 16  # lookups at once (a burst of new people is looked up side by side, not in turn)
LOOKUP_FAILED = (SlackApiError, OSError, HTTPException, KeyError, TypeError, AttributeError)


class Audiences:
    """The audience of a reply in Slack: `default` (the surface's, staff unless `--audience public`) where
    everyone reading is of PPS, else public."""

    def __init__(self, client: WebClient, caches: Caches, default: Audience, ttl: float = LOOKUP_TTL) -> None:
        self.client, self.default = client, default
        self.insiders: Cache[str, bool] = caches.make("slack-insiders", LOOKUPS_KEPT, FLAG, ttl)
        self.internal: Cache[str, bool] = caches.make("slack-internal", LOOKUPS_KEPT, FLAG, ttl)
        self._team: str | None = None
        self._team_lock = threading.Lock()
        self._warned: set[str] = set()
        self._lock = threading.Lock()
        # Lookups under way, by what they look up: asked once however many requests wait for the answer.
        self._pending: dict[tuple[int, str], Future[bool | None]] = {}
        self._pool = ThreadPoolExecutor(LOOKING_UP, thread_name_prefix="coopbot-audience")

    def prefetch(self, user: str | None, channel: str | None = None, shared: bool | None = None) -> None:
        """Start the lookups `of` will need for a request just taken, without waiting for them: requests are
        answered one at a time in each conversation, and their lookups would otherwise add up in that order."""
        if self.default != "staff" or not user:
            return
        self._lookup(self.insiders, user, self._insider)
        if channel is not None and shared is None:
            self._lookup(self.internal, channel, self._internal)

    def of(self, user: str | None, channel: str | None = None, shared: bool | None = None) -> Audience:
        """For `user` asking in `channel` (None: no conversation, as on the Home tab, or one read by `user` alone,
        as a direct message with the bot). `shared` is what an event said of its channel (its envelope's
        `is_ext_shared_channel`), which spares asking Slack."""
        if self.default != "staff":
            return self.default  # nothing to withhold: no lookup
        if not user or not self.is_insider(user):
            return "public"
        if channel is None:
            return "staff"
        if shared is not None:
            return "public" if shared else "staff"
        return "staff" if self.is_internal(channel) else "public"

    def is_insider(self, user: str) -> bool:
        """Whether `user` is a full member of this workspace."""
        return bool(self._lookup(self.insiders, user, self._insider).result())

    def is_internal(self, channel: str) -> bool:
        """Whether `channel` is read by members of this workspace only."""
        return bool(self._lookup(self.internal, channel, self._internal).result())

    def _lookup(self, cache: Cache[str, bool], key: str, ask: Callable[[str], bool | None]) -> Future[bool | None]:
        """What `cache` knows of `key`, or the lookup of it under way (started now if none is)."""
        known = cache.get(key)
        if known is not None:
            done: Future[bool | None] = Future()
            done.set_result(known)
            return done
        with self._lock:
            pending = self._pending.get((id(cache), key))
            if pending is None:
                pending = self._pool.submit(self._remember, cache, key, ask)
                self._pending[id(cache), key] = pending
        return pending

    def _remember(self, cache: Cache[str, bool], key: str, ask: Callable[[str], bool | None]) -> bool | None:
        try:
            found = ask(key)
            if found is not None:  # a failed lookup is asked again next time, not remembered
                cache.put(key, found)
            return found
        finally:
            with self._lock:
                self._pending.pop((id(cache), key), None)

    def _insider(self, user: str) -> bool | None:
        """Whether `user` is a full member; None when Slack could not say (counted as outside for now)."""
        try:
            team = self.team()
            person: dict[str, Any] = self.client.users_info(user=user)["user"]
        except LOOKUP_FAILED as err:
            self._warn("a person", err)  # no user id in the logs: people are kept as keyed hashes only
            return None
        guest = person.get("is_restricted") or person.get("is_ultra_restricted") or person.get("is_stranger")
        return not guest and person.get("team_id") == team

    def _internal(self, channel: str) -> bool | None:
        """Whether only members read `channel`; None when Slack could not say (counted as shared for now)."""
        try:
            info: dict[str, Any] = self.client.conversations_info(channel=channel)["channel"]
            if info.get("is_ext_shared") or info.get("is_pending_ext_shared"):
                return False
            if info.get("is_shared") and not info.get("is_org_shared"):
                return False
            if info.get("is_im"):  # inline, not in the pool this runs in: a pool waiting on itself could stall
                return not info.get("user") or bool(self._insider(str(info["user"])))
            if info.get("is_mpim"):
                members = self.client.conversations_members(channel=channel, limit=GROUP_MEMBERS)["members"]
                return all(self._insider(str(member)) for member in members)
        except LOOKUP_FAILED as err:
            self._warn(f"conversation {channel}", err)
            return None
        return True

    def team(self) -> str:
        """This workspace's id (auth.test), asked once: a person of another team is outside it."""
        with self._team_lock:  # asked once, not once by each thread that needs it first
            if self._team is None:
                self._team = str(self.client.auth_test()["team_id"])
            return self._team

    def _warn(self, what: str, err: Exception) -> None:
        """A warning the first time a lookup fails for a reason (a missing scope, a timeout), then debug lines."""
        if isinstance(err, SlackApiError):
            reason = f"{err.response.api_url.rsplit('/', 1)[-1]}: {err.response.get('error')}"
        else:
            reason = type(err).__name__
        with self._lock:
            first = reason not in self._warned
            self._warned.add(reason)
        say = log.warning if first else log.debug
        say("could not tell who reads %s (%s): answering for the public", what, reason)
