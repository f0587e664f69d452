"""From a raw message to what it asks: names, language, intent scores, topics, cues, years, and what is counted.

Reading goes in stages over what the fact base's ways of asking are (lexicon.py): the question's words and
the names among them; the topics and cues whose signals it writes (signals.py); how well each intent's
phrasings explain it; its language; programmes it names by a partner or country and a keyword; and what 'how
many' counts (counting.py).
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

from bot.factbase.model import Cue, Intent, Lang
from bot.reading.counting import asked_word, counted
from bot.reading.entities import Mention, Spotted, is_particles, strip_particles
from bot.reading.language import detect
from bot.reading.lexicon import Lexicon
from bot.reading.ordinals import nth
from bot.reading.parts import KO_QUESTION_STARTS
from bot.reading.periods import MONTH_WORDS, Period, document_years, full_years, period_in, without_document_dates
from bot.reading.signals import candidates, in_order, inside_longer
from bot.reading.vocabulary import STOPWORDS, english_bases, exact_table, match_table, phrase_score
from bot.text.normalize import alias_key, is_hangul, normalize, syllables, words

YEAR = re.compile(r"(?<!\d)(19[89]\d|20[0-4]\d)(?!\d)")
PHRASE_WEIGHT, QUESTION_WEIGHT = 0.75, 0.25
FALLBACK_INTENTS = {"overview": 1, "followup": 2}
LENGTH_BONUS = 0.01
OPENING_BONUS = 0.02
QUESTION_WORDS = frozenset({"how", "what", "which", "who", "when", "where", "why"})
# Question words that ask something of their own; 'what about' and '어때' ask the last question again.
OWN_QUESTION_WORDS = frozenset({"which", "who", "when", "where", "why"})
NUMBER_WITH_UNIT = re.compile(r"^\d[\d,.]*(?:년|월|일|명|개국|개|곳|억|만|원|달러|차|회|박|위|%)")


@dataclass(frozen=True, slots=True)
class Understanding:
    text: str  # normalised
    lang: Lang
    mentions: tuple[Mention, ...]
    residual: tuple[str, ...]
    intents: tuple[tuple[Intent, float], ...]  # best first
    implied: tuple[str, ...]  # programmes named by a partner or country plus a keyword (ADB + 연수)
    anchors: frozenset[str]  # the names that, with a keyword, named an implied programme (ADB in 'ADB 연수')
    topics: frozenset[str]
    years: frozenset[int]
    unexplained: tuple[str, ...] = ()  # words that are neither names nor known ways of asking
    cues: frozenset[Cue] = frozenset()  # what kind of answer: first, latest, since, more, confirm, all, ...
    period: Period | None = None  # the period named: in May 2024, before 2010
    terms: tuple[str, ...] = ()  # the question's words that signal a topic, as written (for finding them in text)
    counted: str | None = None  # the topic of what 'how many' counts: countries, participants, members
    asked_word: str | None = None  # the question's own word for what is counted or named: 'trainers', '총재는'
    nth: int | None = None  # the place in a series asked for: 2 in 'the second country KONEPS went to'
    document_years: frozenset[int] = frozenset()  # years that name a document ('the 2014 article'), not a period
    edition: bool = False  # 'the next World Bank forum': another edition of what is named, not what followed it

    @property
    def has_question_word(self) -> bool:
        """'Which banks besides the World Bank?' asks a question of its own; 'and Tunisia?' borrows one."""
        return any(w in OWN_QUESTION_WORDS or w.startswith(KO_QUESTION_STARTS) for w in self.residual)

    @property
    def entity_ids(self) -> tuple[str, ...]:
        seen: dict[str, None] = dict.fromkeys(self.implied)
        for m in self.mentions:
            if m.known:
                seen.setdefault(m.target, None)
        return tuple(seen)

    @property
    def unknown(self) -> tuple[Mention, ...]:
        return tuple(m for m in self.mentions if not m.known)

    def intent_score(self, intent: Intent) -> float:
        return dict(self.intents).get(intent, 0.0)


@dataclass(frozen=True, slots=True)
class Words:
    """A question's words as the stages of reading look at them."""

    tokens: list[str]  # every word, a hyphen between two names split ('pps-adb')
    residual: list[str]  # the words that are not names
    joined: list[str]  # adjacent Korean words written together, where one is short (몇 + 명이었어)
    free: list[str]  # the words outside names of several words


