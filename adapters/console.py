"""The console surface: `coopbot chat`, a conversation in the terminal.

It only translates: a line typed -> `Coopbot.ask` -> the Answer as plain text. Typing the number
of a suggestion asks it; /help, /about, /contact, /lang ko|en work as on Telegram; quit, exit, 종료
(or /quit, /exit, end of input) end the conversation, as the banner says.
"""

from __future__ import annotations

import argparse
import sys
import uuid
from typing import IO

from bot import Answer, Coopbot
from bot.render_text import render_plain

PROMPT = "> "
QUIT = frozenset(("quit", "exit", "종료", "/quit", "/exit", "q", "끝", "나가기"))


def configured(env: object) -> bool:
    return True


def _show(answer: Answer, out: IO[str]) -> None:
    text = render_plain(answer)
    if answer.suggestions:
        text += "\n\n" + "\n".join(f"  [{i}] {q}" for i, q in enumerate(answer.suggestions, 1))
    out.write(text + "\n\n")
    out.flush()


def run(bot: Coopbot, args: argparse.Namespace, stdin: IO[str] = sys.stdin, out: IO[str] = sys.stdout) -> int:
    session = f"console:{uuid.uuid4()}"
    audience = getattr(args, "audience", None) or "public"
    if getattr(args, "lang", None):
        bot.set_language(session, args.lang)
    lang = getattr(args, "lang", None) or "ko"
    _show(bot.start(lang, audience), out)
    out.write(bot.message("chat_quit_hint", lang) + "\n\n")
    last: Answer | None = None
    while True:
        if stdin.isatty():
            out.write(PROMPT)
            out.flush()
        try:
            line = stdin.readline()
        except KeyboardInterrupt:
            return 0
        except UnicodeDecodeError:
            out.write(bot.message("non_text", lang) + "\n\n")
            continue
        if not line:
            return 0
        text = line.strip()
        if not text:
            continue
        lang = bot.language(session) or (last.language if last else lang)
        command, _, rest = text.partition(" ")
        if text.casefold().rstrip(".!") in QUIT:
            out.write(bot.message("chat_bye", lang) + "\n")
            return 0
        if command == "/lang" and rest.strip() in ("ko", "en"):
            bot.set_language(session, rest.strip())  # type: ignore[arg-type]
            lang = rest.strip()  # type: ignore[assignment]
            out.write(f"lang: {lang}\n\n")
            continue
        fixed = {"/help": bot.help, "/about": bot.about, "/contact": bot.contact, "/start": bot.start}
        if command in fixed:
            _show(fixed[command](lang, audience), out)
            continue
        if text.isdigit() and last and 1 <= int(text) <= len(last.suggestions):
            text = last.suggestions[int(text) - 1]
            out.write(f"{PROMPT}{text}\n")
        last = bot.ask(text, session=session, audience=audience)
        _show(last, out)
