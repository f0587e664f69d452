"""Spotting the countries, organisations, programmes and people a question names.

Candidates are tokens, runs of adjacent tokens (joined with and without spaces), Korean tokens
with particles stripped (the unstripped form is always tried first: stripping destroys names,
인도 -> 인) and names glued to the next word without a space (베트남나라장터). Exact alias matches
win; typos are then caught by comparing Korean in compatibility jamo and Latin letter by letter.
Short names (two syllables or fewer) and acronyms match exactly only, because fuzzy scores
inflate between unrelated short names (이란/이라크). Names the fact base knows only as "other"
countries or organisations are spotted the same way, so a question about one of them is answered
with "no record" instead of an answer about a look-alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz, process

from bot.factbase.model import Interner, KnowledgeBase
from bot.text.normalize import alias_key, all_hangul, has_hangul, syllables, to_jamo

# Korean particles, the polite ending 요 and the copula's endings (몽골이야, 몇개국임, 14명이었어), longest
# first so 에서 is tried before 에.
PARTICLES = tuple(
    sorted(
        """
    은 는 이 가 을 를 에 에서 의 와 과 로 으로 도 만 까지 부터 에게 랑 이랑 요 한테 께 처럼 보다 이나 나 에선 엔 하고
    이야 야 이에요 예요 이었어 였어 이였어 이었나요 였나요 인가요 인가 인지 인데 입니다 이었습니다 였습니다 이지 였지
    이었지 이죠 죠 임 이었음 였음 이라고 라고 님 래 래요 이래 이래요 냐 이냐 니 이니 더라 였더라 이었더라 였냐 이었냐
    셨지 셨어 셨나 셨나요 셨어요 가요 나요
    """.split(),
        key=len,
        reverse=True,
    )
)
MAX_NGRAM = 7  # the longest names run to seven words: Kyrgyz Ministry of Economy and Commerce
GLUED_MAX = 30  # a "word" longer than this is noise, not names run together
FUZZY_CUTOFF_KO = 84.0  # jamo ratio: 카메론/카메룬 86, 키르키즈스탄/키르기즈스탄 93
FUZZY_CUTOFF_EN = 85.0  # kyrgystan/kyrgyzstan 95, vietnan/vietnam 86
WORD_AGREEMENT = 70.0  # each word of a misspelt two-word name: costa ricca/costa rica
SHORT_NAME_SYLLABLES = 5  # Korean names this short must keep their syllable count to match fuzzily
OTHER = "other:"


@dataclass(frozen=True, slots=True)
class Mention:
    """A name found in the question: `target` is an entity id, or 'other:<name>' for a name with no record."""

    target: str
    surface: str
    start: int  # token span [start, end)
    end: int
    score: float

    @property
    def known(self) -> bool:
        return not self.target.startswith(OTHER)


@dataclass(frozen=True, slots=True)
class Spotted:
    mentions: tuple[Mention, ...]
    residual: tuple[str, ...]  # the question's other words, names and their particles removed


@lru_cache(maxsize=65536)
def strip_particles(token: str) -> tuple[str, ...]:
    """The token and every form with trailing particles removed (up to three), unstripped first. Cached:
    every question's words are stripped by several matchers."""
    forms = [token]
    frontier = [token]
    for _ in range(3):
        nxt = []
        for form in frontier:
            for particle in PARTICLES:
                if form.endswith(particle) and len(form) > len(particle):
                    stem = form[: -len(particle)]
                    if stem not in forms:
                        forms.append(stem)
                        nxt.append(stem)
        frontier = nxt
    return tuple(forms)


@lru_cache(maxsize=65536)
def is_particles(rest: str) -> bool:
    """True when `rest` is nothing but particles (에는, 은요, ...); at most four of them stack."""
    if len(rest) > 8:
        return False
    return rest == "" or any(rest.startswith(p) and is_particles(rest[len(p) :]) for p in PARTICLES)


def _is_short(name: str) -> bool:
    """Short names and acronyms need exact matches."""
    if has_hangul(name):
        return syllables(name) <= 2
    key = alias_key(name)
    return len(key) <= 4 or name.isupper()


