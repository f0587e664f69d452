"""The console surface: `coopbot chat` is a conversation in the terminal."""

from __future__ import annotations

import subprocess
import sys


def chat(*lines: str) -> str:
    run = subprocess.run(
        [sys.executable, "-m", "bot.commandline.cli", "chat"], input="".join(f"{line}\n" for line in lines),
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    return run.stdout


def test_chat_greets_then_answers_and_follows_up():
    out = chat("몽골에는 나라장터를 언제 수출했어요?", "튀니지는요?")
    assert out.index("2010") < out.index("2011")


def test_typing_a_suggestion_number_asks_it():
    out = chat("Kyrgyzstan MOU date", "1")
    assert out.count("> ") >= 1  # the chosen suggestion is echoed as the next question


def test_lang_command_pins_the_answer_language():
    out = chat("/lang en", "몽골 나라장터 언제")
    assert "KONEPS was exported to Mongolia in 2010" in out


def test_end_of_input_ends_the_chat_cleanly():
    assert chat() != ""


def test_binary_garbage_does_not_stop_the_chat():
    out = chat("\x00\x01\x02", "APPeN 회원국 수")
    assert "40" in out


def test_banner_says_how_to_leave():
    assert "quit" in chat().strip().split("\n\n")[-1]


def test_quit_exit_and_korean_end_the_chat_and_say_goodbye():
    for word in ("quit", "exit", "종료", "EXIT"):
        out = chat(word, "몽골 나라장터 언제")
        assert "2010" not in out and ("Goodbye" in out or "마칩니다" in out)


def test_a_reader_that_goes_away_ends_ask_quietly():
    """'coopbot ask ... | head -1': the pipe closes before the reply is written; no traceback, exit 0."""
    ask = subprocess.Popen(
        [sys.executable, "-m", "bot.commandline.cli", "ask", "--no-cache", "ADB연수 몇개국 몇명 왔어?"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert ask.stdout is not None and ask.stderr is not None
    ask.stdout.close()  # the reader is gone before anything is written
    stderr = ask.stderr.read()
    assert ask.wait(timeout=60) == 0 and b"Traceback" not in stderr
