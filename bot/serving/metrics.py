"""What `/metrics` (Prometheus text format, prometheus-client) and `/readyz` report of a running coopbot.

One `Metrics` per process, in a registry of its own (tests run several). Counted where things happen:
questions in `Coopbot.ask`; platform API calls, retries, possible losses and the people over the limit
in the surfaces; reloads from the live base; database and Redis failures where the calls are made
(bot/store.py, bot/shared.py). The inbox depth is read from the inbox at each scrape.

`Health` answers `/readyz`: the fact base is loaded, the database answers, and the platform answered
the last time it was called. Its notes say what is degraded while the bot still answers (an older fact base
serving because the files have problems): shown, but still ready.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

ANSWER_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0)
REPLY_BUCKETS = (0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 3600.0)
METRICS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


class Metrics:
    def __init__(self) -> None:
        # Imported here: a process that counts pays for prometheus-client, `coopbot ask` does not.
        from prometheus_client import CollectorRegistry, Counter, Histogram

        self.registry = CollectorRegistry()

        def counter(name: str, about: str, *labels: str) -> Counter:
            return Counter(name, about, labels, registry=self.registry)

        def histogram(name: str, about: str, buckets: tuple[float, ...]) -> Histogram:
            return Histogram(name, about, ["surface"], buckets=buckets, registry=self.registry)

        self.questions = counter("coopbot_questions", "Questions answered, by kind of reply", "surface", "kind", "lang")
        self.answer_seconds = histogram("coopbot_answer_seconds", "Time to make an answer in the core", ANSWER_BUCKETS)
        self.reply_seconds = histogram(
            "coopbot_update_to_reply_seconds", "From the question reaching the platform to our reply", REPLY_BUCKETS
        )
        self.api_calls = counter("coopbot_platform_api_calls", "Platform API calls", "surface", "method", "outcome")
        self.retries = counter("coopbot_retries", "Calls tried again, by reason", "surface", "reason")
        self.possible_losses = counter(
            "coopbot_possible_losses", "Replies that may not have arrived and were not sent again", "surface"
        )
        self.possible_duplicates = counter(
            "coopbot_possible_duplicates", "Questions answered again after a restart cut an answer short", "surface"
        )
        self.rate_limited = counter("coopbot_rate_limited_questions", "Questions over the per-person limit", "surface")
        self.reloads = counter("coopbot_reloads", "Fact base reloads by outcome", "outcome")
        self.database_errors = counter("coopbot_database_errors", "Database statements that failed", "what")
        self.redis_errors = counter("coopbot_redis_errors", "Redis calls that could not reach Redis")

    def watch_inbox(self, depths: Callable[[], Iterable[tuple[str, int]]]) -> None:
        """Report the inbox depth, read at each scrape, per surface."""
        self.registry.register(_inbox_collector(depths))

    def exposition(self) -> bytes:
        from prometheus_client import generate_latest

        return generate_latest(self.registry)


def _inbox_collector(depths: Callable[[], Iterable[tuple[str, int]]]) -> Any:
    from prometheus_client.core import GaugeMetricFamily, Metric
    from prometheus_client.registry import Collector

    class InboxCollector(Collector):
        def collect(self) -> Iterable[Metric]:
            family = GaugeMetricFamily(
                "coopbot_inbox_depth", "Questions taken and not yet answered", labels=["surface"]
            )
            try:
                for surface, depth in depths():
                    family.add_metric([surface], depth)
            except Exception:  # a scrape must not fail because the database does; readiness says so
                pass
            yield family

    return InboxCollector()


class Health:
    """Readiness: whether the platform answered lately, and the checks of the fact base and the database; and
    the notes of what is degraded, which do not make it unready."""

    def __init__(
        self,
        checks: dict[str, Callable[[], str | None]] | None = None,
        notes: dict[str, Callable[[], str | None]] | None = None,
    ) -> None:
        self.checks = dict(checks or {})  # name -> None when fine, else what is wrong
        self.notes = dict(notes or {})  # name -> None when fine, else what is degraded (answers go on)
        self._platform: tuple[bool, float, str] = (True, time.time(), "not called yet")
        self._lock = threading.Lock()

    def platform(self, ok: bool, detail: str = "") -> None:
        with self._lock:
            self._platform = (ok, time.time(), detail)

    def problems(self) -> dict[str, str]:
        found = _run(self.checks)
        with self._lock:
            ok, _, detail = self._platform
        if not ok:
            found["platform"] = detail or "the platform did not answer"
        return found

    def degraded(self) -> dict[str, str]:
        return _run(self.notes)


def _run(checks: dict[str, Callable[[], str | None]]) -> dict[str, str]:
    """What each check says is wrong, by name; a check that fails says so."""
    found = {}
    for name, check in checks.items():
        try:
            problem = check()
        except Exception as err:
            problem = f"{type(err).__name__}: {err}"
        if problem:
            found[name] = problem
    return found
