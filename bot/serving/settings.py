"""What serving reads from the environment, read once, in one place, into a frozen `ServingSettings`.

Every bad value is named with what to write instead, all of them at once (`ValueError` with one line each),
so an operator mends the unit file in one go. A surface's own settings (its tokens) are the surface's.
"""

from __future__ import annotations

import socket
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

ENV_DB = "COOPBOT_DB"
ENV_REDIS = "COOPBOT_REDIS_URL"
ENV_REPLICA = "COOPBOT_REPLICA"
ENV_LIMIT = "COOPBOT_USER_LIMIT"
ENV_LOG = "COOPBOT_LOG"
ENV_DAYS = "COOPBOT_LOG_DAYS"
ENV_CURATORS = "COOPBOT_CURATORS"
DEFAULT_PATH = Path("var") / "coopbot.sqlite3"
DEFAULT_PER_MINUTE = 20
DEFAULT_DAYS = 90
OFF = ("off", "0", "false", "no")


@dataclass(frozen=True, slots=True)
class ServingSettings:
    database: Path | str  # a SQLite file, or a postgresql:// URL
    redis_url: str = ""  # empty: each process keeps its shared state itself
    replica: str = ""  # this replica's name in a shared inbox
    per_minute: int = DEFAULT_PER_MINUTE  # questions a person may ask a minute; 0: no limit
    log: bool = True  # keep the conversation log
    log_days: int = DEFAULT_DAYS
    curators: frozenset[str] = frozenset()  # platform ids of who may use the curators' commands

    @classmethod
    def from_env(cls, env: Mapping[str, str], database: Path | str | None = None) -> ServingSettings:
        """The settings in `env`; `database` (the --db option) wins over $COOPBOT_DB."""
        problems: list[str] = []
        per_minute = _whole(env, ENV_LIMIT, DEFAULT_PER_MINUTE, "a whole number of questions a minute", problems)
        days = _whole(env, ENV_DAYS, DEFAULT_DAYS, "a whole number of days", problems)
        if days < 1:
            problems.append(f"{ENV_DAYS} must be at least 1")
        if problems:
            raise ValueError("\n".join(problems))
        return cls(
            database=database or database_of(env),
            redis_url=env.get(ENV_REDIS, "").strip(),
            replica=env.get(ENV_REPLICA, "").strip() or socket.gethostname(),
            per_minute=max(per_minute, 0),
            log=env.get(ENV_LOG, "on").strip().casefold() not in OFF,
            log_days=days,
            curators=frozenset(n.strip() for n in env.get(ENV_CURATORS, "").split(",") if n.strip()),
        )


def database_of(env: Mapping[str, str], cwd: Path | None = None) -> Path | str:
    """Where serving keeps its database: `$COOPBOT_DB` (a file, or a postgresql:// URL), else
    var/coopbot.sqlite3 under the working directory."""
    chosen = env.get(ENV_DB, "").strip()
    if chosen.startswith(("postgresql://", "postgres://")):
        return chosen
    return Path(chosen) if chosen else (cwd or Path.cwd()) / DEFAULT_PATH


def _whole(env: Mapping[str, str], name: str, default: int, what: str, problems: list[str]) -> int:
    raw = env.get(name, "").strip()
    try:
        return int(raw) if raw else default
    except ValueError:
        problems.append(f"{name} must be {what}, not {raw!r}")
        return default
