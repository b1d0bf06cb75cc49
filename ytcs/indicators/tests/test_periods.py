import datetime

import pytest
from django.core.exceptions import ValidationError

from ytcs.indicators import periods as P


@pytest.mark.parametrize(
    ("code", "kind", "start", "end"),
    [
        ("2025", "yearly", datetime.date(2025, 1, 1), datetime.date(2025, 12, 31)),
        ("2025Q1", "quarterly", datetime.date(2025, 1, 1), datetime.date(2025, 3, 31)),
        ("2024Q4", "quarterly", datetime.date(2024, 10, 1), datetime.date(2024, 12, 31)),
        ("202402", "monthly", datetime.date(2024, 2, 1), datetime.date(2024, 2, 29)),
        ("202512", "monthly", datetime.date(2025, 12, 1), datetime.date(2025, 12, 31)),
    ],
)
def test_parse_gives_type_and_bounds(code, kind, start, end):
    period = P.parse(code)
    assert (period.type, period.start, period.end, period.code) == (kind, start, end, code)


@pytest.mark.parametrize("bad", ["", "25", "2025Q5", "202513", "202500", "2025-01", "1800", "2025q1", "abc"])
def test_parse_refuses_what_is_not_a_period(bad):
    with pytest.raises(ValidationError):
        P.parse(bad)


def test_a_month_rolls_up_to_its_quarter_and_year():
    assert [p.code for p in P.parse("202505").enclosing()] == ["202505", "2025Q2", "2025"]
    assert [p.code for p in P.parse("2025Q3").enclosing()] == ["2025Q3", "2025"]
    assert [p.code for p in P.parse("2025").enclosing()] == ["2025"]
    assert P.parse("2025").contains(P.parse("202511"))
    assert not P.parse("2025Q1").contains(P.parse("202504"))


def test_previous_and_next_cross_year_boundaries():
    assert P.parse("202501").previous().code == "202412"
    assert P.parse("202412").next().code == "202501"
    assert P.parse("2025Q1").previous().code == "2024Q4"
    assert P.parse("2024Q4").next().code == "2025Q1"
    assert P.parse("2025").previous().code == "2024"


def test_between_keeps_whole_periods_only():
    months = P.between(datetime.date(2025, 1, 15), datetime.date(2025, 4, 30), "monthly")
    assert [p.code for p in months] == ["202502", "202503", "202504"]
    assert [p.code for p in P.of_type_in(P.parse("2025"), "quarterly")] == ["2025Q1", "2025Q2", "2025Q3", "2025Q4"]
    assert P.of_type_in(P.parse("202501"), "yearly") == []


def test_recent_ends_with_the_current_period():
    codes = [p.code for p in P.recent("monthly", today=datetime.date(2026, 2, 10), count=3)]
    assert codes == ["202602", "202601", "202512"]


def test_labels_read_as_vietnamese_forms_write_them():
    from django.utils import translation

    assert P.parse("202503").label == "03/2025"
    with translation.override("vi"):
        assert P.parse("2025Q2").label == "Quý 2/2025"
