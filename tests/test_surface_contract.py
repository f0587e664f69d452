"""The Surface contract proven by a surface written from the README's "Adding a surface" alone.

A small web surface (POST a question, get the answer's layout as JSON) is written to a temporary
directory with an entry point of its own, then served by the real `coopbot serve web` process.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from bot import Surface

COOPBOT = Path(sys.executable).with_name("coopbot")
REPO = Path(__file__).resolve().parent.parent

WEB_SURFACE = '''
"""A web surface: POST /ask {"text", "session"} -> the answer's layout as JSON parts."""

from __future__ import annotations

import argparse
import json
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from bot import Coopbot, NotConfigured, Question, Runtime, lay_out


@dataclass(frozen=True)
class WebSettings:
    token: str
    port: int


class WebSurface:
    name = "web"

    def configured(self, env: Mapping[str, str]) -> bool:
        return bool(env.get("WEB_TOKEN"))

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--port", type=int, default=0)

    def settings(self, args: argparse.Namespace, env: Mapping[str, str]) -> WebSettings:
        if not env.get("WEB_TOKEN"):
            raise NotConfigured(["set WEB_TOKEN to serve on the web"])
        return WebSettings(env["WEB_TOKEN"], args.port)

    def run(self, bot: Coopbot, settings: WebSettings, runtime: Runtime) -> int:
        asking = runtime.asking(bot)

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                if self.headers.get("Authorization") != f"Bearer {settings.token}":
                    self.send_error(403)
                    return
                request = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                session = f"web:{request['session']}"
                with asking.turn(Question(request["text"], "web", session=session, person=session)) as turn:
                    answer = turn.answer()
                    if answer is None:  # over the limit, told so already
                        self.send_error(429)
                        return
                    layout = lay_out(answer)
                    parts = [{"role": p.role, "text": p.text, "items": list(p.items), "label": p.label}
                             for p in layout.parts]
                    body = json.dumps({"lang": layout.language, "parts": parts}).encode()
                    self.send_response(200)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                    turn.delivered("sent")

        server = ThreadingHTTPServer(("127.0.0.1", settings.port), Handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        print(f"web surface on port {server.server_address[1]}", flush=True)
        runtime.stop.wait()
        server.shutdown()
        server.server_close()
        return 0


surface = WebSurface()
'''


@pytest.fixture
def installed(tmp_path: Path) -> dict[str, str]:
    """The web surface and its entry point in a directory on PYTHONPATH, as an installed package would be."""
    (tmp_path / "web_surface.py").write_text(WEB_SURFACE)
    info = tmp_path / "coopbot_web_surface-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: coopbot-web-surface\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text("[coopbot.surfaces]\nweb = web_surface:surface\n")
    path = os.pathsep.join(filter(None, [str(tmp_path), str(REPO), os.environ.get("PYTHONPATH")]))
    return {**os.environ, "PYTHONPATH": path, "COOPBOT_DB": str(tmp_path / "coopbot.sqlite3")}


def command() -> list[str]:
    return [str(COOPBOT)] if COOPBOT.exists() else [sys.executable, "-m", "bot.commandline.cli"]


def post(port: int, question: str, token: str = "t0ken") -> Any:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/ask", json.dumps({"text": question, "session": "s1"}).encode(),
        headers={"Authorization": f"Bearer {token}"},
    )  # fmt: skip
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)


def test_the_core_surfaces_satisfy_the_contract() -> None:
    from adapters import console, slack, telegram

    assert all(isinstance(m.surface, Surface) for m in (console, slack, telegram))
    assert [m.surface.name for m in (console, slack, telegram)] == ["console", "slack", "telegram"]


def test_a_new_surface_is_listed_by_serve_through_its_entry_point(installed: dict[str, str]) -> None:
    run = subprocess.run([*command(), "serve", "--help"], env=installed, capture_output=True, text=True, timeout=60)
    assert run.returncode == 0 and "web" in run.stdout


def test_a_surface_missing_its_settings_says_what_to_set_and_exits_2(installed: dict[str, str]) -> None:
    env = {k: v for k, v in installed.items() if k != "WEB_TOKEN"}
    run = subprocess.run([*command(), "serve", "web"], env=env, capture_output=True, text=True, timeout=60)
    assert run.returncode == 2
    assert run.stderr.strip() == "coopbot serve web: set WEB_TOKEN to serve on the web"


def test_a_new_surface_answers_from_the_layout_and_stops_on_sigterm(installed: dict[str, str]) -> None:
    env = {**installed, "WEB_TOKEN": "t0ken"}
    process = subprocess.Popen(
        [*command(), "serve", "web", "--port", "0"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True,
    )  # fmt: skip
    try:
        assert process.stdout is not None
        port = int(re.findall(r"port (\d+)", process.stdout.readline())[0])
        korean = post(port, "몽골에는 나라장터를 언제 수출했어요?")
        sources = post(port, "출처는?")
    finally:
        process.send_signal(signal.SIGTERM)
        code = process.wait(timeout=10)
    assert code == 0
    assert korean["lang"] == "ko" and any("2010" in p["text"] for p in korean["parts"])
    assert [p["role"] for p in sources["parts"]].count("sources") == 0  # the body lists them already
    report = subprocess.run([*command(), "report", "--format", "json"], env=env, capture_output=True, timeout=60)
    kept = json.loads(report.stdout)  # the policy kept both questions, as asked on the web
    assert kept["totals"]["questions"] == 2 and {day["surface"] for day in kept["usage"]["by_day"]} == {"web"}
