"""Watching a coopbot process from outside during a fault: /readyz every half second, /metrics every two.

`Watch` keeps every /readyz answer (its status, or how the request failed: a timeout of READY_TIMEOUT, a
refused connection) and the sum of coopbot_database_errors_total. `Readiness` judges the answers against
the fault's timeline: /readyz told the truth when it answered 503 at some point while the dependency was
away, 200 within BACK_WITHIN seconds of its return, and 200 at the end.
"""

from __future__ import annotations

import http.client
import json
import threading
import time
from dataclasses import dataclass

from load_fakes import error_kind
from load_support import Run

POLL_EVERY = 0.5  # seconds between /readyz requests
METRICS_EVERY = 4  # /metrics at every 4th poll
READY_TIMEOUT = 2.0  # seconds a /readyz request may take before it counts as unanswered
BACK_WITHIN = 10.0  # seconds after the dependency's return by which /readyz should say 200 again
DB_ERRORS = "coopbot_database_errors_total"
NAMED = ("database", "redis")  # the problems /readyz should name during these faults


@dataclass(frozen=True, slots=True)
class Sample:
    at: float  # time.monotonic() when the request was sent
    status: str  # "200", "503", ..., or "timeout", "refused", "reset"
    body: str


class Watch:
    """Polls /readyz (and /metrics) on 127.0.0.1:`port` from a thread until `stop`."""

    def __init__(self, run: Run, port: int) -> None:
        self.port = port
        self.samples: list[Sample] = []
        self.db_errors: list[float] = []  # the sum over labels, at each scrape that answered
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()
        run.on_close(self.stop)

    def stop(self) -> None:
        """Take a last sample, then stop."""
        if self._stop.is_set():
            return
        self._stop.set()
        self._thread.join(timeout=READY_TIMEOUT * 3)
        self._poll(metrics=True)

    def _loop(self) -> None:
        for n in range(1_000_000):
            if self._stop.is_set():
                return
            began = time.monotonic()
            self._poll(metrics=n % METRICS_EVERY == 0)
            self._stop.wait(max(0.0, began + POLL_EVERY - time.monotonic()))

    def _poll(self, metrics: bool) -> None:
        at = time.monotonic()
        status, body = self._get("/readyz")
        self.samples.append(Sample(at, status, body))
        if metrics:
            status, body = self._get("/metrics")
            if status == "200":
                self.db_errors.append(database_errors(body))

    def _get(self, path: str) -> tuple[str, str]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=READY_TIMEOUT)
        try:
            conn.request("GET", path)
            response = conn.getresponse()
            return str(response.status), response.read().decode("utf-8", errors="replace")
        except (OSError, http.client.HTTPException) as err:
            return error_kind(err), ""
        finally:
            conn.close()


def database_errors(exposition: str) -> float:
    """The sum of coopbot_database_errors_total over its labels in a /metrics text."""
    total = 0.0
    for line in exposition.splitlines():
        if line.startswith(DB_ERRORS):
            try:
                total += float(line.rsplit(" ", 1)[1])
            except (IndexError, ValueError):
                continue
    return total


def named_problem(body: str) -> str | None:
    """The first problem in a /readyz body that names the database or Redis, as "name: text"."""
    try:
        problems = json.loads(body).get("problems") or {}
    except (ValueError, AttributeError):
        return None
    for name, text in problems.items() if isinstance(problems, dict) else ():
        if any(word in f"{name} {text}".lower() for word in NAMED):
            return f"{name}: {text}"
    return None


@dataclass(frozen=True, slots=True)
class Readiness:
    """What /readyz said around a fault from `began` to `returned` (time.monotonic)."""

    samples: list[Sample]
    began: float
    returned: float

    @property
    def went_503(self) -> float | None:
        """Seconds from the fault's start to the first 503 during it."""
        during = [s.at for s in self.samples if self.began <= s.at < self.returned and s.status == "503"]
        return during[0] - self.began if during else None

    @property
    def back_200(self) -> float | None:
        """Seconds from the dependency's return to the first 200 after it."""
        after = [s.at for s in self.samples if s.at >= self.returned and s.status == "200"]
        return after[0] - self.returned if after else None

    @property
    def end(self) -> str:
        return self.samples[-1].status if self.samples else "-"

    @property
    def truthful(self) -> bool:
        back = self.back_200
        return self.went_503 is not None and back is not None and back <= BACK_WITHIN and self.end == "200"

    def unanswered(self) -> int:
        """Polls during or after the fault that got no HTTP answer (a timeout, a refused connection)."""
        return sum(1 for s in self.samples if s.at >= self.began and not s.status.isdigit())

    def verdict(self) -> str:
        """A short cell: "yes", or what it got wrong."""
        if self.truthful:
            return "yes"
        wrong = []
        if self.went_503 is None:
            states = {s.status for s in self.samples if self.began <= s.at < self.returned}
            wrong.append("stayed 200" if states <= {"200"} else f"no 503 ({'/'.join(sorted(states))})")
        back = self.back_200
        if back is None:
            wrong.append("never 200 after")
        elif back > BACK_WITHIN:
            wrong.append(f"200 only after {back:.0f} s")
        if self.end != "200" and back is not None:
            wrong.append(f"end {self.end}")
        return "no: " + ", ".join(wrong)

    def trail(self, returned: str = "the dependency returned") -> str:
        """Each change of answer, in seconds from the fault's start: "200 -3.0, 503 +0.4, 200 +16.1"."""
        changes: list[str] = []
        last = ""
        for s in self.samples:
            if s.status != last:
                changes.append(f"{s.status} {s.at - self.began:+.1f}")
                last = s.status
        return ", ".join(changes) + f" ({returned} at +{self.returned - self.began:.1f} s)"

    def problem(self) -> str | None:
        """The first problem naming the database or Redis that /readyz gave."""
        for s in self.samples:
            if (found := named_problem(s.body)) is not None:
                return found
        return None


def errors_rose(values: list[float]) -> str:
    """The database errors counter over the run: "no (0)", "0 -> 12", or "-" when /metrics never answered."""
    if not values:
        return "-"
    first, most = values[0], max(values)
    return f"{first:.0f} -> {most:.0f}" if most > first else f"no ({first:.0f})"
