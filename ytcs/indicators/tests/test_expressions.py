import pytest
from django.core.exceptions import ValidationError

from ytcs.indicators.expressions import ConstantRef, DataRef, RegistryRef, parse


def test_references_are_found_once_each():
    expr = parse("(#{A} + #{A} + #{B.NAM}) * C{K} / R{category:nurse} - R{doctors}")
    assert set(expr.refs.values()) == {
        DataRef("A"),
        DataRef("B", "NAM"),
        ConstantRef("K"),
        RegistryRef("category", "nurse"),
        RegistryRef("doctors"),
    }


def test_arithmetic_follows_precedence():
    expr = parse("#{A} + #{B} * 2 - (#{C} - 1) / 4")
    assert expr.evaluate({DataRef("A"): 1, DataRef("B"): 3, DataRef("C"): 9}) == 1 + 6 - 2


def test_missing_data_counts_as_zero_unless_all_are_missing():
    expr = parse("#{A} + #{B}")
    assert expr.evaluate({DataRef("A"): 5}) == 5
    assert expr.evaluate({}) is None
    assert parse("2 * 3").evaluate({}) == 6


def test_unknown_registry_figure_or_constant_or_division_by_zero_gives_no_value():
    assert parse("R{population}").evaluate({}, registry={RegistryRef("population"): None}) is None
    assert parse("C{K}").evaluate({}, constants={}) is None
    assert parse("#{A} / #{B}").evaluate({DataRef("A"): 1, DataRef("B"): 0}) is None
    assert parse("1e308 * 10").evaluate({}) is None


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "__import__('os')",
        "#{A} ** 2",
        "#{A} +",
        "open",
        "#{A}.real",
        "[1]",
        "1 if 1 else 0",
        "#{A B}",
        "#{A.B.C}",
        "R{Doctors}",
        "C{}",
        "True",
        "#{A} // 2",
        "lambda: 1",
    ],
)
def test_anything_but_references_numbers_and_arithmetic_is_refused(bad):
    with pytest.raises(ValidationError):
        parse(bad)
