"""Feedback on answers: a 👍 or 👎 per person per answer (changing it replaces it), and after a 👎 what
they were looking for. Kept in the database by the answer's `ref` (the logged question), with the
person as a keyed hash; `coopbot report` lists the answers voted down with their comments."""

from __future__ import annotations

import time

from bot.serving.convlog import Hasher, safe_text
from bot.serving.database import Database

MAX_COMMENT = 2000  # characters


class Feedback:
    def __init__(self, db: Database, hasher: Hasher) -> None:
        self.db, self.hasher = db, hasher

    def vote(self, ref: str, person: str, up: bool) -> None:
        self.db.write(
            "INSERT INTO feedback (ref, person, vote, at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (ref, person) DO UPDATE SET vote = excluded.vote, at = excluded.at",
            [(ref, self.hasher(person), 1 if up else -1, time.time())],
        )

    def comment(self, ref: str, person: str, text: str) -> None:
        """What a person who voted an answer down was looking for (a 👎 if they had not voted)."""
        self.db.write(
            "INSERT INTO feedback (ref, person, vote, comment, at) VALUES (?, ?, -1, ?, ?)"
            " ON CONFLICT (ref, person) DO UPDATE SET comment = excluded.comment, at = excluded.at",
            [(ref, self.hasher(person), safe_text(text)[:MAX_COMMENT], time.time())],
        )
