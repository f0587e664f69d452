"""The contract of a surface: what connects coopbot to a place people ask (the console, Telegram, Slack).

A surface lives in `adapters/`, registers an object that satisfies `Surface` under the entry point group
`coopbot.surfaces` (pyproject.toml), and only translates: its platform's messages into `Coopbot.ask`,
and each Answer's layout (bot/layout.py) into its platform's markup. The command line finds surfaces
through the entry point and is typed against this protocol alone; README.md ("Adding a surface") walks
through writing one.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping, Sequence
from typing import Protocol, TypeVar, runtime_checkable

from bot.core import Coopbot
from bot.serving.runtime import Runtime

SURFACE_GROUP = "coopbot.surfaces"
SettingsT = TypeVar("SettingsT")


class NotConfigured(Exception):
    """A surface cannot start: each problem is one line a person can act on ("set TELEGRAM_BOT_TOKEN")."""

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = tuple(problems)


@runtime_checkable
class Surface(Protocol[SettingsT]):
    """One surface. The command line calls, in order: `add_arguments` (its `coopbot serve NAME` options),
    `settings` (from those options and the environment, or `NotConfigured`), then `run`."""

    name: str  # as in `coopbot serve NAME` and the entry point's name

    def configured(self, env: Mapping[str, str]) -> bool:
        """Whether the environment selects this surface for plain `coopbot` (`make run`): a token is set."""
        ...

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        """Options of its own, beside the common --knowledge, --audience and --lang."""
        ...

    def settings(self, args: argparse.Namespace, env: Mapping[str, str]) -> SettingsT:
        """Everything `run` needs, read once; raises `NotConfigured` listing every missing or bad setting."""
        ...

    def run(self, bot: Coopbot, settings: SettingsT, runtime: Runtime) -> int:
        """Serve until `runtime.stop` is set (the command line sets it on SIGINT and SIGTERM) or the surface ends
        on its own (the console at end of input): keep each question taken in `runtime.inbox` until it is
        answered, stop taking new ones at once when stopped, answer what was taken for up to `runtime.grace`
        seconds and leave the rest in the inbox for the next start; return the exit status."""
        ...
