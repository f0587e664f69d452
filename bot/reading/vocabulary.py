"""Matching a question's words against the curated vocabulary: intent phrasings and topic words.

A question word matches a vocabulary word exactly, with Korean particles stripped, as a Korean
stem (수출했어요 starts with 수출; only for stems of two syllables or more, so 수 'number' is not
found in 수출 'export'), or, for Latin words of six letters or more, by a typo-tolerant ratio.
Whole questions are never scored with WRatio or partial ratios: they give 100 to any short
string contained in a long one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import lru_cache

from rapidfuzz import fuzz, process

from bot.reading.entities import PARTICLES, is_particles, strip_particles
from bot.text.normalize import has_hangul, normalize, syllables, words

SLOT = "{entity}"
LATIN_FUZZY_CUTOFF = 85.0
LATIN_FUZZY_MIN = 5  # shorter words are too close to each other (amout/amount 91; cost/most 75)
STEM_SCORE = 0.95
ENDING_SCORE = 0.95  # an English word known without its ending: sending -> send
GLUED_SCORE = 0.9
# How Korean endings and particles begin: what may follow a known word inside a longer one (수출 + 했어요).
ENDING_STARTS = frozenset("하했한할합해되됐된될됩돼이가은는을를에의도로와과요야였었까지니고며면서어아게기음임들랑께만")
GLUED_MAX = 30
# Function words that carry no intent; wh-words and numbers are kept on purpose.
STOPWORDS = frozenset(
    """
    a an the is are was were be been being do does did to of in on at by for with about from me
    i you your my we our it its this that these those there please can could would will tell pps's 's
    as has have had and or so just any some also then than into onto her his their them they she he
    u ur ya yo us
    """.split()
) | frozenset(
    # Function words of the other languages delegates write in ('Qu'est-ce que KONEPS?', '¿Qué es KONEPS?'):
    # they carry no meaning here, so the name asked about is answered, in English.
    "qu est ce que quoi quel quelle le la les du des une et qué cuál cuándo es el los las del ist der das und".split()
)


# Past forms the records use whose base no ending rule finds ('led by' answers 'who was leading').
IRREGULAR = {
    "led": "lead", "held": "hold", "took": "take", "taken": "take", "came": "come", "sent": "send", "made": "make",
    "met": "meet", "gave": "give", "given": "give", "began": "begin", "begun": "begin", "brought": "bring",
    "spoke": "speak", "spoken": "speak", "wrote": "write", "written": "write", "paid": "pay", "spent": "spend",
    "built": "build", "sold": "sell", "bought": "buy", "taught": "teach", "went": "go", "gone": "go", "got": "get",
    "ran": "run", "grew": "grow", "grown": "grow", "chose": "choose", "chosen": "choose", "told": "tell",
    "said": "say", "saw": "see", "seen": "see", "won": "win", "drew": "draw", "drawn": "draw", "set": "set",
}  # fmt: skip


@lru_cache(maxsize=65536)
def english_bases(token: str) -> tuple[str, ...]:
    """Forms of an English word without a regular ending: sending -> send, planned -> plan, countries -> country,
    and the base of a few irregular past forms (led -> lead). Cached: every question's words are looked up by
    several matchers, and every record's words once."""
    forms: list[str] = [IRREGULAR[token]] if token in IRREGULAR else []
    if token.endswith("ies") and len(token) > 4:
        forms.append(token[:-3] + "y")
    for ending in ("ing", "ed", "es", "s"):
        if token.endswith(ending) and len(token) > len(ending) + 2 and not token.endswith("ss"):
            stem = token[: -len(ending)]
            forms += [stem, stem + "e"]
            if len(stem) > 2 and stem[-1] == stem[-2]:
                forms.append(stem[:-1])  # planned -> plan
    return tuple(forms)


def content_words(text: str) -> list[str]:
    """The words of a phrasing or question that can signal something: normalised, stopwords out."""
    return [w for w in words(normalize(text)) if w not in STOPWORDS]


VERB_FORM_ENDS = frozenset("었았였했은는던든")  # the last syllable of an inflected verb signal (들었, 받은)


