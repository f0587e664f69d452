"""The countries of a programme named ('IDB course participating countries'), listed with the count its sources
state; whether a country named took part in it; and, when the sources count its members but name none, so."""

from __future__ import annotations

from bot.answering.case import Case
from bot.factbase.model import visible
from bot.reading.periods import stated_counts
from bot.reading.question import subjects_of, want_of
from bot.showing.answer import Answer


class ProgrammeCountries:
    """The countries of the programmes one turn names."""

    def __init__(self, turn: Case) -> None:
        self.turn, self.u, self.kb, self.compose, self.ranker = turn, turn.u, turn.kb, turn.compose, turn.ranker

    def answer(self) -> Answer | None:
        """The countries of a programme ('IDB course participating countries'), with the count stated; when the
        sources count them but name none ('the 40 APPeN members'), say so."""
        # '참여국은?': naming only who took part, with no other question, asks for them.
        who_only = self.turn.intent is None and bool(self.turn.topics) and self.turn.topics <= {"countries", "members"}
        # 'the countries besides Kyrgyzstan': the others are asked for.
        others = "besides" in self.u.cues and "countries" in self.turn.topics
        listing = self.turn.intent == "list" or "all" in self.u.cues or who_only or others
        member = self._member()
        # ('Which 18 countries attended the forum?': the forum is the programme named, not another subject.)
        about_else = subjects_of(self.kb, self.turn.topics) - {"countries", "participants", "members"} - self.turn.kinds
        who_took_part = bool(self.turn.topics & {"countries", "participants", "members"})
        if not (listing or member) or about_else or not (who_took_part or member):
            return None
        for eid in self.turn.specific:
            entity = self.turn.entity(eid)
            if entity.type != "programme":
                continue
            asked = (self.turn.topics - self.turn.kinds) or {"countries"}  # (the forum of 'forum countries' says which)
            counts = [
                f
                for f in self.ranker.facts_about(eid)
                if f.count and f.about[0] == eid and asked & set(f.topics) and visible(f, self.turn.audience)
            ]
            countries = [c for c in entity.countries if self.turn.entity(c).type == "country"]
            set_aside = [c for c in countries if others and c in self.turn.entities]
            if set_aside and len(set_aside) == len(countries):
                line = self.compose.say(
                    "names_no_others",
                    subject=entity.name(self.turn.lang),
                    what=self.compose.kind_name("countries"),
                    named=", ".join(self.compose.name(c) for c in set_aside),
                )
                return self.compose.not_on_record(entity, line, counts[0] if counts else None)
            countries = [c for c in countries if c not in set_aside]
            if countries and (self.turn.intent == "list" or member or who_only or others):
                names = [self.compose.name(c) for c in countries]
                # The stated count leads: a source may name fewer countries than it counts.
                lead = counts[0].text(self.turn.lang) if counts else ""
                # The countries it counts, not the people (21 officials from 11 countries).
                counted = next((f.count.value for f in counts if f.count and f.count.unit == "countries"), 0)
                # Every one counted asked for ('11개국 전체 리스트', '나머지 9개국'), and the sources name fewer: not on
                # record, but for those they name.
                every = ("all" in self.u.cues and counted in stated_counts(self.u.text)) or (others and not set_aside)
                partial = counted > len(names) and every and not member
                if partial:
                    lead += " " + self.compose.say("names_not_all", count=f"{counted:g}", named=str(len(names)))
                elif counted > len(names):
                    lead += " " + self.compose.say("names_some", named=str(len(names)))  # 14 counted, 10 named
                sources = [*entity.sources, *(counts[0].sources if counts else ())]
                answer = self.compose.listing(entity.name(self.turn.lang), names, sources, entity, lead)
                if partial:
                    return self.compose.as_not_on_record(answer)
                # 'Was Mongolia in the pilot too?': yes, ahead of the list that shows it.
                return self.compose.prepend(answer, self.compose.say("premise_yes") if member else "")
            every = "all" in self.u.cues or any(f.count and f.count.value in stated_counts(self.u.text) for f in counts)
            if counts and not countries and every:  # ('which 18 countries took part?': the 18 are not named)
                topic = sorted(asked & set(counts[0].topics))[0]
                line = self.compose.say(
                    "names_not_listed", subject=entity.name(self.turn.lang), what=self.compose.kind_name(topic)
                )
                return self.compose.not_on_record(entity, line, counts[0])
        return None

    def _member(self) -> bool:
        """'Did the Dominican Republic take part in the IDB course too?': a country named with a programme whose
        countries include it, in a question about taking part rather than a detail."""
        if "besides" in self.u.cues:
            return False  # 'the 11 countries except Kyrgyzstan and Sri Lanka': the others are asked for
        named = [e for e in self.turn.entities if self.turn.entity(e).type == "country" and e not in self.u.anchors]
        programmes = [self.turn.entity(e) for e in self.turn.entities if self.turn.entity(e).type == "programme"]
        if not named or not any(c in p.countries for c in named for p in programmes):
            return False
        taking_part = bool(self.turn.topics & {"participants", "countries"}) or self.turn.intent == "list"
        return taking_part and want_of(self.kb, self.turn.intent, self.u.cues, self.turn.topics) in (None, "person")
