"""The HTTP server of Slack's HTTP mode and of Telegram's webhook: tornado, bounded everywhere.

One event loop serves every connection, so an idle or half-open connection costs a socket, never a
thread. The listen backlog is 1,024 (a burst of clients waits in the kernel instead of being reset); at
most MAX_CONNECTIONS are open at once (more are closed on arrival); headers must arrive within
HEADER_TIMEOUT seconds and a body within BODY_TIMEOUT; headers over 16 KiB are refused. A
`GuardedHandler` checks its headers in `check_headers`, before a byte of the body is read, and its body
limit is applied to Content-Length before reading, so an unauthenticated or oversized request is refused
without being read. Malformed requests (a negative Content-Length, bad header lines) get 400 from tornado
itself; access lines are logged at DEBUG only.
"""

from __future__ import annotations

import asyncio
import json
import logging
import socket
import threading
from typing import Any

import tornado.httpserver
import tornado.iostream
import tornado.log
import tornado.netutil
import tornado.web

from bot import METRICS_CONTENT_TYPE, Runtime

log = logging.getLogger("coopbot.http")

BACKLOG = 1024
MAX_CONNECTIONS = 2048
HEADER_TIMEOUT = 10.0  # seconds for a request's headers, and for an idle keep-alive connection
BODY_TIMEOUT = 10.0  # seconds for a request's body
MAX_HEADER_BYTES = 16 * 1024

# tornado logs each refused request and each dropped connection at WARNING with a traceback; a flood of
# bad requests must not become a flood of log lines.
for _name in ("tornado.access", "tornado.general", "tornado.application"):
    logging.getLogger(_name).setLevel(logging.ERROR if _name == "tornado.application" else logging.CRITICAL)


class BoundedHTTPServer(tornado.httpserver.HTTPServer):
    """tornado's server with a cap on open connections."""

    max_connections = MAX_CONNECTIONS

    def handle_stream(self, stream: tornado.iostream.IOStream, address: tuple[Any, ...]) -> None:
        if len(self._connections) >= self.max_connections:
            stream.close()
            return
        super().handle_stream(stream, address)


