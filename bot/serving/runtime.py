"""What the command line hands a surface to run with, beside the bot and the surface's own settings: when to
stop, where taken questions are kept until answered, the per-person limit, how
long to drain on stop, when a reply is late enough to apologise for, and what curators may do."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from bot.answering.live import Reloaded
from bot.cache import Caches
from bot.core import Coopbot
from bot.factbase.model import Lang
from bot.serving.asking import Asking, asking
from bot.serving.convlog import Recorder
from bot.serving.inbox import Inbox
from bot.serving.limits import Limit, UserLimit
from bot.serving.metrics import Health, Metrics

DEFAULT_GRACE = 10.0  # seconds a stopping surface keeps answering what it took; the rest waits in the inbox
DEFAULT_LATE_AFTER = 120.0  # seconds after which a reply opens with an apology for the wait


class LikelyRecord(Protocol):
    """What a cluster's questions are likely about, as a surface offers it to teach (bot/curation/report_model.py)."""

    @property
    def name(self) -> str | None: ...
    @property
    def candidates(self) -> Sequence[str]: ...


class UnansweredCluster(Protocol):
    """Unanswered questions that ask the same thing, as a surface shows them to curators to teach or dismiss
    (bot/curation/report_model.py's Cluster)."""

    @property
    def key(self) -> str: ...
    @property
    def count(self) -> int: ...
    @property
    def lang(self) -> str: ...
    @property
    def examples(self) -> Sequence[str]: ...
    @property
    def questions(self) -> Sequence[str]: ...
    @property
    def likely(self) -> LikelyRecord | None: ...


class CurationDesk(Protocol):
    """What curators may do from where they work (bot/curation/desk.py)."""

    def is_curator(self, person: str | None) -> bool: ...
    def clusters(self) -> Sequence[UnansweredCluster]: ...
    def teach(self, questions: Sequence[str], fact: str, by: str) -> Reloaded: ...
    def search(self, text: str, lang: Lang) -> list[tuple[str, str]]: ...
    def dismiss(self, questions: Sequence[str], by: str) -> None: ...
    def status(self, lang: Lang) -> str: ...


class FeedbackDesk(Protocol):
    """Where 👍/👎 on answers and what people were looking for go (bot/curation/feedback.py)."""

    def vote(self, ref: str, person: str, up: bool) -> None: ...
    def comment(self, ref: str, person: str, text: str) -> None: ...


@dataclass(frozen=True)
class Runtime:
    stop: threading.Event  # set on SIGINT/SIGTERM: stop taking questions, drain, return
    inbox: Inbox
    limit: Limit = field(default_factory=UserLimit)
    grace: float = DEFAULT_GRACE
    late_after: float = DEFAULT_LATE_AFTER
    curation: CurationDesk | None = None  # what curators may do from the surface (None: no database to do it with)
    feedback: FeedbackDesk | None = None  # where 👍/👎 on answers go (None: answers offer no feedback buttons)
    caches: Caches = field(default_factory=Caches)  # what surfaces remember a while; shared with Redis
    metrics: Metrics = field(default_factory=Metrics)
    health: Health = field(default_factory=Health)
    metrics_port: int | None = None  # /healthz, /readyz and /metrics are served here when set, in every mode
    metrics_host: str = "127.0.0.1"
    public_ops: bool = False  # also /metrics and /readyz's details on the platform's own port (HTTP modes)
    recorder: Recorder | None = None  # the conversation log (None: questions are not kept)

    def asking(self, bot: Coopbot) -> Asking:
        """The per-question policy a surface answers through (bot/serving/asking.py)."""
        return asking(bot, self.metrics, self.limit, self.late_after, self.recorder)

    def is_late(self, asked_at: float | None, now: float | None = None) -> bool:
        """Whether a question asked at `asked_at` (Unix time, the platform's own) has waited too long."""
        if asked_at is None:
            return False
        return (time.time() if now is None else now) - asked_at > self.late_after