MATCHES_KEPT = 4096


class Vocabulary:
    """All words the phrasings and topic lists use, with a fast matcher for question words."""

    def __init__(self, vocab: Iterable[str], glued: bool = True) -> None:
        self.words = frozenset(vocab)
        self.glued = glued  # look for known words inside Korean words run together
        self.latin_long = sorted(w for w in self.words if w.isascii() and len(w) >= LATIN_FUZZY_MIN)
        self.korean_stems = frozenset(w for w in self.words if syllables(w) >= 2)
        self._matches: dict[tuple[str, bool], dict[str, float]] = {}

    def matches(self, token: str, glued: bool = True) -> Mapping[str, float]:
        """Vocabulary words this question token stands for, with a score in 0..1 (remembered for the last
        MATCHES_KEPT tokens: every question asks it of the same words several times)."""
        found = self._matches.get((token, glued))
        if found is None:
            if len(self._matches) >= MATCHES_KEPT:
                self._matches.clear()
            found = self._matches[token, glued] = self._match(token, glued)
        return found  # read-only to callers: it is the memo itself

    def _match(self, token: str, glued: bool) -> dict[str, float]:
        found: dict[str, float] = {}
        for form in strip_particles(token):
            # One syllable left after several particles is a different word: 수도가 is not 수 'number' + 도가.
            if form in self.words and (syllables(form) > 1 or token == form or token[len(form) :] in PARTICLES):
                found[form] = 1.0
        if found and token.isascii():
            # An English word is also its base: 'building' (capacity building) is also 'build'.
            found.update({b: ENDING_SCORE for b in english_bases(token) if b in self.words and b not in found})
        if found:
            return found  # the whole word is known: 연수단 is a delegation, not 연수 'training'
        if has_hangul(token):
            for end in range(len(token) - 1, 1, -1):
                stem = token[:end]
                # A known word begins this one only if what follows it is an ending (수출 + 했어요), not more of
                # another word (일자 in 일자리).
                if stem in self.korean_stems and (token[end] in ENDING_STARTS or is_particles(token[end:])):
                    found.setdefault(stem, STEM_SCORE)
                    break  # the longest known stem only
            # Words run together without spaces (연수참가국어디): known words of two syllables or more inside.
            # No run of real words is longer than GLUED_MAX; longer "words" are noise and not searched.
            for start in range(1, len(token) - 1 if glued and self.glued and len(token) <= GLUED_MAX else 0):
                for end in range(start + 2, len(token) + 1):
                    # Nouns run together; a verb form inside a longer word is chance (들었 in 만들었어).
                    if token[start:end] in self.korean_stems and token[end - 1] not in VERB_FORM_ENDS:
                        found.setdefault(token[start:end], GLUED_SCORE)
        else:
            for base in english_bases(token):
                if base in self.words:
                    found.setdefault(base, ENDING_SCORE)
            if not found and len(token) >= LATIN_FUZZY_MIN:
                for word, score, _ in process.extract(
                    token, self.latin_long, scorer=fuzz.ratio, score_cutoff=LATIN_FUZZY_CUTOFF, limit=3
                ):
                    found.setdefault(word, score / 100)
        return found


def match_table(vocab: Vocabulary, tokens: Iterable[str], glued: bool = True) -> dict[str, float]:
    """Best score of each vocabulary word over the question's tokens."""
    table: dict[str, float] = {}
    for token in tokens:
        for word, score in vocab.matches(token, glued).items():
            if score > table.get(word, 0.0):
                table[word] = score
    return table


def exact_table(vocab: Vocabulary, tokens: Iterable[str]) -> dict[str, float]:
    """Vocabulary words present as whole tokens (particles stripped), nothing fuzzier."""
    return {form: 1.0 for token in tokens for form in strip_particles(token) if form in vocab.words}


def phrase_score(phrase: tuple[str, ...], table: Mapping[str, float]) -> float:
    """How fully a phrasing (or a multi-word topic signal) is present: mean of its words' scores."""
    return sum(table.get(w, 0.0) for w in phrase) / len(phrase) if phrase else 0.0