@tornado.web.stream_request_body
class GuardedHandler(tornado.web.RequestHandler):
    """A POST handler that refuses before reading: `check_headers` may `reject` the request, and the body is
    read only up to `max_body` bytes. `handle(body)` answers a request that passed."""

    max_body = 1_000_000

    def prepare(self) -> None:
        if self.request.method != "POST":
            self.reject(405)
            return
        self._chunks: list[bytes] = []
        self.check_headers()
        if self._finished:
            return
        self.request.connection.set_max_body_size(self.max_body)  # type: ignore[union-attr]
        declared = self.request.headers.get("Content-Length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_body:
            self.reject(413)

    def check_headers(self) -> None:
        """Refuse with `self.reject(status)` what the headers alone show to be unwanted."""

    def reject(self, status: int, body: str = "") -> None:
        self.set_status(status)
        self.set_header("Connection", "close")  # the unread body must not be taken for the next request
        self.finish(body)

    def data_received(self, chunk: bytes) -> None:
        if not self._finished:
            self._chunks.append(chunk)

    async def post(self) -> None:
        await self.handle(b"".join(self._chunks))

    async def handle(self, body: bytes) -> None:
        raise NotImplementedError

    def log_exception(self, typ: Any, value: Any, tb: Any) -> None:
        if isinstance(value, tornado.web.HTTPError):
            log.debug("refused a request: %s", value)
        else:
            log.error("the HTTP handler failed", exc_info=(typ, value, tb))


def listen(app: tornado.web.Application, host: str, port: int) -> tuple[BoundedHTTPServer, int]:
    """Start serving `app` on the running event loop; the server and the port it got."""
    sockets = tornado.netutil.bind_sockets(port, host, family=socket.AF_INET, backlog=BACKLOG)
    server = BoundedHTTPServer(
        app,
        idle_connection_timeout=HEADER_TIMEOUT,
        body_timeout=BODY_TIMEOUT,
        max_header_size=MAX_HEADER_BYTES,
        max_body_size=GuardedHandler.max_body,
    )
    server.add_sockets(sockets)
    return server, int(sockets[0].getsockname()[1])


class ServerThread:
    """An HTTP server on an event loop of its own thread, for a surface whose work is threaded (Slack)."""

    def __init__(self, app: tornado.web.Application, host: str, port: int) -> None:
        self._app, self._host, self._port = app, host, port
        self._ready = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: BoundedHTTPServer | None = None
        self._error: BaseException | None = None
        self.port = 0
        self._thread = threading.Thread(target=self._run, name="coopbot-http", daemon=True)

    def start(self) -> None:
        """Bind and serve; raises OSError when the port cannot be had."""
        self._thread.start()
        self._ready.wait()
        if self._error is not None:
            raise self._error

    def _run(self) -> None:
        self._loop = asyncio.new_event_loop()
        asyncio.set_event_loop(self._loop)
        try:
            self._server, self.port = listen(self._app, self._host, self._port)
        except BaseException as err:
            self._error = err
            self._ready.set()
            return
        self._ready.set()
        self._loop.run_forever()
        self._loop.close()

    def stop(self) -> None:
        """Stop listening at once; requests being answered are cut off (they are in the inbox already)."""
        loop, server = self._loop, self._server
        if loop is None or server is None or not loop.is_running():
            return

        async def close() -> None:
            server.stop()
            await asyncio.wait_for(server.close_all_connections(), timeout=1.0)

        try:
            asyncio.run_coroutine_threadsafe(close(), loop).result(timeout=2.0)
        except Exception:  # connections that will not close in time are dropped with the loop
            log.debug("HTTP connections left open at stop", exc_info=True)
        loop.call_soon_threadsafe(loop.stop)
        self._thread.join(timeout=2.0)


# -- operations: /healthz, /readyz, /metrics --------------------------------------------------------------------


class _Ops(tornado.web.RequestHandler):
    def initialize(self, runtime: Runtime) -> None:
        self.runtime = runtime

    def log_exception(self, typ: Any, value: Any, tb: Any) -> None:
        log.error("an operations endpoint failed", exc_info=(typ, value, tb))


class HealthHandler(_Ops):
    """Alive: the process answers HTTP."""

    def get(self) -> None:
        self.set_header("Content-Type", "text/plain; charset=utf-8")
        self.finish("ok\n")


class ReadyHandler(_Ops):
    """Ready: the fact base is loaded, the database and Redis work and the platform answered when last called.
    What is degraded (an older fact base serving) is listed too, with 200: the bot answers. With `detailed` the
    body names what is wrong (hosts, ports, errors): for the loopback metrics port only."""

    def initialize(self, runtime: Runtime, detailed: bool = True) -> None:
        self.runtime, self.detailed = runtime, detailed

    def get(self) -> None:
        problems, degraded = self.runtime.health.problems(), self.runtime.health.degraded()
        self.set_status(503 if problems else 200)
        self.set_header("Content-Type", "application/json")
        body: dict[str, object] = {"ready": not problems}
        if self.detailed:
            body |= {"problems": problems, "degraded": degraded}
        self.finish(json.dumps(body, ensure_ascii=False))


class MetricsHandler(_Ops):
    def get(self) -> None:
        self.set_header("Content-Type", METRICS_CONTENT_TYPE)
        self.finish(self.runtime.metrics.exposition())


def ops_routes(
    runtime: Runtime, public: bool = False
) -> list[tuple[str, type[tornado.web.RequestHandler], dict[str, Any]]]:
    """The operations endpoints, for any tornado application. On a `public` port (the platform's own, which the
    world can reach) only whether the process lives and is ready, with no details and no metrics, unless
    `runtime.public_ops` says otherwise; everything on the metrics port."""
    full = not public or runtime.public_ops
    routes: list[tuple[str, type[tornado.web.RequestHandler], dict[str, Any]]] = [
        ("/healthz", HealthHandler, {"runtime": runtime}),
        ("/readyz", ReadyHandler, {"runtime": runtime, "detailed": full}),
    ]
    if full:
        routes.append(("/metrics", MetricsHandler, {"runtime": runtime}))
    return routes


def serve_ops(runtime: Runtime) -> ServerThread | None:
    """The operations endpoints on --metrics-port (loopback unless told), in every mode."""
    if runtime.metrics_port is None:
        return None
    server = ServerThread(tornado.web.Application(ops_routes(runtime)), runtime.metrics_host, runtime.metrics_port)
    server.start()
    log.info("health and metrics on http://%s:%d/metrics", runtime.metrics_host, server.port)
    return server
