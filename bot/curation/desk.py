"""What curators do from where they work: see the week's largest unanswered clusters, teach one as a way
of asking an existing record, or dismiss it; and see which fact base is serving.

Teaching writes knowledge/learned.yaml (bot/learned.py) and reloads: the change is validated before it is
written and is live within seconds; a teaching the loader would refuse is not written, and the problems are
returned as a reload's are (the curator is told, the serving base is unchanged).
Curators are named by their platform ids (`COOPBOT_CURATORS`, comma separated); what is written down
of them is a keyed hash.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import UTC, datetime

from rapidfuzz import fuzz

from bot.answering.learned import LEARNED_FILE
from bot.answering.live import Reloaded
from bot.core import Coopbot
from bot.curation import report
from bot.curation.report_model import Cluster
from bot.curation.teaching import teach
from bot.factbase.files import KnowledgeError, Problem
from bot.factbase.model import Lang
from bot.serving.convlog import Hasher
from bot.serving.database import Database

REPORT_DAYS = 7
REPORT_CLUSTERS = 5
SEARCH_RESULTS = 20
SEARCH_SCORE = 60.0


class Curation:
    def __init__(self, bot: Coopbot, db: Database, hasher: Hasher, curators: frozenset[str]) -> None:
        self.bot, self.db, self.hasher, self.curators = bot, db, hasher, curators

    def is_curator(self, person: str | None) -> bool:
        return bool(person) and person in self.curators

    def clusters(self, days: int = REPORT_DAYS, limit: int = REPORT_CLUSTERS) -> tuple[Cluster, ...]:
        """The period's largest clusters of unanswered questions, with their likely records."""
        return report.build(self.db, self.bot.kb, time.time() - days * 86400.0).unanswered[:limit]

    def teach(self, questions: Sequence[str], fact: str, by: str) -> Reloaded:
        """`questions` become ways of asking record `fact`; live at once if the fact base stays valid. What keeps
        a teaching out (the loader's problems with it, a directory that cannot be written) comes back as a failed
        reload's problems, and nothing is written."""
        directory = self.bot.live.directory
        if directory is None:
            raise RuntimeError("this fact base was not loaded from a directory")
        try:
            teach(directory, fact, questions, self.hasher(by))
        except KnowledgeError as err:
            return Reloaded(self.bot.live.base, tuple(err.problems))
        except OSError as err:
            problem = Problem(f"{directory.name}/{LEARNED_FILE}", 0, "file", f"cannot be written ({err.strerror})")
            return Reloaded(self.bot.live.base, (problem,))
        return self.bot.reload()

    def search(self, text: str, lang: Lang, limit: int = SEARCH_RESULTS) -> list[tuple[str, str]]:
        """Facts whose text (in either language) or id best match what a curator typed: (id, text) pairs."""
        typed = text.strip()
        if not typed:
            return []
        scored = []
        for fact in self.bot.kb.facts:
            score = max(
                fuzz.partial_ratio(typed.casefold(), t.casefold()) for t in (fact.text("ko"), fact.text("en"), fact.id)
            )
            scored.append((score, fact.id, fact.text(lang)))
        scored.sort(key=lambda found: -found[0])
        return [(ident, shown) for score, ident, shown in scored[:limit] if score >= SEARCH_SCORE]

    def dismiss(self, questions: Sequence[str], by: str) -> None:
        """Set questions aside: later reports leave them out."""
        now, who = time.time(), self.hasher(by)
        self.db.write(
            "INSERT INTO dismissed (question, by, at) VALUES (?, ?, ?) ON CONFLICT (question) DO NOTHING",
            [(q, who, now) for q in questions],
        )

    def status(self, lang: Lang) -> str:
        """The serving fact base's version, when it was loaded, its counts, and the last reload problem."""
        base, live = self.bot.live.base, self.bot.live
        counts = base.kb.summary_counts()
        loaded = datetime.fromtimestamp(base.loaded_at, UTC).isoformat(timespec="seconds")
        line = self.bot.message(
            "status",
            lang,
            version=base.version or "-",
            loaded=loaded,
            facts=str(counts.get("facts", 0)),
            sources=str(counts.get("sources", 0)),
            learned=str(len(base.kb.learned)),
        )
        if live.last_problems:
            shown = "\n".join(str(p) for p in live.last_problems[:10])
            line += "\n" + self.bot.message("status_problem", lang, count=str(len(live.last_problems))) + "\n" + shown
        return line
