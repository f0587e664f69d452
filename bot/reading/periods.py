"""Periods and figures stated in a question: "in May 2024", "2010년 이전", "between 2009 and 2011",
"20 countries", "50억".

Works on normalised text (casefolded, NFC). A period is a pair of inclusive ISO bounds, either of which
may be open; a record dated only to the year does not fall inside a month ("2024" is not "May 2024")
unless its span covers it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.factbase.model import Quantity

_MONTHS = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)
MONTH_WORDS = frozenset((*_MONTHS, *(m[:3] for m in _MONTHS)))  # what a question says when it names a month
_MONTH_RE = "|".join(_MONTHS) + "|" + "|".join(m[:3] for m in _MONTHS if m != "may")
Y = r"((?:19|20)\d\d)"
_KO_YEAR = Y + r"\s*년?"

_BETWEEN = (
    re.compile(_KO_YEAR + r"\s*(?:부터|에서|~|-|–)\s*" + Y + r"\s*년?\s*(?:까지|사이)?"),
    re.compile(r"\bbetween\s+" + Y + r"\s+and\s+" + Y),
    re.compile(r"\bfrom\s+" + Y + r"\s+(?:to|until|till|through)\s+" + Y),
)
# (pattern, inclusive): 2010년까지 counts 2010, "before 2010" does not.
_BEFORE = (
    (re.compile(_KO_YEAR + r"\s*(?:이전|전에|전\b|전$)"), False),
    (re.compile(_KO_YEAR + r"\s*(?:까지|이전까지)"), True),
    (re.compile(r"\b(?:before|prior to)\s+" + Y), False),
    (re.compile(r"\b(?:until|till|up to|by)\s+" + Y), True),
)
_AFTER = (
    (re.compile(_KO_YEAR + r"\s*(?:이후|부터|이래)"), True),
    (re.compile(_KO_YEAR + r"\s*(?:후\b|후에|후$|다음)"), False),
    (re.compile(r"\b(?:since|from)\s+" + Y), True),
    (re.compile(r"\bafter\s+" + Y), False),
)
_KO_MONTH = re.compile(_KO_YEAR + r"\s*(\d{1,2})\s*월")
_ISO_MONTH = re.compile(Y + r"[./-](\d{1,2})(?![\d./-])")
_EN_MONTH = (re.compile(r"\b(" + _MONTH_RE + r")\.?\s*(?:of\s+)?" + Y), re.compile(Y + r"\s+(" + _MONTH_RE + r")\b"))
_HALF = (
    (re.compile(_KO_YEAR + r"\s*상반기"), ("01", "06")),
    (re.compile(_KO_YEAR + r"\s*하반기"), ("07", "12")),
    (re.compile(r"\bfirst half of\s+" + Y), ("01", "06")),
    (re.compile(r"\bsecond half of\s+" + Y), ("07", "12")),
)
YEAR = re.compile(r"(?<!\d)" + Y + r"(?!\d)")
# '23년 청장' is 2023's; '10년 만에', '10년간', '3년째' count years.
_YEARS_COUNTED = r"(?!\s*(?:만|동안|간|째|이상|넘|가량|정도|전|후|이내|차|도\s*안))"
_SHORT_KO_YEAR = re.compile(r"(?<![\d.,])([0-2]\d)\s*년" + _YEARS_COUNTED)


def full_years(text: str) -> str:
    """A normalised text with its two-digit Korean years written out: '23년' -> '2023년'."""
    return _SHORT_KO_YEAR.sub(lambda m: f"20{m.group(1)}년", text)


_MULTIPLIERS = {"억": 1e8, "만": 1e4, "천만": 1e7, "billion": 1e9, "million": 1e6, "bn": 1e9, "m": 1e6}
_AMOUNT = re.compile(r"(\d[\d,]*(?:\.\d+)?)\s*(천만|억|만|billion|million|bn)?\s*(원|달러|won|krw|usd|dollars?)?")
_CURRENCY_BEFORE = re.compile(r"(krw|usd|\$|₩)\s*(\d[\d,]*(?:\.\d+)?)\s*(billion|million|bn)?")
_NUMBER = re.compile(r"(?<![\d.,])(\d[\d,]*)(?![\d,]*\s*(?:월|일|년|\.\d))")
_WORD_NUMBERS = {
    w: i
    for i, w in enumerate(
        "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
        "seventeen eighteen nineteen twenty".split()
    )
}
_WORD_NUMBER = re.compile(r"\b(" + "|".join(_WORD_NUMBERS) + r")\b")


@dataclass(frozen=True, slots=True)
class Period:
    """Inclusive ISO bounds ('2024-05', '2024'); '' is open."""

    start: str
    end: str

    @property
    def precision(self) -> int:
        """1 for years, 2 for months: the finest bound given."""
        return max(len(b.split("-")) for b in (self.start, self.end) if b) if self.start or self.end else 0

    def holds(self, start: str, end: str | None = None) -> bool:
        """Whether a record dated `start` (to `end`) falls in the period.

        A record known only to the year is not inside a month, but a span that covers the whole period is.
        """
        spans = end is not None and end != start
        end = end or start
        first, last = _widen(start)[0], _widen(end)[1]
        lo = _widen(self.start)[0] if self.start else "0000"
        hi = _widen(self.end)[1] if self.end else "9999"
        if last < lo or first > hi:
            return False
        precise = len(start.split("-")) >= self.precision
        return precise or (spans and first <= lo and last >= hi)


def _widen(iso: str) -> tuple[str, str]:
    """The first and last day a partial date can mean: 2024-05 -> (2024-05-01, 2024-05-31)."""
    parts = iso.split("-")
    if len(parts) == 1:
        return f"{iso}-01-01", f"{iso}-12-31"
    if len(parts) == 2:
        return f"{iso}-01", f"{iso}-31"
    return iso, iso


# A date that says which document ('the 2014 article', '2024년 5월 보도자료', 'the May 2024 Kyrgyzstan release'):
# it names a source, not a time the question asks about.
DOCUMENT_DATE = re.compile(
    r"(?P<date>(?:\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+)?\b(?:19|20)\d{2}(?:년)?"
    r"(?:\s*\d{1,2}\s*월)?)"
    r"(?P<rest>(?:\s+[^\s\d]+){0,2}?\s*(?:article|press release|release|report|기사|보도자료|자료))"
)


def without_document_dates(text: str) -> str:
    """The text with the dates that only say which document taken out ('in the 2014 article' -> 'in the article')."""
    return DOCUMENT_DATE.sub(lambda m: m.group("rest"), text)


def document_years(text: str) -> frozenset[int]:
    """The years that say which document ('the 2014 article', '2024년 5월 보도자료'): the dates its statements
    are as of."""
    return frozenset(int(y) for m in DOCUMENT_DATE.finditer(full_years(text)) for y in YEAR.findall(m.group("date")))


def period_in(text: str) -> Period | None:
    """The period a normalised question names, if any."""
    text = full_years(without_document_dates(text))
    for pattern in _BETWEEN:
        m = pattern.search(text)
        if m:
            a, b = sorted((m.group(1), m.group(2)))
            return Period(a, b)
    for pattern, inclusive in _BEFORE:
        m = pattern.search(text)
        if m:
            year = int(m.group(1))
            return Period("", str(year if inclusive else year - 1))
    for pattern, inclusive in _AFTER:
        m = pattern.search(text)
        if m:
            year = int(m.group(1))
            return Period(str(year if inclusive else year + 1), "")
    for pattern, (first, last) in _HALF:
        m = pattern.search(text)
        if m:
            return Period(f"{m.group(1)}-{first}", f"{m.group(1)}-{last}")
    month = _month_in(text)
    if month:
        return Period(month, month)
    years = sorted(set(YEAR.findall(text)))
    if len(years) == 1:
        return Period(years[0], years[0])
    return None


def _month_in(text: str) -> str | None:
    for pattern in (_KO_MONTH, _ISO_MONTH):
        m = pattern.search(text)
        if m and 1 <= int(m.group(2)) <= 12:
            return f"{m.group(1)}-{int(m.group(2)):02d}"
    m = _EN_MONTH[0].search(text)
    if m:
        return f"{m.group(2)}-{_month_number(m.group(1)):02d}"
    m = _EN_MONTH[1].search(text)
    if m:
        return f"{m.group(1)}-{_month_number(m.group(2)):02d}"
    return None


def _month_number(name: str) -> int:
    return next(i for i, m in enumerate(_MONTHS, 1) if m.startswith(name[:3]))


def _number(text: str) -> float:
    return float(text.replace(",", ""))


# Words that ask for an amount in a currency with no figure ('in dollars?', '달러로'); bare 원 is too
# common a syllable to say won on its own.
_CURRENCY_ASKED = {
    "USD": re.compile(r"\bdollars?\b|\busd\b|\$|달러"),
    "KRW": re.compile(r"\bwon\b|\bkrw\b|원화"),
}


def currency_asked(text: str) -> str | None:
    """The currency a question asks an amount in, if it names one."""
    return next((code for code, pattern in _CURRENCY_ASKED.items() if pattern.search(text)), None)


def stated_amounts(text: str) -> list[Quantity]:
    """Sums of money a question states ('50억', 'KRW 5 billion', '3 million dollars'); currency '' if unsaid."""
    found = []
    for m in _AMOUNT.finditer(text):
        if m.group(2) is None and m.group(3) is None:
            continue
        value = _number(m.group(1)) * _MULTIPLIERS.get(m.group(2) or "", 1)
        currency = {"원": "KRW", "won": "KRW", "krw": "KRW", "달러": "USD", "usd": "USD"}.get(m.group(3) or "", "")
        if (m.group(3) or "").startswith("dollar"):
            currency = "USD"
        found.append(Quantity(value, currency))
    for m in _CURRENCY_BEFORE.finditer(text):
        value = _number(m.group(2)) * _MULTIPLIERS.get(m.group(3) or "", 1)
        found = [q for q in found if q.value != value]  # 'USD 30 million' read once, with its currency
        found.append(Quantity(value, "KRW" if m.group(1) in ("krw", "₩") else "USD"))
    return found


def stated_counts(text: str) -> list[float]:
    """Plain numbers a question states that are not years, dates or sums ('20 countries', '30명', 'six')."""
    amounts = {m.span() for m in _AMOUNT.finditer(text) if m.group(2) or m.group(3)}
    found = []
    for m in _NUMBER.finditer(text):
        if YEAR.fullmatch(m.group(1)) or any(a <= m.start() < b for a, b in amounts):
            continue
        found.append(_number(m.group(1)))
    found += [float(_WORD_NUMBERS[w]) for w in _WORD_NUMBER.findall(text)]
    return found


def stated_years(text: str) -> list[int]:
    return [int(y) for y in YEAR.findall(full_years(text))]


_INVERTED = str.maketrans("0123456789", "9876543210")


def newest_first(iso: str) -> str:
    """A sort key putting later ISO dates first (digits inverted), undated last."""
    return iso.ljust(10, "0").translate(_INVERTED) if iso else "~"