class EntityIndex:
    """Alias tables built once per fact base; `spot` is then a few dict look-ups and one fuzzy pass."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self.exact: dict[str, str] = {}
        names: list[tuple[str, str]] = []
        for entity in kb.entities.values():
            names += [(n, entity.id) for n in (entity.name.ko, entity.name.en, *entity.aliases)]
        self.others = {OTHER + o.name.en: o for o in kb.others}
        for target, other in self.others.items():
            names += [(n, target) for n in (other.name.ko, other.name.en, *other.aliases)]
        fuzzy_ko: dict[str, str] = {}
        fuzzy_en: dict[str, str] = {}
        self.alias_names: dict[str, str] = {}  # fuzzy key -> the alias as written (its words: _name_words)
        self.alias_syllables: dict[str, int] = {}  # Korean fuzzy key -> syllables of the name
        self.glued: dict[str, tuple[str, bool]] = {}  # Hangul alias key -> (target, short)
        one = Interner()
        for name, target in names:
            key = alias_key(name)
            self.exact.setdefault(key, target)
            hangul = has_hangul(key)
            if hangul and key.isalnum() and all_hangul(key):
                self.glued.setdefault(key, one((target, _is_short(name))))
            if not _is_short(name):
                fuzzy_key = to_jamo(key) if hangul else key
                (fuzzy_ko if hangul else fuzzy_en).setdefault(fuzzy_key, target)
                self.alias_names.setdefault(fuzzy_key, name)
                if hangul:
                    self.alias_syllables.setdefault(fuzzy_key, syllables(key))
        self.fuzzy_ko = _LengthIndex(fuzzy_ko, FUZZY_CUTOFF_KO)
        self.fuzzy_en = _LengthIndex(fuzzy_en, FUZZY_CUTOFF_EN)
        self.glued_max = max((len(k) for k in self.glued), default=0)

    # -- passes ------------------------------------------------------------------------------------

    def spot(
        self, tokens: list[str], protected: frozenset[str] = frozenset(), ordinary: frozenset[str] = frozenset()
    ) -> Spotted:
        """Find names in normalised tokens.

        `protected` tokens are words here even where a name is spelled the same (who, not WHO);
        `ordinary` words (the vocabulary of questions) are never taken for a misspelt name.
        """
        covered = [False] * len(tokens)
        leftovers: dict[int, str] = {}  # token index -> what remains of it after a glued name
        mentions: list[Mention] = []
        self._exact_pass(tokens, covered, mentions, protected)
        # Alone, a word of the vocabulary is a word: keep it out of the looser passes.
        covered = [c or t in protected or t in ordinary for c, t in zip(covered, tokens, strict=True)]
        self._glued_pass(tokens, covered, mentions, leftovers)
        self._fuzzy_pass(tokens, covered, mentions)
        residual = []
        for i, token in enumerate(tokens):
            if i in leftovers:
                residual.append(leftovers[i])
            elif not any(m.start <= i < m.end for m in mentions):
                residual.append(token)
        mentions.sort(key=lambda m: m.start)
        return Spotted(tuple(mentions), tuple(r for r in residual if r))

    def _exact_pass(
        self, tokens: list[str], covered: list[bool], mentions: list[Mention], protected: frozenset[str]
    ) -> None:
        for n in range(min(MAX_NGRAM, len(tokens)), 0, -1):
            for i in range(len(tokens) - n + 1):
                if any(covered[i : i + n]) or (n == 1 and tokens[i] in protected):
                    continue
                head, last = tokens[i : i + n - 1], tokens[i + n - 1]
                for form in strip_particles(last):
                    target = self.exact.get(alias_key("".join([*head, form])))
                    if target and (form == last or not _is_short(form) or self._short_ok(form, last)):
                        mentions.append(Mention(target, " ".join(tokens[i : i + n]), i, i + n, 100.0))
                        covered[i : i + n] = [True] * n
                        break

    @staticmethod
    def _short_ok(form: str, token: str) -> bool:
        """A short Hangul name with a particle stripped must leave only particles behind."""
        return is_particles(token[len(form) :])

    def _glued_pass(
        self, tokens: list[str], covered: list[bool], mentions: list[Mention], leftovers: dict[int, str]
    ) -> None:
        """Names written without a space before the next word: 베트남나라장터수출 -> 베트남, 나라장터."""
        for i, token in enumerate(tokens):
            if covered[i] or syllables(token) < 3 or len(token) > GLUED_MAX:
                continue
            found: list[tuple[int, int, str]] = []
            pos, rest = 0, []
            while pos < len(token):
                hit = self._longest_glued(token, pos)
                if hit:
                    end, target = hit
                    found.append((pos, end, target))
                    pos = end
                else:
                    rest.append(token[pos])
                    pos += 1
            if not found:
                continue
            for start, end, target in found:
                mentions.append(Mention(target, token[start:end], i, i + 1, 100.0))
            covered[i] = True
            leftover = "".join(rest)
            leftovers[i] = "" if is_particles(leftover) else leftover

    def _longest_glued(self, token: str, pos: int) -> tuple[int, str] | None:
        for end in range(min(len(token), pos + self.glued_max), pos + 1, -1):
            entry = self.glued.get(token[pos:end])
            if entry is None:
                continue
            target, short = entry
            if short:
                # A short name counts only at the start of the token and before particles or another
                # name: 한국형 is not 한국, but 몽골에는 and 몽골나라장터 are 몽골.
                tail = token[end:]
                if pos != 0 or not (is_particles(tail) or self._starts_with_name(tail)):
                    continue
            return end, target
        return None

    def _starts_with_name(self, text: str) -> bool:
        return any(
            text[:end] in self.glued and not self.glued[text[:end]][1]
            for end in range(min(len(text), self.glued_max), 1, -1)
        )

    def _fuzzy_pass(self, tokens: list[str], covered: list[bool], mentions: list[Mention]) -> None:
        for n in (2, 1):
            for i in range(len(tokens) - n + 1):
                if any(covered[i : i + n]):
                    continue
                best = self._fuzzy_best(tokens[i : i + n])
                if best:
                    target, score = best
                    mentions.append(Mention(target, " ".join(tokens[i : i + n]), i, i + n, score))
                    covered[i : i + n] = [True] * n

    def _fuzzy_best(self, span: list[str]) -> tuple[str, float] | None:
        best: tuple[str, float] | None = None
        head = "".join(span[:-1])
        for form in strip_particles(span[-1]):
            key = alias_key(head + form)
            if _is_short(key) if not has_hangul(key) else syllables(key) < 3:
                continue
            hangul = has_hangul(key)
            hit = (self.fuzzy_ko if hangul else self.fuzzy_en).best(to_jamo(key) if hangul else key)
            if hit and hangul and not self._syllables_agree(key, hit[2]):
                continue
            if hit and self._words_agree([*span[:-1], form], hit[2]) and (best is None or hit[1] > best[1]):
                best = hit[0], hit[1]
        return best

    def _syllables_agree(self, key: str, fuzzy_key: str) -> bool:
        """A Korean typo changes a letter, not the number of syllables: 국제협력 is not 국제협력팀. Long names
        may differ by one (키르기스탄 for 키르기스스탄 is listed as an alias anyway)."""
        expected = self.alias_syllables.get(fuzzy_key, syllables(key))
        return abs(syllables(key) - expected) <= (0 if expected <= SHORT_NAME_SYLLABLES else 1)

    def _words_agree(self, span: list[str], fuzzy_key: str) -> bool:
        """Two words against a two-word name must each be close: 'procurement forum' is not 'Procurement Day',
        however much the long shared word lifts the ratio of the whole."""
        name = self.alias_names.get(fuzzy_key)
        alias = _name_words(name) if name else ()
        if len(span) < len(alias):
            # A word that is one word of a longer name is that word, not the name: 'procurement' is not
            # 'Procurement Day', 'administrators' is not 'Administrator Lim'; 'costarca' is still Costa Rica.
            probe = alias_key("".join(span))
            hangul = has_hangul(probe)
            words = [to_jamo(w) if hangul else w for w in alias]
            probe = to_jamo(probe) if hangul else probe
            return not any(fuzz.ratio(probe, w) >= WORD_AGREEMENT + 15 for w in words)
        if len(span) < 2 or len(alias) != len(span):
            return True
        for word, name_word in zip(span, alias, strict=True):
            a, b = alias_key(word), name_word
            if has_hangul(a + b):
                a, b = to_jamo(a), to_jamo(b)
            if fuzz.ratio(a, b) < WORD_AGREEMENT:
                return False
        return True


@lru_cache(maxsize=4096)
def _name_words(name: str) -> tuple[str, ...]:
    """A name's own words, as keys: worked out when a fuzzy match needs them, not kept for every alias."""
    return tuple(alias_key(w) for w in name.split())


