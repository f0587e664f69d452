"""Interface labels shared by every rendering (the console, Telegram, Slack), in both languages."""

from __future__ import annotations

from bot.factbase.model import Lang

LABELS: dict[str, dict[Lang, str]] = {
    "sources": {"ko": "출처", "en": "Sources"},
    "contact": {"ko": "문의", "en": "Contact"},
    "internal": {"ko": "내부용", "en": "Internal"},
    "suggestions": {"ko": "이어서 물어보기", "en": "You could also ask"},
    "share": {"ko": "채널에 공유", "en": "Share in channel"},
    "teach": {"ko": "이 사실로 가르치기…", "en": "Teach as…"},
    "dismiss": {"ko": "무시", "en": "Dismiss"},
    "search_fact": {"ko": "사실 찾기…", "en": "Search facts…"},
    "likely": {"ko": "관련 대상", "en": "Likely about"},
    "feedback_title": {"ko": "무엇을 찾으셨나요?", "en": "What were you looking for?"},
    "feedback_send": {"ko": "보내기", "en": "Send"},
}


def label(key: str, lang: Lang) -> str:
    return LABELS[key][lang]
