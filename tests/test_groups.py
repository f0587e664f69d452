"""The members of a group named (bot/answering/groups.py)."""

from __future__ import annotations

from bot import render_plain


def test_which_of_a_group_lists_its_members(bot):
    reply = render_plain(bot.ask("Which multilateral development banks appear across the documents?"))
    assert all(bank in reply for bank in ("Asian Development Bank", "World Bank", "Inter-American", "Islamic"))


def test_what_was_done_with_a_group_is_still_its_events(bot):
    reply = render_plain(bot.ask("개발은행들이랑 같이 한 사업 전부 알려줘"))
    assert "2015년" in reply and "2024년" in reply
