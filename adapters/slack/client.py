"""The Web API clients: one that counts each call and tells readiness whether Slack answers, with retries
for calls that may be repeated, and one for posts that retries only what cannot have been sent."""

from __future__ import annotations

import logging
from typing import Any
from urllib.error import URLError

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry import RetryHandler
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState

from adapters.slack.settings import SURFACE
from bot import (
    Runtime,
)

log = logging.getLogger("coopbot.slack")

API_TIMEOUT = 10  # seconds of one Web API call, so a stuck call cannot hold shutdown for long
FLOOD_RETRIES = 3  # a 429 on a post is waited out (Retry-After) and retried this often


class AnyServerErrorRetryHandler(ServerErrorRetryHandler):
    """slack_sdk retries 500 and 503 only; a 502 or 504 from a proxy in front of Slack is as transient."""

    def _can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        return response is not None and response.status_code >= 500


class NeverSentRetryHandler(RetryHandler):
    """Retries a call whose connection was refused: nothing was sent, so nothing can be doubled."""

    def _can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        reason = error.reason if isinstance(error, URLError) else error
        return isinstance(reason, ConnectionRefusedError)


def retry_handlers() -> list[RetryHandler]:
    """For calls that may be repeated (reads, views, auth.test): backoff on resets, 429 (Retry-After) and 5xx."""
    return [
        ConnectionErrorRetryHandler(max_retry_count=2),
        RateLimitErrorRetryHandler(max_retry_count=3),
        AnyServerErrorRetryHandler(max_retry_count=3),
    ]


def send_retry_handlers() -> list[RetryHandler]:
    """For posts, which must not be doubled: only a 429 (waited out in this conversation's worker) and a
    refused connection are retried here; an ambiguous failure is checked first (`SlackListeners.post`)."""
    return [NeverSentRetryHandler(max_retry_count=2), RateLimitErrorRetryHandler(max_retry_count=FLOOD_RETRIES)]


class CountingWebClient(WebClient):
    """A WebClient that counts each call by method and outcome, and tells readiness whether Slack answers."""

    runtime: Runtime | None = None

    def api_call(self, api_method: str, **kwargs: Any) -> Any:
        try:
            response = super().api_call(api_method, **kwargs)
        except SlackApiError as err:
            self._count(
                api_method, f"http_{err.response.status_code}" if err.response.status_code != 200 else "refused"
            )
            raise
        except Exception as err:
            self._count(api_method, type(err).__name__)
            raise
        self._count(api_method, "ok")
        return response

    def _count(self, method: str, outcome: str) -> None:
        if self.runtime is not None:
            self.runtime.metrics.api_calls.labels(SURFACE, method, outcome).inc()
            if outcome == "ok" or outcome == "refused":
                self.runtime.health.platform(True)
            elif not outcome.startswith("http_4"):
                self.runtime.health.platform(False, f"Slack's {method} failed: {outcome}")


def web_client(
    token: str, api_url: str = "", handlers: list[RetryHandler] | None = None, runtime: Runtime | None = None
) -> WebClient:
    extra: dict[str, Any] = {"base_url": api_url.rstrip("/") + "/"} if api_url else {}
    client = CountingWebClient(token=token, timeout=API_TIMEOUT, retry_handlers=handlers or retry_handlers(), **extra)
    client.runtime = runtime
    return client
