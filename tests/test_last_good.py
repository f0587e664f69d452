"""A start that finds the fact base's YAML invalid serves the last base that validated and served, loudly: the
problems in the log, in readiness (degraded, still ready), in `/coop status` and to the curators' listeners.
Without a last good base (never served, the cache off) it stops with status 2, as `ask` and `validate` always do.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from fakes.ports import free_port, wait_accepting
from fakes.telegram_api import ALICE, FakeTelegram

from bot import Coopbot, Reloaded
from bot.answering.compiled import CompiledCache
from bot.answering.live import Base
from bot.curation.desk import Curation
from bot.factbase.files import KnowledgeError
from bot.factbase.loading import load
from bot.serving.convlog import Hasher
from bot.serving.database import Database

REPO = Path(__file__).resolve().parent.parent
COOPBOT = Path(sys.executable).with_name("coopbot")
TOO_LONG = "What is the budget? " * 31  # 620 characters: over the 500 a taught question may have
BROKEN = (
    "learned:\n"
    f"  - fact: vietnam-export\n    questions: [{json.dumps(TOO_LONG)}]\n    by: c0ffee\n    at: '2025-01-01'\n"
    "  - fact: no-such-fact\n    questions: [Anything?]\n    by: c0ffee\n    at: '2025-01-01'\n"
)


def command() -> list[str]:
    return [str(COOPBOT)] if COOPBOT.exists() else [sys.executable, "-m", "bot.commandline.cli"]


def coopbot(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """A command run to its end, with nothing on its standard input (a chat ends at once)."""
    return subprocess.run([*command(), *args], env=env, cwd=REPO, input="", capture_output=True, text=True, timeout=60)


def readiness(port: int) -> tuple[int, Any]:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=5) as response:
        return response.status, json.load(response)


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    """A cache and a database of the test's own."""
    return {**os.environ, "COOPBOT_CACHE": str(tmp_path / "cache"), "COOPBOT_DB": str(tmp_path / "coopbot.sqlite3")}


def problems_of(knowledge: Path) -> list[str]:
    with pytest.raises(KnowledgeError) as caught:
        load(knowledge)
    return [str(p) for p in caught.value.problems]


def served_once(knowledge: Path, env: dict[str, str]) -> None:
    """A chat on the valid base that ends at once: it validated and served."""
    assert coopbot("chat", "--knowledge", str(knowledge), env=env).returncode == 0


def test_a_start_with_a_broken_learned_file_serves_the_last_good_base_and_says_so(
    knowledge_copy: Path, env: dict[str, str], telegram: FakeTelegram, tmp_path: Path
) -> None:
    served_once(knowledge_copy, env)
    (knowledge_copy / "learned.yaml").write_text(BROKEN, encoding="utf-8")
    problems = problems_of(knowledge_copy)
    port, log = free_port(), tmp_path / "serve.log"
    served = {**env, "TELEGRAM_BOT_TOKEN": telegram.token, "TELEGRAM_API_BASE_URL": telegram.base_url}
    with log.open("wb") as out:
        process = subprocess.Popen(
            [*command(), "serve", "telegram", "--knowledge", str(knowledge_copy), "--metrics-port", str(port)],
            cwd=REPO, env=served, stdout=out, stderr=out,
        )  # fmt: skip
    try:
        wait_accepting(port, timeout=30)
        status, ready = readiness(port)
        telegram.say("What year did Vietnam get KONEPS?")
        [reply] = telegram.wait_replies(ALICE["id"], timeout=20)
    finally:
        process.send_signal(signal.SIGTERM)
        code = process.wait(timeout=15)
    assert code == 0, log.read_text()
    assert "2008" in reply.text
    assert status == 200 and ready["ready"] is True
    [(name, note)] = ready["degraded"].items()
    assert name == "fact base" and f"{len(problems)} problem(s)" in note
    [error] = [line for line in map(json.loads, log.read_text().splitlines()) if line["level"] == "ERROR"]
    assert all(problem in error["event"] for problem in problems) and "last good" in error["event"]


def test_a_start_with_a_broken_base_and_no_last_good_one_exits_2(knowledge_copy: Path, env: dict[str, str]) -> None:
    (knowledge_copy / "learned.yaml").write_text(BROKEN, encoding="utf-8")
    run = coopbot("chat", "--knowledge", str(knowledge_copy), env=env)
    assert run.returncode == 2
    assert "learned.yaml" in run.stderr and "no-such-fact" in run.stderr


def test_a_start_with_the_cache_off_has_no_last_good_base_and_exits_2(
    knowledge_copy: Path, env: dict[str, str]
) -> None:
    served_once(knowledge_copy, env)
    (knowledge_copy / "learned.yaml").write_text(BROKEN, encoding="utf-8")
    run = coopbot("chat", "--knowledge", str(knowledge_copy), "--no-cache", env=env)
    assert run.returncode == 2 and "no-such-fact" in run.stderr


def test_ask_and_validate_still_fail_on_a_broken_base_that_had_a_last_good_one(
    knowledge_copy: Path, env: dict[str, str]
) -> None:
    served_once(knowledge_copy, env)
    (knowledge_copy / "learned.yaml").write_text(BROKEN, encoding="utf-8")
    assert coopbot("ask", "--knowledge", str(knowledge_copy), "hello", env=env).returncode == 2
    assert coopbot("validate", "--knowledge", str(knowledge_copy), env=env).returncode == 1


def fallen_back(knowledge: Path, cache: CompiledCache) -> Coopbot:
    """What `serve` does at a start that finds `knowledge` invalid after it served once with `cache`."""
    Coopbot.from_dir(knowledge, cache=cache).live.served()
    (knowledge / "learned.yaml").write_text(BROKEN, encoding="utf-8")
    with pytest.raises(KnowledgeError) as caught:
        Coopbot.from_dir(knowledge, cache=cache)
    good = Base.last_good(knowledge, cache)
    assert good is not None
    bot = Coopbot(good, directory=knowledge, cache=cache)
    bot.live.fell_back(caught.value.problems)
    return bot


def test_the_curators_listener_hears_of_a_fallback_start_when_it_starts_listening(
    knowledge_copy: Path, tmp_path: Path
) -> None:
    bot = fallen_back(knowledge_copy, CompiledCache(tmp_path / "cache"))
    heard: list[Reloaded] = []
    bot.live.listen(heard.append)
    [told] = heard
    assert not told.ok and [str(p) for p in told.problems] == problems_of(knowledge_copy)


def test_status_shows_the_problems_of_a_fallback_start(knowledge_copy: Path, tmp_path: Path) -> None:
    bot = fallen_back(knowledge_copy, CompiledCache(tmp_path / "cache"))
    db = Database(tmp_path / "coopbot.sqlite3")
    try:
        status = Curation(bot, db, Hasher.of(db), frozenset()).status("en")
    finally:
        db.close()
    assert "2 problem(s)" in status and all(problem in status for problem in problems_of(knowledge_copy))


def test_a_fixed_base_is_served_again_and_no_longer_degraded(knowledge_copy: Path, tmp_path: Path) -> None:
    bot = fallen_back(knowledge_copy, CompiledCache(tmp_path / "cache"))
    assert bot.live.degraded() is not None
    (knowledge_copy / "learned.yaml").unlink()
    assert bot.reload().ok
    assert bot.live.degraded() is None and bot.live.last_problems == ()