class Understander(Lexicon):
    """Reads questions, with what the fact base's ways of asking are (Lexicon)."""

    def read(self, text: str, chat_lang: Lang | None) -> Understanding:
        """What a message asks, read in the language of the chat unless its words say otherwise."""
        norm = normalize(text)
        spotted, found = self._words(text, norm)
        topic_table = self._topic_table(found)
        cues = self._cues(found)
        unexplained = tuple(w for w in found.residual if not self._explained(w))
        names = " ".join(m.surface for m in spotted.mentions)
        lang = detect(" ".join(w for w in found.residual if w not in self.neutral), names, chat_lang)
        places = {self.places[w] for token in found.residual for w in strip_particles(token) if w in self.places}
        # The names in the order written (the places after them): implied programmes come in the question's order.
        named = tuple(dict.fromkeys([*(m.target for m in spotted.mentions), *sorted(places)]))
        implied, anchors = self._implied(named, topic_table, found.residual)
        return Understanding(
            norm,
            lang,
            spotted.mentions,
            spotted.residual,
            self._intents(found),
            implied,
            anchors,
            self._asked_of(self._topics(found, topic_table), implied, topic_table),
            frozenset(int(y) for y in YEAR.findall(full_years(without_document_dates(norm)))),
            unexplained,
            cues,
            period_in(norm),
            self._terms(found.residual, topic_table, cues),
            counted(self, found.residual),
            asked_word(self, found.residual, unexplained),
            nth(norm),
            document_years(norm),
            self._edition_asked(spotted.mentions, found.tokens),
        )

    def _words(self, text: str, norm: str) -> tuple[Spotted, Words]:
        """The names in a question, and its words as the stages of reading look at them."""
        tokens = self._split_hyphens(words(norm))
        # A word of the vocabulary or a function word is a word, not an acronym, unless typed in capitals: who
        # is not WHO, and 'export to us' is not the US.
        protected = frozenset(t for t in tokens if (t in self.known_words or t in STOPWORDS) and t.upper() not in text)
        spotted = self.index.spot(tokens, protected, self.known_words)
        residual = list(spotted.residual)
        # Words inside names count only when exact (조달청장 signals the Administrator; 나라장터 is not 나라).
        in_names = {i for m in spotted.mentions if m.end - m.start > 1 for i in range(m.start, m.end)}
        free = [t for i, t in enumerate(tokens) if i not in in_names]
        # Spacing does not change meaning: 몇 명 is 몇명, 언제 까지 is 언제까지. Joined words are matched whole or
        # by their first word only: 온 + 연수단 is not 연수 'training'.
        return spotted, Words(tokens, residual, _joined(residual), free)

    def _topic_table(self, found: Words) -> dict[str, float]:
        """How well each topic word matches a word of the question (names' own words only when exact)."""
        return {
            **exact_table(self.topic_vocab, found.free),
            **match_table(self.topic_vocab, found.joined, glued=False),
            **match_table(self.topic_vocab, found.residual),
        }

    def _topics(self, found: Words, topic_table: dict[str, float]) -> frozenset[str]:
        """The topics whose signals the question writes, each as such: a signal of several words together and
        in order ('with e-procurement' is not 'support with e-procurement capacity'), a one-word signal not
        only as part of a longer one."""
        written = [*found.free, *found.joined]
        matched = [
            (t, s)
            for t, s in candidates(self.signals_with, topic_table)
            if phrase_score(s, topic_table) >= (0.85 if len(s) == 1 else 0.9) and in_order(s, written, self.topic_vocab)
        ]
        whole = {**exact_table(self.topic_vocab, found.tokens), **topic_table}
        every = [
            (t, s)
            for t, s in candidates(self.signals_with, whole)
            if phrase_score(s, whole) >= 0.9 and in_order(s, [*found.tokens, *found.joined], self.topic_vocab)
        ]
        return frozenset(t for t, s in matched if not inside_longer(s, every))

    def _asked_of(
        self, topics: frozenset[str], implied: tuple[str, ...], topic_table: dict[str, float]
    ) -> frozenset[str]:
        """The topics asked about: "IDB workshop dates": 'workshop' names the programme here; it is not what is
        asked about it. (A word that named an implied programme says which programme, not what is asked of it; a
        programme named outright leaves its keywords free: 'APPeN 회원국' asks about members.)"""
        naming = frozenset().union(*(self.keywords.get(e, frozenset()) for e in implied))
        return frozenset(
            t for t in topics if not {w for w in self.topic_words[t] if topic_table.get(w, 0) >= 0.9} <= naming
        )

    def _cues(self, found: Words) -> frozenset[Cue]:
        """What kind of answer the question asks for (first, latest, since, more, confirm, all, ...)."""
        spaced = found.residual + found.joined
        cue_table = {**exact_table(self.cue_vocab, found.free), **match_table(self.cue_vocab, spaced)}  # not in names
        cue_tokens = [*found.free, *found.joined]
        found_cues = [
            (cue, signal)
            for cue, signal in candidates(self.cues_with, cue_table)
            if phrase_score(signal, cue_table) >= 0.9 and in_order(signal, cue_tokens, self.cue_vocab)
        ]
        # 'more' of 'more recent' is that, not a comparison of figures.
        return frozenset(cue for cue, signal in found_cues if not inside_longer(signal, found_cues)) | {
            cue for cue, ending in self.cue_endings if any(t.endswith(ending) and t != ending for t in found.tokens)
        }

    def _edition_asked(self, mentions: tuple[Mention, ...], tokens: list[str]) -> bool:
        """'다음 세계은행 포럼', 'the second ADB training': a word of 'next' right before a name asks for another
        edition of it; 'after the ADB training' asks what followed it."""
        first = mentions[0].start if mentions else 0
        return first > 0 and tokens[first - 1] in self.edition_words

    def _intents(self, found: Words) -> tuple[tuple[Intent, float], ...]:
        """Each intent scored by its phrasings the question's words (not its names) match, best first."""
        intent_table = {
            **match_table(self.intent_vocab, found.joined, glued=False),
            **match_table(self.intent_vocab, found.residual),
        }
        return self._score_intents(found.residual, intent_table)

    def _terms(self, residual: list[str], topic_table: dict[str, float], cues: frozenset[Cue]) -> tuple[str, ...]:
        """The question's words that signal a topic, or say a cue ('the first' may be the record's own word),
        as written: 'with' of 'work with' and 'how' of 'how long' are in every text."""
        said = {w for cue in cues for w in self.cue_words[cue]}
        return tuple(
            w
            for w in residual
            if w not in STOPWORDS
            and w not in QUESTION_WORDS
            and (w in topic_table or w in said or any(f in topic_table for f in strip_particles(w)))
        )

    def _split_hyphens(self, tokens: list[str]) -> list[str]:
        """pps-adb is two names; e-procurement and next-gen are one word."""
        out: list[str] = []
        for token in tokens:
            parts = token.split("-")
            known = token in self.known_words or alias_key(token) in self.index.exact
            out += parts if len(parts) > 1 and not known and all(len(p) >= 2 for p in parts) else [token]
        return out

    def _explained(self, word: str) -> bool:
        """Whether a word is accounted for: a function word, a figure or date, a place, a known way of asking."""
        if word in STOPWORDS or word.isdigit() or is_particles(word) or YEAR.search(word) or word in MONTH_WORDS:
            return True
        if NUMBER_WITH_UNIT.match(word):
            return True  # 4월, 14명, 43억
        if any(form in self.places for form in strip_particles(word)):
            return True
        return any(
            score >= 0.8
            for vocab in (self.intent_vocab, self.topic_vocab, self.cue_vocab)
            for score in vocab.matches(word).values()
        )

    def _implied(
        self, named: tuple[str, ...], table: dict[str, float], residual: list[str]
    ) -> tuple[tuple[str, ...], frozenset[str]]:
        """Programmes named by one of their partners, countries or places and a keyword (ADB + 연수), and the
        names that did so."""

        def present(phrase: tuple[str, ...]) -> bool:
            # A Korean keyword may begin a longer word (연수단 in 연수단장은); an English one may carry an
            # ending (visit in visited).
            stem = len(phrase) == 1 and syllables(phrase[0]) >= 2
            if phrase_score(phrase, table) >= 0.9 or (stem and any(w.startswith(phrase[0]) for w in residual)):
                return True
            return len(phrase) == 1 and any(phrase[0] in english_bases(w) for w in residual if w.isascii())

        anchored = {key[0]: key for anchor in named for key in self.by_anchor.get(anchor, ())}
        found = [
            (pid, anchors & set(named))
            for pid, anchors, phrases in anchored.values()
            if pid not in named and any(present(p) for p in phrases)
        ]
        return tuple(pid for pid, _ in found), frozenset().union(*(used for _, used in found))

    def _score_intents(self, residual: list[str], table: dict[str, float]) -> tuple[tuple[Intent, float], ...]:
        """Each intent's best phrasing: how much of it is present, and how much of the question it explains."""
        per_word = [{w for w, s in self.intent_vocab.matches(token).items() if s >= 0.8} for token in residual]
        best: dict[Intent, float] = {}
        for intent, phrase in candidates(self.phrasings_with, table):
            covered = phrase_score(phrase, table)
            if covered <= 0:
                continue
            explained = sum(1 for hits in per_word if hits.intersection(phrase)) / len(per_word) if per_word else 0.0
            # A longer phrasing present in full is stronger evidence than a one-word one; a question word that
            # opens the question is the question ('When was the workshop where the forum was planned?').
            score = PHRASE_WEIGHT * covered + QUESTION_WEIGHT * explained + LENGTH_BONUS * covered * len(phrase)
            if residual and residual[0] in phrase:
                score += OPENING_BONUS
            if score > best.get(intent, 0.0):
                best[intent] = score
        # On a tie the more specific intent wins: a follow-up or an overview is what is left when nothing else is.
        return tuple(sorted(best.items(), key=lambda kv: (-round(kv[1], 6), FALLBACK_INTENTS.get(kv[0], 0), kv[0])))


def _joined(tokens: list[str]) -> list[str]:
    """Adjacent Korean words written together, where one is short: [몇, 명이었어] -> 몇명이었어."""
    return [
        a + b
        for a, b in itertools.pairwise(tokens)
        if is_hangul(a[-1]) and is_hangul(b[0]) and min(syllables(a), syllables(b)) <= 2
    ]
