"""The button-flood scenario of bench/faults.py: one member of a Telegram group presses 👎 again and again while
another member asks a question there.

coopbot polls (telegram-polling). Member A asks a question and gets an answer with 👍/👎 under it
(adapters/telegram/rendering.py's feedback row); member B asks QUESTION and B's wait is timed (from the
message being available to coopbot's reply quoting it). Then A presses 👎 --presses times, PRESS_RATE a
second (each a callback_query with the button's data); halfway through, B asks QUESTION again, and B's
wait is timed again, up to --flood-wait seconds. The target: the flood adds less than TARGET seconds.
"""

from __future__ import annotations

import threading
import time

from faults_intake import TelegramIntake
from faults_planted import bot_message, callback_data
from faults_support import LOST, SENT, Case, exits
from load_fakes import Json, TgQuestion
from load_support import seconds
from load_telegram import MENTION, groups

QUESTION = "When did PPS sign an MOU with ADB?"
PRESS_RATE = 20.0  # presses a second
TARGET = 2.0  # seconds the flood may add to B's wait
WAIT = 10.0


def button_flood(case: Case) -> None:
    """Member A presses 👎 under an answer many times while member B asks a question in the same group."""
    run, settings = case.run, case.settings
    presses = settings.presses
    run.result.setup = f"telegram-polling: {presses} 👎 presses at {PRESS_RATE:g}/s; B asks after {presses // 2}"
    tg = TelegramIntake(run, webhook=False)
    proc = tg.start({"COOPBOT_USER_LIMIT": "20"})  # the product's default limit
    chat = groups(1)[0][0]
    a: Json = {"id": 5001, "is_bot": False, "first_name": "Presser", "language_code": "en"}
    b: Json = {"id": 5002, "is_bot": False, "first_name": "Asker", "language_code": "en"}
    (first,) = tg.fake.post_messages([(chat, a, f"{MENTION} What is KONEPS?")])
    answer = tg.wait_reply(first, WAIT)
    down = next((d for d in callback_data(answer.markup) if d.startswith("fb:d:")), None) if answer else None
    if answer is None or down is None:
        run.note("A's answer came without a 👎 button: nothing to press")
        exits(run, [proc])
        return
    (calm,) = tg.fake.post_messages([(chat, b, f"{MENTION} {QUESTION}")])
    reply = tg.wait_reply(calm, WAIT)
    baseline = reply.at - calm.available if reply else None
    time.sleep(1.0)
    stormy: list[TgQuestion] = []

    def press() -> None:
        began = time.monotonic()
        for n in range(presses):
            time.sleep(max(0.0, began + n / PRESS_RATE - time.monotonic()))
            if n == presses // 2:
                stormy.extend(tg.fake.post_messages([(chat, b, f"{MENTION} {QUESTION}")]))
            tg.press(chat, a, bot_message(answer), down)

    flood = threading.Thread(target=press, daemon=True)
    flood.start()
    run.wait(lambda: bool(stormy), timeout=WAIT)
    during = None
    if stormy:
        question = stormy[0]
        found = tg.wait_reply(question, settings.flood_wait)
        during = found.at - question.available if found else None
    flood.join(timeout=WAIT)
    prompts = sum(1 for s in tg.fake.snapshot() if s.chat_id == chat["id"] and s.reply_to is None)
    run.set(**{SENT: 2, LOST: (baseline is None) + (during is None)})
    shown = seconds(during) if during is not None else f"over {settings.flood_wait:g} s (no answer)"
    verdict = ""
    if baseline is not None and during is not None:
        extra = during - baseline
        verdict = f" (+{extra:.2f} s; target < {TARGET:g} s: {'met' if extra < TARGET else 'NOT met'})"
    run.note(f"B's answer: {seconds(baseline)} without the flood, {shown} during it{verdict}")
    run.detail(f"{prompts} messages without a quote (👎 prompts, apologies) in the group by the end")
    exits(run, [proc])
