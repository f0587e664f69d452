"""What the scenarios of bench/faults.py share: their settings, the summary's columns, and how one run's
figures are set down (on bench/load_support.py's Run and Result)."""

from __future__ import annotations

import time
from dataclasses import dataclass

from faults_intake import Intake, Outcome
from faults_watch import READY_TIMEOUT, Readiness, Watch, errors_rose
from load_support import Proc, Run

SENT, LOST, DUP, UNACKED, APOLOGIES, FIRST, ALL, READYZ, DB_ERRORS = (
    "sent",
    "lost",
    "dup",
    "unacked",
    "sorry",
    "1st reply s",
    "all s",
    "readyz true",
    "db errors",
)
COLUMNS = (SENT, LOST, DUP, UNACKED, APOLOGIES, FIRST, ALL, READYZ, DB_ERRORS)


@dataclass(frozen=True, slots=True)
class Settings:
    """The command line's options for the scenarios (bench/faults.py's docstring says what each means)."""

    rate: float = 10.0  # questions a second during a burst
    warmup: float = 3.0  # seconds of burst before the fault
    tail: float = 3.0  # seconds of burst after the dependency returns
    quiet: float = 8.0  # seconds without a reply after which what is missing is lost
    hold: float | None = None  # seconds the fault lasts; None: each scenario's own
    tmpfs_mb: int = 64
    presses: int = 60  # button-flood
    flood_wait: float = 45.0  # button-flood: seconds to wait for the answer during the flood
    teach: int = 100  # teach-two-replicas


@dataclass(slots=True)
class Case:
    """One scenario in one intake mode."""

    run: Run
    mode: str
    settings: Settings


def pause(run: Run, until: float) -> None:
    """Sleep until `until` (time.monotonic), or the run's deadline."""
    time.sleep(max(0.0, min(until, run.deadline) - time.monotonic()))


def set_outcome(run: Run, outcome: Outcome, intake: Intake) -> None:
    run.set(**{SENT: outcome.sent, LOST: outcome.lost, DUP: outcome.dup, UNACKED: outcome.unacked})
    run.set(**{APOLOGIES: outcome.apologies})
    run.detail(f"asked {outcome.sent}, answered {outcome.answered}, {outcome.apologies} apologies")
    run.result.details += intake.details()


def set_recovery(run: Run, outcome: Outcome, began: float, returned: float) -> None:
    """Time to recover from the dependency's return: to the first answer after it, and to every answer."""
    first, every = outcome.first_after(returned), outcome.all_after(returned)
    run.set(**{FIRST: first if first is not None else "never", ALL: every if every is not None else "never"})
    during = outcome.between(began, returned)
    run.detail(f"answers during the fault ({returned - began:.1f} s): {during}")
    if first is None:
        run.note("silenced: no answer after the dependency returned")


def set_readiness(run: Run, watch: Watch, where: str, began: float, returned: float) -> Readiness:
    readiness = Readiness(list(watch.samples), began, returned)
    run.set(**{READYZ: readiness.verdict(), DB_ERRORS: errors_rose(watch.db_errors)})
    problem = readiness.problem()
    if problem:
        run.note(f"readyz said {' '.join(problem.split())[:100]!r}")
    else:
        run.detail("/readyz named no database or Redis problem")
    run.detail(f"/readyz on {where}: {readiness.trail()}")
    if unanswered := readiness.unanswered():
        run.detail(f"/readyz polls unanswered (over {READY_TIMEOUT:.0f} s, or refused) from the fault on: {unanswered}")
    return readiness


def exits(run: Run, procs: list[Proc]) -> None:
    """Say so when a coopbot process exited by itself during the run, with the last lines of its log."""
    for proc in procs:
        if not proc.alive():
            run.note(f"{proc.label} EXITED (status {proc.wait(0)})")
            run.result.details += ["  | " + line[:300] for line in proc.tail(8).splitlines()]


def watch(run: Run, intake: Intake) -> tuple[Watch, str]:
    port, where = intake.readyz_port()
    return Watch(run, port), where
