"""A figure the sources state at several dates, asked about as it changed: by how much it grew between two
years, how many times over, its trend, or what share of a whole it is (APPeN's members with e-procurement:
12 in 2013, 22 in 2018, 33 in 2022, of 40). The statements come from `Records.series`; the question's years
pick two of them, else the first and the last. A document named by what it is about ('the May 2024
Kyrgyzstan release') stands for the statements it makes.
"""

from __future__ import annotations

import itertools

from bot.answering.case import Case
from bot.answering.confidence import ACROSS
from bot.factbase.model import Cue, Fact, Quantity, visible
from bot.showing.answer import Answer
from bot.showing.formatting import format_count, format_date

CHANGE_CUES: frozenset[Cue] = frozenset({"difference", "ratio", "share"})
TOTAL_TOPIC = "members"  # the whole a share is of: APPeN's member countries


def year_of(fact: Fact) -> int:
    return int((fact.as_of or fact.date or "0")[:4])


class Series:
    """The change of one figure over time, for one case."""

    def __init__(self, case: Case) -> None:
        self.case, self.compose, self.lang = case, case.compose, case.lang

    def answer(self) -> Answer | None:
        case, cues = self.case, self.case.ask.cues
        named = [e for e in case.specific if e not in case.ranker.generic]
        if case.premise or len(named) > 1:
            return None  # (two things named are compared with each other: across.py)
        u = case.u
        if not (cues & CHANGE_CUES or (case.ask.want == "count" and u.years | u.document_years)):
            return None  # neither a change nor a count of a year: no statement over time is asked (no scan)
        series = self._series(named[0] if named else None)
        if series and len(case.kinds) > 1 and case.kinds - set(series[0].topics):
            return None  # 'from the first export to the Kyrgyzstan MOU': two events, the time between them
        asked = [f for f in series if year_of(f) in u.years | u.document_years]
        if "share" in cues and series:
            return self._share((asked or series)[-1])
        if (missing := self._year_not_stated(series)) is not None:
            return missing
        # A change asked ('증가폭', 'how did it change'), or a count asked at two of its dates ('2014년과 2024년에
        # 각각 몇 개국'); one date named asks that statement (what it says of its year), not the series.
        if len(series) < 2 or len(asked) == 1:
            return None
        if not (cues & CHANGE_CUES or (case.ask.want == "count" and len(asked) >= 2)):
            return None
        points = asked or series  # the years asked, else the whole series
        # 대비 (against) comes with a ratio and with a difference alike: 몇 배 and no difference asks the ratio.
        if "ratio" in cues and "difference" not in cues:
            lead = self._ratio(points[0], points[-1])
        else:
            steps = itertools.pairwise(points) if asked else [(points[0], points[-1])]
            lead = " ".join(self._change(first, last) for first, last in steps)
        return self.compose.facts_answer(points[::-1], ACROSS, [points[-1].about[0]], "count", (), lead)

    def _year_not_stated(self, series: list[Fact]) -> Answer | None:
        """'APPeN 전자조달 도입국 수 2024년 기준 수치가 있나?': a year none of the figure's statements is of, asked
        for the figure itself, is not on record; the years it is stated for are said."""
        case, u = self.case, self.case.u
        years = u.years | u.document_years
        if len(series) < 2 or len(years) != 1 or case.ask.want != "count" or case.ask.cues & CHANGE_CUES:
            return None
        year = next(iter(years))
        stated = [year_of(f) for f in series]
        if year in stated or series[-1].about[0] not in case.entities:
            return None  # (a figure of what the question is about, not of a document it names)
        line = self.compose.say(
            "series_not_for",
            years=", ".join(format_date(str(y), self.lang) for y in stated),
            year=format_date(str(year), self.lang),
        )
        subject = case.entity(series[-1].about[0])
        return self.compose.not_on_record(subject, line, series[-1])

    def _series(self, named: str | None) -> list[Fact]:
        """The statements of the figure asked about, oldest first: of the thing named, or of the document it
        names; else of whatever the question's topics fit best."""
        case = self.case
        counts = [f for f in case.kb.facts if f.count and visible(f, case.audience) and TOTAL_TOPIC not in f.topics]
        pools = [counts]
        if named:
            sources = set(case.entity(named).sources)
            pools = [[f for f in counts if named in f.about], [f for f in counts if sources & set(f.sources)]]
        asked = case.topics
        for i, pool in enumerate(pools):
            fitting = [f for f in pool if asked & set(f.topics) and len(case.records.series(f)) >= 2]
            if not fitting and i == 0 and named:
                # The one figure the thing named has a series of ('what share of APPeN's members introduced
                # e-procurement': 'introduced' says export, APPeN's figure is of adoption).
                own = {frozenset(f.id for f in case.records.series(f)) for f in pool}
                fitting = [f for f in pool if len(own) == 1 and len(case.records.series(f)) >= 2]
            if fitting:
                # Of what the question names, even in passing (KONEPS's export count, not APPeN's adopters).
                named_too = set(case.u.entity_ids)
                best = max(
                    fitting,
                    key=lambda f: (
                        bool(named_too & set(f.about)),
                        len(asked & set(f.topics)),
                        len(case.records.series(f)),
                    ),
                )
                return sorted(case.records.series(best), key=year_of)
        return []

    def _change(self, first: Fact, last: Fact) -> str:
        assert first.count is not None and last.count is not None
        change = last.count.value - first.count.value
        return self.compose.say(
            "series_change" if change >= 0 else "series_fall",
            change=format_count(self.case.kb, Quantity(abs(change), last.count.unit), self.lang),
            **self._ends(first, last),
        )

    def _ratio(self, first: Fact, last: Fact) -> str:
        assert first.count is not None and last.count is not None
        if not first.count.value:
            return self._change(first, last)
        times = f"{last.count.value / first.count.value:.2f}".rstrip("0").rstrip(".")
        return self.compose.say("series_ratio", times=times, **self._ends(first, last))

    def _ends(self, first: Fact, last: Fact) -> dict[str, str]:
        assert first.count is not None and last.count is not None
        kb, lang = self.case.kb, self.lang
        return {
            "first": format_date(str(year_of(first)), lang),
            "last": format_date(str(year_of(last)), lang),
            "first_value": format_count(kb, first.count, lang),
            "last_value": format_count(kb, last.count, lang),
        }

    def _share(self, latest: Fact) -> Answer | None:
        """'What share of APPeN's members had e-procurement by 2022?': the figure over the whole it is part of."""
        case = self.case
        wholes = [
            f
            for f in case.kb.facts
            if f.count
            and TOTAL_TOPIC in f.topics
            and f.about[0] == latest.about[0]
            and latest.count
            and f.count.unit == latest.count.unit
            and visible(f, case.audience)
        ]
        if not wholes or latest.count is None:
            return None
        whole = max(wholes, key=lambda f: f.as_of or f.date or "")
        assert whole.count is not None
        percent = f"{100 * latest.count.value / whole.count.value:.1f}".rstrip("0").rstrip(".")
        lead = self.compose.say(
            "series_share",
            year=format_date(str(year_of(latest)), self.lang),
            value=format_count(case.kb, latest.count, self.lang),
            part=f"{latest.count.value:g}",
            total=format_count(case.kb, whole.count, self.lang),
            percent=percent,
        )
        return self.compose.facts_answer([latest, whole], ACROSS, [latest.about[0]], "count", (), lead)
