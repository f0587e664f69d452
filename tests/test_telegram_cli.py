"""`coopbot serve telegram` as a real process against the fake Bot API: it answers, and a signal stops it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from fakes.telegram_api import ALICE, MINJUN, FakeTelegram

from adapters.telegram import Settings, surface
from bot import NotConfigured
from bot.commandline.cli import build_parser

REPO = Path(__file__).resolve().parent.parent
COOPBOT = Path(sys.executable).with_name("coopbot")


def serve(telegram: FakeTelegram, log: Path, token: str | None = None) -> subprocess.Popen[bytes]:
    command = [str(COOPBOT)] if COOPBOT.exists() else [sys.executable, "-m", "bot.commandline.cli"]
    env = {**os.environ, "TELEGRAM_BOT_TOKEN": token or telegram.token, "TELEGRAM_API_BASE_URL": telegram.base_url,
           "COOPBOT_DB": str(log.parent / "coopbot.sqlite3")}  # fmt: skip
    with log.open("wb") as out:
        return subprocess.Popen([*command, "serve", "telegram"], cwd=REPO, env=env, stdout=out, stderr=out)


def stop(process: subprocess.Popen[bytes], how: signal.Signals, log: Path) -> int:
    process.send_signal(how)
    try:
        return process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        process.kill()
        raise AssertionError(f"still running 5 s after {how.name}:\n{log.read_text()}") from None


def test_serve_telegram_answers_korean_and_english_with_working_buttons(telegram: FakeTelegram, tmp_path: Path) -> None:
    log = tmp_path / "serve.log"
    process = serve(telegram, log)
    try:
        telegram.say("몽골에는 나라장터를 언제 수출했어요?", user=MINJUN)
        korean = telegram.wait_replies(MINJUN["id"], timeout=20)[0]
        telegram.say("What year did Vietnam get KONEPS?")
        english = telegram.wait_replies(ALICE["id"])[0]
        telegram.press(english, 0)
        followed = telegram.wait_replies(ALICE["id"], after=1)[0]
    finally:
        code = stop(process, signal.SIGTERM, log)
    assert "2010" in korean.text
    assert "2008" in english.text
    assert followed.text.startswith(english.buttons[0][0])
    assert len(telegram.callback_answers) == 1
    assert code == 0, log.read_text()
    assert telegram.token not in log.read_text()


def test_a_rejected_token_is_never_printed(telegram: FakeTelegram, tmp_path: Path) -> None:
    log, wrong = tmp_path / "serve.log", "7000000002:AAAnotherTokenTheServerRejects_987654"
    process = serve(telegram, log, token=wrong)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        stop(process, signal.SIGTERM, log)
    assert wrong not in log.read_text() and "[redacted]" in log.read_text()


@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGINT])
def test_signal_stops_it_within_seconds_without_losing_updates(
    telegram: FakeTelegram, tmp_path: Path, how: signal.Signals
) -> None:
    log = tmp_path / "serve.log"
    process = serve(telegram, log)
    telegram.wait_for(lambda: "getUpdates" in telegram.arrived, timeout=20, what="polling")
    for n in range(5):
        telegram.say(f"What year did Vietnam get KONEPS? ({n})")
    telegram.wait_for(lambda: telegram.delivered >= telegram.last_update_id, what="updates taken")
    code = stop(process, how, log)
    assert code == 0, log.read_text()
    # Every update was answered, or left unconfirmed for Telegram to deliver again: none is lost.
    assert len(telegram.replies(ALICE["id"])) + len(telegram.pending_updates()) >= 5


def test_configured_only_with_a_token() -> None:
    assert surface.configured({"TELEGRAM_BOT_TOKEN": "1:x"})
    assert not surface.configured({"TELEGRAM_BOT_TOKEN": ""})
    assert not surface.configured({})


def test_arguments_and_environment_make_the_settings() -> None:
    args = build_parser("telegram").parse_args(
        ["serve", "telegram", "--lang", "ko", "--webhook-url", "https://bot.example/tg/hook", "--port", "9000"]
    )
    env = {"TELEGRAM_BOT_TOKEN": "1:x", "TELEGRAM_API_BASE_URL": "http://127.0.0.1:1/bot",
           "TELEGRAM_WEBHOOK_SECRET": "s3cret"}  # fmt: skip
    assert surface.settings(args, env) == Settings(
        token="1:x", base_url="http://127.0.0.1:1/bot", default_lang="ko", webhook_url="https://bot.example/tg/hook",
        port=9000, secret_token="s3cret",
    )  # fmt: skip


def test_serving_without_a_token_is_refused() -> None:
    with pytest.raises(NotConfigured, match="TELEGRAM_BOT_TOKEN"):
        surface.settings(build_parser("telegram").parse_args(["serve", "telegram"]), {})
