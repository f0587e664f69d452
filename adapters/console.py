"""The console surface: `coopbot chat`, a conversation in the terminal.

It only translates: a line typed -> `Coopbot.ask` -> the Answer as plain text, its suggestions numbered.
Typing the number of a suggestion asks it; the commands of the core's table work as on Telegram
(/help, /about, /contact, /lang ko|en); quit, exit, 종료 (or end of input) end the conversation.
"""

from __future__ import annotations

import argparse
import sys
import threading
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import IO

from bot import Answer, Asking, Audience, Coopbot, Lang, Question, Runtime, lay_out, parse_command, plain_text

PROMPT = "> "
QUIT = frozenset(("quit", "exit", "종료", "/quit", "/exit", "q", "끝", "나가기"))


@dataclass(frozen=True, slots=True)
class ConsoleSettings:
    lang: Lang | None = None  # --lang pins the conversation's language
    audience: Audience = "public"


class ConsoleSurface:
    name = "console"

    def configured(self, env: Mapping[str, str]) -> bool:
        return True  # needs nothing: it is what plain `coopbot` falls back to

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        pass

    def settings(self, args: argparse.Namespace, env: Mapping[str, str]) -> ConsoleSettings:
        return ConsoleSettings(lang=args.lang, audience=args.audience or "public")

    def run(self, bot: Coopbot, settings: ConsoleSettings, runtime: Runtime) -> int:
        return chat(bot, settings, sys.stdin, sys.stdout, runtime.stop, runtime.asking(bot))


surface = ConsoleSurface()


def _show(answer: Answer, out: IO[str]) -> tuple[str, ...]:
    """Write the answer; the suggestions it numbered, which typing a number asks."""
    layout = lay_out(answer)
    out.write(plain_text(layout, suggestions="numbered") + "\n\n")
    out.flush()
    return layout.suggestions


def chat(
    bot: Coopbot,
    settings: ConsoleSettings,
    stdin: IO[str],
    out: IO[str],
    stop: threading.Event | None = None,
    asking: Asking | None = None,
) -> int:
    """The conversation: one session, until a quit word, end of input or `stop`. Questions and commands go
    through `asking`, the per-question policy (the conversation log where one is kept); the core alone without."""
    session = f"console:{uuid.uuid4()}"
    audience = settings.audience
    policy = asking or Asking(bot, [])

    def answer(text: str, command: tuple[str, str] | None = None) -> Answer | None:
        asked = Question(text, "console", session=session, audience=audience, lang=lang if command else None)
        with policy.turn(replace(asked, command=command)) as turn:
            reply = turn.answer()
            turn.delivered("sent")
            return reply

    if settings.lang:
        bot.set_language(session, settings.lang)
    lang: Lang = settings.lang or "ko"
    _show(bot.command("start", lang=lang, session=session, audience=audience), out)
    out.write(bot.message("chat_quit_hint", lang) + "\n\n")
    last: Answer | None = None
    offered: tuple[str, ...] = ()  # the last answer's numbered suggestions
    while stop is None or not stop.is_set():
        if stdin.isatty():
            out.write(PROMPT)
            out.flush()
        try:
            line = stdin.readline()
        except KeyboardInterrupt:
            return 0
        except UnicodeDecodeError:
            _show(bot.notice("non_text", lang), out)
            continue
        if not line:
            return 0
        text = line.strip()
        if not text:  # an empty line at the prompt is no message
            continue
        lang = bot.language(session) or (last.language if last else lang)
        if text.casefold().rstrip(".!") in QUIT:
            out.write(bot.message("chat_bye", lang) + "\n")
            return 0
        if command := parse_command(text):
            if (reply := answer(text, command)) is not None:
                _show(reply, out)
            continue
        if text.isdigit() and 1 <= int(text) <= len(offered):
            text = offered[int(text) - 1]
            out.write(f"{PROMPT}{text}\n")
        if (reply := answer(text)) is not None:
            last = reply
            offered = _show(last, out)
    return 0
