"""Answers that say what is not on record: one short line saying exactly what the sources lack, then, set
apart, what they do say about the subject, and whom to ask."""

from __future__ import annotations

from collections.abc import Sequence

from bot.answering.confidence import NOT_ON_RECORD, NOTHING_ON
from bot.answering.records import Event
from bot.answering.wording import Wording
from bot.factbase.model import Entity, Fact, Want
from bot.reading.periods import Period
from bot.showing.answer import Answer, Block


class NotOnRecord(Wording):
    """The answers that say what the sources lack."""

    def missing(
        self,
        subject: Entity,
        topic: str | None,
        want: Want | None,
        qualifiers: Sequence[Entity] = (),
        counted: str | None = None,
    ) -> str:
        """The one line saying exactly what the sources lack: 'The sources give no amount for the Jordan export.'
        `counted`: what a count asked for counts, in the question's words ('trainers')."""
        name = subject.name(self.lang)
        if qualifiers:
            name = f"{name} ({', '.join(q.name(self.lang) for q in qualifiers)})"
        if counted:
            return self.say("not_on_record_counted", subject=name, counted=counted)
        if topic and name in self.kind_name(topic):
            name = ""  # '나라장터 수출', not '나라장터 나라장터 수출'
        elif topic and self.kind_name(topic).casefold() in name.casefold():
            topic = None  # 'the ADB training', not 'the ADB training training'
        if topic and want:
            return self.say(
                "not_on_record_detail", subject=name, topic=self.kind_name(topic), want=self.want_name(want)
            )
        if want:
            return self.say("not_on_record_want", subject=name, want=self.want_name(want))
        if topic:
            return self.say("not_on_record_topic", subject=name, topic=self.kind_name(topic))
        return self.say("not_on_record_other", subject=name)

    def not_on_record(self, subject: Entity, line: str, closest: Fact | None) -> Answer:
        """`line` says what the sources lack; then, set apart, what they do say about the subject, and whom to ask."""
        name = subject.name(self.lang)
        on_record = closest.text(self.lang) if closest else subject.summary(self.lang)
        body = [
            Block("paragraph", line),
            Block("paragraph", f"{self.say('on_record', subject=name)} {on_record}"),
            Block("paragraph", self.say("contact_answer")),
        ]
        return self.make(
            "unknown",
            False,
            NOT_ON_RECORD,
            title=name,
            body=body,
            entities=(subject.id,),
            sources=closest.sources if closest else subject.sources,
            suggest_from=subject,
            contact=self.default_contact,
        )

    def nothing_on(self, topic: str, subject: Entity | None = None, closest: Fact | None = None) -> Answer:
        """Something the sources never hold (a hotel, a fee, how to apply): that they say nothing of it, for what
        the question names if it names something, what they do say of that, and whom to ask."""
        if subject is not None:
            line = self.say("not_on_record_nothing_for", subject=subject.name(self.lang), topic=self.kind_name(topic))
            return self.not_on_record(subject, line, closest)
        return self.only_not_on_record(self.say("not_on_record_nothing", topic=self.kind_name(topic)), "", NOTHING_ON)

    def role_not_in_period(self, role: str, period: Period) -> Answer:
        line = self.say("not_on_record_role_period", period=self.period_name(period), role=self.kind_name(role))
        return self.only_not_on_record(line, self.kind_name(role))

    def only_not_on_record(self, line: str, title: str, confidence: float = NOT_ON_RECORD) -> Answer:
        """One line on what is not on record, and whom to ask: there is nothing nearer to show."""
        body = [Block("paragraph", line), Block("paragraph", self.say("contact_answer"))]
        return self.make("unknown", False, confidence, title=title, body=body, contact=self.default_contact)

    def role_not_on_record(self, role: str, event: Event) -> Answer:
        line = self.say(
            "not_on_record_role", event=event.subject.name(self.lang), date=self.when(event), role=self.kind_name(role)
        )
        body = [Block("paragraph", line), Block("paragraph", self.say("contact_answer"))]
        return self.make(
            "unknown",
            False,
            NOT_ON_RECORD,
            title=event.subject.name(self.lang),
            body=body,
            entities=(event.subject.id,),
            sources=event.sources,
            suggest_from=event.subject,
            contact=self.default_contact,
        )
