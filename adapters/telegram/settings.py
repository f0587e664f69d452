"""What the Telegram surface is configured with, read once by `TelegramSurface.settings`."""

from __future__ import annotations

from dataclasses import dataclass

from bot import Lang

ENV_TOKEN = "TELEGRAM_BOT_TOKEN"
ENV_BASE_URL = "TELEGRAM_API_BASE_URL"
ENV_SECRET = "TELEGRAM_WEBHOOK_SECRET"
DEFAULT_BASE_URL = "https://api.telegram.org/bot"


@dataclass(frozen=True, slots=True)
class Settings:
    token: str
    base_url: str = DEFAULT_BASE_URL
    default_lang: Lang | None = None
    webhook_url: str | None = None
    listen: str = "127.0.0.1"
    port: int = 8443
    url_path: str | None = None
    secret_token: str | None = None
    drop_pending_updates: bool = False
    poll_timeout: float = 10.0  # seconds a getUpdates long poll waits; stopping cancels it at once
