"""Who reads a Slack conversation (adapters/slack_audience.py), asked of the fake Slack Web API: staff-only
material for members of the workspace in its own conversations, the public audience for guests, people of
other organisations and conversations shared with them; a lookup kept a while, and a failed one safe."""

from __future__ import annotations

import logging
import time
from typing import Any

import pytest
from fakes.slack_api import BOT_TOKEN, FakeSlackApi

from adapters.slack.audience import Audiences
from adapters.slack.client import web_client
from bot import Audience, Caches


def audiences(slack_api: FakeSlackApi, default: Audience = "staff", ttl: float = 300.0) -> Audiences:
    return Audiences(web_client(BOT_TOKEN, slack_api.url), Caches(), default, ttl=ttl)


def lookups(slack_api: FakeSlackApi, method: str, **match: Any) -> int:
    return len(slack_api.of(method, **match))


def test_a_member_in_an_internal_channel_reads_staff_material(slack_api: FakeSlackApi) -> None:
    assert audiences(slack_api).of("U_MEMBER", "C_INTERNAL") == "staff"


@pytest.mark.parametrize(
    "person",
    [{"is_restricted": True}, {"is_ultra_restricted": True}, {"team_id": "T_ANOTHER_ORG"}, {"is_stranger": True}],
    ids=["multi-channel guest", "single-channel guest", "another organisation", "stranger"],
)
def test_a_guest_or_an_outsider_reads_public_material(slack_api: FakeSlackApi, person: dict[str, Any]) -> None:
    user = f"U_GUEST_{'_'.join(person).upper()}"
    slack_api.set_user(user, **person)
    assert audiences(slack_api).of(user, "C_INTERNAL") == "public"
    assert audiences(slack_api).of(user) == "public"  # on the Home tab too


@pytest.mark.parametrize(
    "shared",
    [{"is_ext_shared": True, "is_shared": True}, {"is_pending_ext_shared": True}, {"is_shared": True}],
    ids=["Slack Connect", "invitation pending", "shared, not within the organisation"],
)
def test_a_channel_shared_with_another_organisation_is_public(slack_api: FakeSlackApi, shared: dict[str, Any]) -> None:
    channel = f"C_SHARED_{'_'.join(shared).upper()}"
    slack_api.set_channel(channel, **shared)
    assert audiences(slack_api).of("U_MEMBER", channel) == "public"


def test_a_channel_shared_within_the_organisation_stays_staff(slack_api: FakeSlackApi) -> None:
    slack_api.set_channel("C_ORG_WIDE", is_shared=True, is_org_shared=True)
    assert audiences(slack_api).of("U_MEMBER", "C_ORG_WIDE") == "staff"


def test_a_direct_message_with_a_guest_is_public(slack_api: FakeSlackApi) -> None:
    slack_api.set_user("U_DM_GUEST", is_restricted=True)
    slack_api.set_channel("D_WITH_GUEST", user="U_DM_GUEST")
    assert audiences(slack_api).of("U_MEMBER", "D_WITH_GUEST") == "public"
    assert audiences(slack_api).of("U_DM_GUEST", "D_WITH_GUEST") == "public"
    slack_api.set_channel("D_WITH_MEMBER", user="U_MEMBER")
    assert audiences(slack_api).of("U_MEMBER", "D_WITH_MEMBER") == "staff"


def test_a_group_dm_with_a_guest_among_its_members_is_public(slack_api: FakeSlackApi) -> None:
    slack_api.set_user("U_MPIM_GUEST", is_ultra_restricted=True)
    slack_api.set_channel("G_MPIM_GUEST", members=["U_MEMBER", "U_MPIM_GUEST"], is_group=False, is_mpim=True)
    slack_api.set_channel("G_MPIM_STAFF", members=["U_MEMBER", "U_OTHER_MEMBER"], is_group=False, is_mpim=True)
    assert audiences(slack_api).of("U_MEMBER", "G_MPIM_GUEST") == "public"
    assert audiences(slack_api).of("U_MEMBER", "G_MPIM_STAFF") == "staff"


def test_a_lookup_is_kept_until_its_ttl_so_a_channel_shared_since_is_noticed(slack_api: FakeSlackApi) -> None:
    who = audiences(slack_api, ttl=0.5)
    assert who.of("U_MEMBER", "C_BECOMES_SHARED") == "staff"
    slack_api.set_channel("C_BECOMES_SHARED", is_ext_shared=True)
    assert who.of("U_MEMBER", "C_BECOMES_SHARED") == "staff"  # kept: not asked again
    assert lookups(slack_api, "conversations.info", channel="C_BECOMES_SHARED") == 1
    time.sleep(0.6)
    assert who.of("U_MEMBER", "C_BECOMES_SHARED") == "public"
    assert lookups(slack_api, "conversations.info", channel="C_BECOMES_SHARED") == 2


def test_a_failed_lookup_gives_the_public_audience_and_one_warning(
    slack_api: FakeSlackApi, caplog: pytest.LogCaptureFixture
) -> None:
    slack_api.fail("conversations.info", 200, times=2, error="missing_scope")
    who = audiences(slack_api)
    with caplog.at_level(logging.DEBUG, logger="coopbot.slack.audience"):
        assert who.of("U_MEMBER", "C_UNREADABLE_1") == "public"
        assert who.of("U_MEMBER", "C_UNREADABLE_2") == "public"
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "missing_scope" in warnings[0].getMessage()
    assert "conversations.info" in warnings[0].getMessage()


def test_a_person_who_cannot_be_looked_up_is_public_and_not_named_in_the_log(
    slack_api: FakeSlackApi, caplog: pytest.LogCaptureFixture
) -> None:
    slack_api.fail("users.info", 200, error="user_not_found")
    with caplog.at_level(logging.WARNING, logger="coopbot.slack.audience"):
        assert audiences(slack_api).of("U_UNKNOWN_PERSON", "C_INTERNAL") == "public"
    assert caplog.records and "U_UNKNOWN_PERSON" not in caplog.text


def test_the_public_audience_of_the_surface_needs_no_lookup(slack_api: FakeSlackApi) -> None:
    assert audiences(slack_api, default="public").of("U_NOT_LOOKED_UP", "C_NOT_LOOKED_UP") == "public"
    assert lookups(slack_api, "users.info", user="U_NOT_LOOKED_UP") == 0
    assert lookups(slack_api, "conversations.info", channel="C_NOT_LOOKED_UP") == 0


def test_a_failed_lookup_is_asked_again_for_the_next_reply(slack_api: FakeSlackApi) -> None:
    found = audiences(slack_api)
    slack_api.fail("conversations.info", 200, error="fatal_error")
    assert found.of("U_MEMBER", "C_FLAKY") == "public"  # Slack could not say: the safe choice, this once
    assert found.of("U_MEMBER", "C_FLAKY") == "staff"


def test_what_an_event_says_of_its_channel_spares_asking_slack(slack_api: FakeSlackApi) -> None:
    found, before = audiences(slack_api), lookups(slack_api, "conversations.info")
    assert found.of("U_MEMBER", "C_SAID_SHARED", shared=True) == "public"
    assert found.of("U_MEMBER", "C_SAID_INTERNAL", shared=False) == "staff"
    assert lookups(slack_api, "conversations.info") == before
