"""Settings read from the environment refuse a bad value instead of guessing what it meant."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool, env_float, env_int, env_list


def test_an_unset_variable_gives_the_default(monkeypatch):
    monkeypatch.delenv("GUARD_TEST_VALUE", raising=False)

    assert env_float("GUARD_TEST_VALUE", 0.46) == 0.46
    assert env_int("GUARD_TEST_VALUE", 5) == 5
    assert env_bool("GUARD_TEST_VALUE", True) is True
    assert env_list("GUARD_TEST_VALUE", ["US"]) == ["US"]


@pytest.mark.parametrize(("raw", "expected"), [("0.8", 0.8), ("1.01", 1.01), ("0", 0.0), ("", None), (" ", None)])
def test_a_score_threshold_is_read_as_a_number_and_empty_means_none(monkeypatch, raw, expected):
    monkeypatch.setenv("GUARD_TEST_VALUE", raw)

    assert env_float("GUARD_TEST_VALUE", 0.46) == expected


@pytest.mark.parametrize("raw", ["high", "0,8", "-0.1", "nan"])
def test_a_score_threshold_that_is_not_a_non_negative_number_is_refused(monkeypatch, raw):
    monkeypatch.setenv("GUARD_TEST_VALUE", raw)

    with pytest.raises(ImproperlyConfigured, match="GUARD_TEST_VALUE"):
        env_float("GUARD_TEST_VALUE", 0.46)


def test_a_bad_whole_number_or_boolean_is_refused(monkeypatch):
    monkeypatch.setenv("GUARD_TEST_VALUE", "often")

    with pytest.raises(ImproperlyConfigured, match="not a boolean"):
        env_bool("GUARD_TEST_VALUE", False)
    with pytest.raises(ImproperlyConfigured, match="not a whole number"):
        env_int("GUARD_TEST_VALUE", 3)
