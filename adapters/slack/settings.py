"""What the Slack surface is configured with, read once by `SlackSurface.settings`."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from bot import (
    Audience,
    Lang,
)

log = logging.getLogger("coopbot.slack")

SURFACE = "slack"
EVENTS_PATH = "/slack/events"
DEFAULT_PORT = 3000
DEFAULT_HOST = "127.0.0.1"  # behind the HTTPS proxy Slack reaches; --host 0.0.0.0 listens on every address


@dataclass(frozen=True, slots=True)
class Settings:
    bot_token: str
    signing_secret: str = ""
    app_token: str = ""  # set: Socket Mode; empty: HTTP mode
    api_url: str = ""
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    audience: Audience = "staff"
    lang: Lang | None = None
    curator_channel: str = ""  # where a fact base change that could not be taken is reported
