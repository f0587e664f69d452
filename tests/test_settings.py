"""What serving reads from the environment (bot/serving/settings.py): defaults, each variable, and every bad
value named at once."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.serving.settings import ServingSettings, database_of


def test_the_database_goes_to_var_under_the_working_directory_unless_coopbot_db_says(tmp_path: Path) -> None:
    assert database_of({}, tmp_path) == tmp_path / "var" / "coopbot.sqlite3"
    assert database_of({"COOPBOT_DB": "/srv/x.db"}, tmp_path) == Path("/srv/x.db")
    assert database_of({"COOPBOT_DB": "postgresql://db/coopbot"}, tmp_path) == "postgresql://db/coopbot"


def test_the_db_option_wins_over_the_environment() -> None:
    settings = ServingSettings.from_env({"COOPBOT_DB": "/srv/x.db"}, Path("/tmp/y.db"))
    assert settings.database == Path("/tmp/y.db")


def test_each_setting_is_read_from_its_variable() -> None:
    env = {
        "COOPBOT_REDIS_URL": " rediss://:pw@redis:6380/0 ",
        "COOPBOT_REPLICA": "a",
        "COOPBOT_USER_LIMIT": "0",
        "COOPBOT_LOG": "off",
        "COOPBOT_LOG_DAYS": "30",
        "COOPBOT_CURATORS": "U1, U2,",
    }
    settings = ServingSettings.from_env(env)
    assert (settings.redis_url, settings.replica, settings.per_minute) == ("rediss://:pw@redis:6380/0", "a", 0)
    assert (settings.log, settings.log_days, settings.curators) == (False, 30, frozenset({"U1", "U2"}))


def test_every_bad_value_is_named_at_once_with_what_to_write() -> None:
    with pytest.raises(ValueError) as raised:
        ServingSettings.from_env({"COOPBOT_USER_LIMIT": "lots", "COOPBOT_LOG_DAYS": "forever"})
    lines = str(raised.value).splitlines()
    assert len(lines) == 2
    assert "COOPBOT_USER_LIMIT must be a whole number of questions a minute, not 'lots'" in lines
    assert "COOPBOT_LOG_DAYS must be a whole number of days, not 'forever'" in lines


def test_a_retention_of_no_days_is_refused() -> None:
    with pytest.raises(ValueError, match="COOPBOT_LOG_DAYS must be at least 1"):
        ServingSettings.from_env({"COOPBOT_LOG_DAYS": "0"})
