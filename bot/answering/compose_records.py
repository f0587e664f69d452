"""Answers from records: the records chosen, each led by the detail asked (a length worked out from dates, an
end the record says another way), with the earlier statements of a figure that changed; and a thing's
overview."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace

from bot.answering.citations import note_blocks
from bot.answering.wording import Wording
from bot.factbase.model import Entity, Fact, Lang, Want, visible
from bot.reading.periods import stated_counts
from bot.showing.answer import Answer, Block
from bot.showing.formatting import days_between, format_date, format_range

HISTORY_LIMIT = 3  # earlier statements of a figure shown under the newest


class RecordAnswers(Wording):
    """The answers that state records."""

    def fact_blocks(self, fact: Fact, want: Want | None) -> list[Block]:
        text = self.details.lead_with(fact.text(self.lang), want)
        lead = self.duration_lead(fact.date, fact.end, text, want) + self.end_lead(fact.end, text, want)
        blocks = [Block("paragraph", lead + text)]
        if fact.detail:
            blocks.append(Block("paragraph", fact.detail(self.lang)))
        return blocks + note_blocks(fact.notes, self.lang, self.audience)

    def end_lead(self, end: str | None, text: str, want: Want | None) -> str:
        """'When did it end?' when the record gives the end as a field but says it another way (four nights)."""
        if want != "end" or not end or format_date(end, self.lang) in text:
            return ""
        return self.say("end_lead", date=format_date(end, self.lang)) + " "

    def duration_lead(self, start: str | None, end: str | None, text: str, want: Want | None) -> str:
        """'How many days?' when the record gives dates but no length: the length, worked out, first."""
        if want != "duration" or not start or not end or "duration" in self.details.in_text(text):
            return ""
        days = days_between(start, end)
        if days is None:
            return ""
        length = self.say("days", n=str(days))
        return self.say("duration_lead", days=length, range=format_range(start, end, self.lang)) + " "

    def facts_answer(
        self,
        facts: Sequence[Fact],
        confidence: float,
        entities: Iterable[str],
        want: Want | None = None,
        history: Sequence[Fact] = (),
        lead: str = "",
    ) -> Answer:
        """Records that answer the question; `history` are earlier statements of the same figure."""
        body: list[Block] = [Block("paragraph", lead)] if lead else []
        for fact in facts:
            body += self.fact_blocks(fact, want)
        said = " ".join(f.text(self.lang) for f in facts)
        # Only what was stated for an earlier time is an earlier figure ('and in 2018?' does not list 2022's).
        until = facts[0].as_of or facts[0].date or ""
        earlier = [
            f
            for f in history
            if f not in facts
            and visible(f, self.audience)
            and not _restated(f, said)
            and (f.as_of or f.date or "") <= until
        ][:HISTORY_LIMIT]
        if earlier:
            items = tuple(f.text(self.lang) for f in earlier)
            body += [Block("paragraph", self.say("count_history")), Block("list", items=items)]
        main = self.kb.entities[facts[0].about[0]]
        shown = [*facts, *earlier]
        return self.make(
            "answer",
            True,
            confidence,
            title=main.name(self.lang),
            body=body,
            entities=entities,
            facts=[f.id for f in shown],
            sources=[s for f in shown for s in f.sources],
            suggest_from=main,
        )

    def also_in_other_language(self, answer: Answer, fact: Fact) -> Answer:
        """The answer, and its record as written in the other language ('포럼 주제 영어로')."""
        other: Lang = "en" if self.lang == "ko" else "ko"
        return replace(answer, body=(*answer.body, Block("paragraph", fact.text(other))))

    def overview(self, entity: Entity, confidence: float, want: Want | None = None) -> Answer:
        lang = self.lang
        title = entity.name(lang)
        full = entity.full_name(lang) if entity.full_name else title
        # 'IsDB (Islamic Development Bank)'; a full name that holds the name is said alone.
        title = full if title.casefold() in full.casefold() else f"{title} ({full})"
        summary = self.details.lead_with(entity.summary(lang), want)
        lead = self.duration_lead(entity.start, entity.end, summary, want) + self.end_lead(entity.end, summary, want)
        summary = lead + summary
        body = [Block("paragraph", summary), *note_blocks(entity.notes, lang, self.audience)]
        return self.make(
            "answer",
            True,
            confidence,
            title=title,
            body=body,
            entities=(entity.id,),
            sources=entity.sources,
            suggest_from=entity,
            intent="overview",
        )


def _restated(fact: Fact, text: str) -> bool:
    """Whether an earlier figure is already in the text shown ('33 in 2022, up from 12 in 2013'): said once."""
    if fact.count is None:
        return False
    year = (fact.as_of or fact.date or "")[:4]
    return fact.count.value in stated_counts(text) and (not year or year in text)
