"""How values are written for a reader: dates, date ranges, amounts of money, counts, phone numbers.

Korean writes large amounts in 만 (10^4) and 억 (10^8): 14억 원, 3,000만 달러; English in millions and
billions: KRW 1.4 billion, USD 30 million. The words for units and currencies are curated messages
(`unit_<unit>`, `currency_<code>`); only the arithmetic of writing numbers lives here.
"""

from __future__ import annotations

import datetime as dt

from bot.factbase.model import KnowledgeBase, Lang, Quantity

MONTHS_EN = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
             "October", "November", "December")  # fmt: skip


def format_date(iso: str, lang: Lang) -> str:
    """2024-05-30 -> '2024년 5월 30일' / '30 May 2024'; partial dates stay partial."""
    parts = [int(p) for p in iso.split("-")]
    if lang == "ko":
        return " ".join(f"{v}{unit}" for v, unit in zip(parts, ("년", "월", "일"), strict=False))
    if len(parts) == 1:
        return str(parts[0])
    month = MONTHS_EN[parts[1] - 1]
    return f"{parts[2]} {month} {parts[0]}" if len(parts) == 3 else f"{month} {parts[0]}"


def format_range(start: str, end: str | None, lang: Lang) -> str:
    """A date or a span, written without repeating what both ends share: 2024년 8월 26~30일, 26–30 August 2024."""
    if not end or end == start:
        return format_date(start, lang)
    a, b = start.split("-"), end.split("-")
    if len(a) == len(b) == 3 and a[:2] == b[:2]:
        if lang == "ko":
            return f"{format_date(start, lang)}~{int(b[2])}일"
        return f"{int(a[2])}–{format_date(end, lang)}"
    return (
        f"{format_date(start, lang)}~{format_date(end, lang)}"
        if lang == "ko"
        else (f"{format_date(start, lang)} to {format_date(end, lang)}")
    )


def days_between(start: str, end: str) -> int | None:
    """Days an event lasted, both ends counted (7–9 May: 3), when both dates are exact."""
    if len(start) != 10 or len(end) != 10:
        return None
    return (dt.date.fromisoformat(end) - dt.date.fromisoformat(start)).days + 1


def _trim(value: float) -> str:
    """A number without a needless '.0', with thousands separators: 1,400 / 1.4 / 30."""
    if value == int(value):
        return f"{int(value):,}"
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def number_words(value: float, lang: Lang) -> str:
    """A large number the way each language groups it: 14억, 3,000만 / 1.4 billion, 30 million."""
    if lang == "ko":
        if value >= 1e8:
            eok, rest = divmod(value, 1e8)
            man = rest / 1e4
            return f"{_trim(eok)}억" + (f" {_trim(man)}만" if man >= 1 else "")
        if value >= 1e4:
            return f"{_trim(value / 1e4)}만"
        return _trim(value)
    for size, word in ((1e9, "billion"), (1e6, "million")):
        if value >= size:
            return f"{_trim(value / size)} {word}"
    return _trim(value)


def format_amount(kb: KnowledgeBase, amount: Quantity, lang: Lang) -> str:
    return kb.message(f"currency_{amount.unit}", lang, n=number_words(amount.value, lang))


def format_count(kb: KnowledgeBase, count: Quantity, lang: Lang) -> str:
    return kb.message(f"unit_{count.unit}", lang, n=_trim(count.value))


def international_phone(phone: str) -> str:
    """A Korean domestic number in international form, for readers abroad: 042-724-7470 -> +82-42-724-7470."""
    return "+82-" + phone[1:] if phone.startswith("0") else phone
