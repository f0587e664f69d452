"""The members of a group named (bot/answering/groups.py)."""

from __future__ import annotations

from bot import render_plain


def test_which_of_a_group_lists_its_members(bot):
    reply = render_plain(bot.ask("Which multilateral development banks appear across the documents?"))
    assert all(bank in reply for bank in ("Asian Development Bank", "World Bank", "Inter-American", "Islamic"))


def test_what_was_done_with_a_group_is_still_its_events(bot):
    reply = render_plain(bot.ask("개발은행들이랑 같이 한 사업 전부 알려줘"))
    assert "2015년" in reply and "2024년" in reply


def test_which_of_a_group_took_part_in_an_event_lists_those_that_did(bot):
    reply = render_plain(bot.ask("세계은행 포럼에 참가한 국제기구·다자개발은행을 모두 나열해 주세요"))
    assert "이슬람개발은행" in reply and "미주개발은행" not in reply


def test_besides_one_named_leaves_it_out(bot):
    answer = bot.ask("which international organisation joined the forum beside world bank?")
    assert answer.body[-1].items == ("Asian Development Bank", "Islamic Development Bank")
