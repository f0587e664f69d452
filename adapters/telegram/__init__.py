"""The Telegram surface: `coopbot serve telegram`, for delegates in private chats and groups.

It only translates: a Telegram update -> the per-question policy and `Coopbot` -> the Answer rendered as
Telegram HTML with suggestions as inline buttons. Each chat is one conversation (session `tg:<chat_id>`),
and the audience is always public. Long polling by default; a webhook with `--webhook-url`.

- `settings`: what it is configured with;
- `intake`: polling and the webhook, each update kept in the inbox before Telegram is told it arrived;
- `order`: each chat's updates answered in turn, chats side by side, claimed in the inbox and retried while a
  dependency is down;
- `handlers`: messages, commands and buttons into questions, Answers into messages;
- `sending`: calling the Bot API within its limits and never twice;
- `rendering`: the Answer's layout as Telegram HTML and an inline keyboard.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Mapping
from pathlib import Path

from adapters.telegram.intake import Service
from adapters.telegram.settings import DEFAULT_BASE_URL, ENV_BASE_URL, ENV_SECRET, ENV_TOKEN, Settings
from bot import Coopbot, NotConfigured, Runtime


class TelegramSurface:
    name = "telegram"

    def configured(self, env: Mapping[str, str]) -> bool:
        return bool(env.get(ENV_TOKEN))

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--webhook-url", help="public HTTPS URL Telegram posts updates to (default: long polling)")
        parser.add_argument("--listen", default="127.0.0.1", help="webhook server address (default: 127.0.0.1)")
        parser.add_argument("--port", type=int, default=8443, help="webhook server port (default: 8443)")
        parser.add_argument("--url-path", default=None, help="webhook server path (default: the path of --webhook-url)")
        parser.add_argument(
            "--secret-token-file",
            type=Path,
            help=f"file holding the webhook secret Telegram must send (default: ${ENV_SECRET}, else a random one per"
            " start); never on the command line, where `ps` shows it",
        )
        parser.add_argument("--drop-pending-updates", action="store_true", help="ignore updates sent while stopped")

    def settings(self, args: argparse.Namespace, env: Mapping[str, str]) -> Settings:
        token = env.get(ENV_TOKEN, "")
        if not token:
            raise NotConfigured([f"set {ENV_TOKEN} to serve on Telegram"])
        return Settings(
            token=token,
            base_url=env.get(ENV_BASE_URL) or DEFAULT_BASE_URL,
            default_lang=args.lang,
            webhook_url=args.webhook_url,
            listen=args.listen,
            port=args.port,
            url_path=args.url_path,
            secret_token=_secret(args.secret_token_file) or env.get(ENV_SECRET),
            drop_pending_updates=args.drop_pending_updates,
        )

    def run(self, bot: Coopbot, settings: Settings, runtime: Runtime) -> int:
        return serve(bot, settings, runtime)


surface = TelegramSurface()


def _secret(path: Path | None) -> str | None:
    if path is None:
        return None
    try:
        return path.read_text(encoding="utf-8").strip() or None
    except OSError as err:
        raise NotConfigured([f"cannot read the webhook secret file {path}: {err.strerror}"]) from None


def serve(bot: Coopbot, settings: Settings, runtime: Runtime) -> int:
    """Serve until `runtime.stop` is set; the exit status."""
    return asyncio.run(Service(bot, settings, runtime).run())