class _LengthIndex:
    """Fuzzy look-up that only compares names of a length that could reach the cutoff.

    A ratio of c% needs the shorter string to be at least c/(200-c) of the longer one's length, so
    a 6-letter probe is never compared with 20-letter names; and a misspelt name keeps its first
    letter (카메론, kyrgystan), so only names with the probe's first letter are compared. This keeps
    look-ups fast as the fact base grows.
    """

    def __init__(self, names: dict[str, str], cutoff: float) -> None:
        self.cutoff = cutoff
        self.by_length: dict[tuple[str, int], tuple[list[str], list[str]]] = {}
        for key, target in names.items():
            keys, targets = self.by_length.setdefault((key[0], len(key)), ([], []))
            keys.append(key)
            targets.append(target)

    def best(self, probe: str) -> tuple[str, float, str] | None:
        """The closest name: (target, score, the name's key)."""
        shortest = self.cutoff / (200 - self.cutoff)
        low, high = int(len(probe) * shortest), int(len(probe) / shortest) + 1
        found: tuple[str, float, str] | None = None
        for length in range(max(1, low), high + 1):
            bucket = self.by_length.get((probe[0], length))
            if bucket is None:
                continue
            keys, targets = bucket
            hit = process.extractOne(probe, keys, scorer=fuzz.ratio, score_cutoff=self.cutoff)
            if hit and (found is None or hit[1] > found[1]):
                found = (targets[hit[2]], hit[1], keys[hit[2]])
        return found
