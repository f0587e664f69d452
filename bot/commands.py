"""The commands every surface offers (/start, /help, /lang, /about, /contact, /privacy): one table, read by all.

A command's menu text is the fact-base message `command_<name>`; what it replies is `Coopbot.command`.
Telegram registers the table as its command menu, the console reads `/name` lines, Slack reads
`/coop name`.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Command:
    name: str
    argument: str = ""  # what follows the name, as the menu shows it ("ko|en"); "" for none


COMMANDS: tuple[Command, ...] = (
    Command("start"),
    Command("help"),
    Command("lang", "ko|en"),
    Command("about"),
    Command("contact"),
    Command("privacy"),
)
NAMES = frozenset(c.name for c in COMMANDS)


def parse_command(text: str, prefix: str = "/") -> tuple[str, str] | None:
    """`/help`, `/lang en` or `/about@coopbot` as (name, argument); None when the text is not one of ours.
    With prefix "" a bare `help` is a command too (Slack's `/coop help`)."""
    head, _, rest = text.strip().partition(" ")
    if not head.startswith(prefix):
        return None
    name = head[len(prefix) :].partition("@")[0].casefold()
    return (name, rest.strip()) if name in NAMES else None
