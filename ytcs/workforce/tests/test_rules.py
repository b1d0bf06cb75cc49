from __future__ import annotations

import datetime

import pytest

from ytcs.workforce.rules import cme_rule, retirement_rule


@pytest.mark.parametrize(
    ("sex", "birth", "retires"),
    [
        # Decree 135/2020: men 60y3m in 2021, +3 months a year, 62 from 2028.
        ("male", datetime.date(1961, 1, 10), datetime.date(2021, 4, 10)),  # 60y3m reached in 2021
        ("male", datetime.date(1965, 5, 10), datetime.date(2026, 11, 10)),  # 61y6m in 2026
        ("male", datetime.date(1970, 2, 1), datetime.date(2032, 2, 1)),  # 62 after 2028
        # Women 55y4m in 2021, +4 months a year, 60 from 2035.
        ("female", datetime.date(1966, 1, 20), datetime.date(2021, 5, 20)),  # 55y4m in 2021
        ("female", datetime.date(1975, 6, 30), datetime.date(2035, 6, 30)),  # 59y8m not reached in 2034: 60 in 2035
        ("female", datetime.date(1972, 10, 31), datetime.date(2031, 6, 30)),  # 58y8m in 2031; 31 June clamps to 30
        ("female", datetime.date(1980, 3, 3), datetime.date(2040, 3, 3)),  # 60 after 2035
    ],
)
def test_retirement_date_follows_the_decree_schedule(sex, birth, retires):
    assert retirement_rule().retirement_date(sex=sex, birth_date=birth) == retires


def test_retirement_rule_is_flagged_unconfirmed_and_cites_its_source():
    rule = retirement_rule()
    assert rule.confirmed is False and "135/2020" in rule.source


def test_cme_window_is_five_years_ending_on_the_day():
    rule = cme_rule()
    assert (rule.credits, rule.years) == (120, 5)
    assert rule.window_start(datetime.date(2026, 11, 26)) == datetime.date(2021, 11, 27)
    assert rule.window_start(datetime.date(2028, 2, 29)) == datetime.date(2023, 3, 1)
    assert "32/2023" in rule.source


def test_cme_rule_is_configurable(settings):
    settings.YTCS_CME_REQUIRED_CREDITS = 48
    settings.YTCS_CME_PERIOD_YEARS = 2
    assert (cme_rule().credits, cme_rule().years) == (48, 2)
