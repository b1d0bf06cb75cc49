"""Scoring against hand-computed examples, thresholds included (exactly at a threshold passes)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ytcs.assessments.scoring import CriterionRule, FrameworkRule, ItemRule, check_value, item_points, score

D = Decimal


@pytest.fixture(autouse=True)
def english():
    """The reasons are checked in English (the UI language follows the reader)."""
    from django.utils import translation

    with translation.override("en"):
        yield


def yes(code: str, points: int = 1) -> ItemRule:
    return ItemRule(code=code, type="yes_no", max_points=D(points))


POINTS_RULE = FrameworkRule(
    scoring="points",
    pass_total_min=D(10),
    criteria=(
        CriterionRule(
            code="TC1",
            name="Chỉ đạo",
            max_points=D(6),
            min_points=D(3),
            items=(
                yes("1.1", 2),
                ItemRule(code="1.2", type="points", max_points=D(3)),
                ItemRule(
                    code="1.3",
                    type="choice",
                    choices=({"code": "a", "points": 2}, {"code": "b", "points": 1}, {"code": "c", "points": 0}),
                ),
            ),
        ),
        CriterionRule(
            code="TC2",
            name="Nhân lực",
            max_points=D(6),
            items=(
                ItemRule(
                    code="2.1",
                    type="number",
                    thresholds=({"min": 1, "points": 2}, {"min": 2, "points": 4}),
                ),
                yes("2.2", 2),
            ),
        ),
    ),
)


def test_each_item_type_scores_by_its_rule():
    assert item_points(yes("x", 2), True) == 2 and item_points(yes("x", 2), False) == 0
    assert item_points(yes("x", 2), None) is None
    assert item_points(ItemRule(code="p", type="points", max_points=D(3)), 2.5) == D("2.5")
    choice = POINTS_RULE.criteria[0].items[2]
    assert [item_points(choice, c) for c in "abc"] == [2, 1, 0]
    number = POINTS_RULE.criteria[1].items[0]
    # Thresholds: the highest reached; exactly at a threshold reaches it.
    assert [item_points(number, n) for n in (0, 1, 1.5, 2, 7)] == [0, 2, 2, 4, 4]


def test_a_hand_computed_scorecard_that_passes_exactly_at_the_thresholds():
    # TC1: 2 (yes) + 1 (points) + 0 (choice c) = 3 = its minimum; TC2: 4 + 2 = 6, at its maximum; total 9 + ... = 9.
    card = score(POINTS_RULE, {"1.1": True, "1.2": 1, "1.3": "c", "2.1": 3, "2.2": True})
    assert [(c.code, c.points, c.maximum, c.passed) for c in card.criteria] == [
        ("TC1", D(3), D(6), True),
        ("TC2", D(6), D(6), None),
    ]
    assert card.total == D(9) and card.maximum == D(12) and card.complete
    # The total is one short of the 10 required.
    assert card.passed is False and card.reasons == ["the total 9 is below the minimum of 10"]
    card = score(POINTS_RULE, {"1.1": True, "1.2": 2, "1.3": "c", "2.1": 3, "2.2": True})
    assert card.total == D(10) and card.passed is True and card.reasons == []  # exactly at the minimum


def test_a_criterion_below_its_minimum_fails_the_whole_and_says_why():
    card = score(POINTS_RULE, {"1.1": False, "1.2": 2, "1.3": "a", "2.1": 2, "2.2": True})
    # TC1 = 0 + 2 + 2 = 4 ≥ 3; make it 2.9 instead:
    assert card.criteria[0].passed is True
    card = score(POINTS_RULE, {"1.1": False, "1.2": D("0.9"), "1.3": "a", "2.1": 9, "2.2": True})
    assert card.criteria[0].points == D("2.9") and card.criteria[0].passed is False
    assert card.failed_criteria == ["TC1"]
    assert card.reasons[-1] == "criterion TC1 scored 2.9, below its minimum of 3"


def test_a_criterion_is_capped_at_its_maximum_and_unanswered_items_leave_it_incomplete():
    capped = FrameworkRule(
        scoring="points",
        criteria=(CriterionRule(code="C", name="c", max_points=D(3), items=(yes("a", 2), yes("b", 2))),),
    )
    card = score(capped, {"a": True, "b": True})
    assert card.total == D(3) and card.passed is None  # no pass rule: no verdict
    card = score(capped, {"a": True})
    assert not card.complete and card.criteria[0].answered == 1 and card.total == D(2)


def test_every_criterion_percent_rule():
    rule = FrameworkRule(
        scoring="points",
        pass_criterion_min_percent=D(50),
        criteria=(
            CriterionRule(code="S1", name="Sàng lọc", items=(yes("a"), yes("b"))),
            CriterionRule(code="S2", name="Sắp xếp", items=(yes("c"), yes("d"), yes("e"))),
        ),
    )
    card = score(rule, {"a": True, "b": False, "c": True, "d": False, "e": False})
    # S1: 1/2 = 50% (exactly at the rule: passes); S2: 1/3 = 33.33% fails.
    assert [(c.percent, c.passed) for c in card.criteria] == [(D("50.00"), True), (D("33.33"), False)]
    assert card.passed is False and card.reasons == ["criterion S2 reached 33.33%, below the 50% required"]


def test_the_sara_index_is_the_mean_of_the_domain_percentages():
    rule = FrameworkRule(
        scoring="domain_mean",
        criteria=(
            CriterionRule(code="D1", name="Basic amenities", items=tuple(yes(f"a{n}") for n in range(7))),
            CriterionRule(code="D2", name="Basic equipment", items=tuple(yes(f"b{n}") for n in range(6))),
            CriterionRule(code="D3", name="Standard precautions", items=tuple(yes(f"c{n}") for n in range(9))),
            CriterionRule(code="D4", name="Diagnostics", items=tuple(yes(f"d{n}") for n in range(8))),
            CriterionRule(code="D5", name="Essential medicines", items=tuple(yes(f"e{n}") for n in range(4))),
        ),
    )
    answers = {f"a{n}": n < 7 for n in range(7)}  # 7/7 = 100
    answers |= {f"b{n}": n < 3 for n in range(6)}  # 3/6 = 50
    answers |= {f"c{n}": n < 6 for n in range(9)}  # 6/9 = 66.67
    answers |= {f"d{n}": n < 2 for n in range(8)}  # 2/8 = 25
    answers |= {f"e{n}": False for n in range(4)}  # 0
    card = score(rule, answers)
    assert [c.percent for c in card.criteria] == [D(100), D(50), D("66.67"), D(25), D(0)]
    # (100 + 50 + 66.67 + 25 + 0) / 5 = 48.334 → 48.33
    assert card.total == D("48.33") and card.maximum == D(100) and card.passed is None


@pytest.mark.parametrize(
    "rule,value,stored",
    [
        (yes("x"), "có", True),
        (yes("x"), "0", False),
        (ItemRule(code="n", type="number"), "3", 3),
        (ItemRule(code="n", type="number"), "2.5", 2.5),
        (ItemRule(code="p", type="points", max_points=D(2)), 2, 2),
        (ItemRule(code="c", type="choice", choices=({"code": "a", "points": 1},)), "a", "a"),
        (yes("x"), "", None),
    ],
)
def test_answers_are_checked_and_stored_plainly(rule, value, stored):
    assert check_value(rule, value) == stored


@pytest.mark.parametrize(
    "rule,value",
    [
        (yes("x"), "maybe"),
        (ItemRule(code="n", type="number"), "abc"),
        (ItemRule(code="n", type="number"), -1),
        (ItemRule(code="p", type="points", max_points=D(2)), 3),
        (ItemRule(code="c", type="choice", choices=({"code": "a", "points": 1},)), "z"),
    ],
)
def test_bad_answers_are_refused(rule, value):
    with pytest.raises(ValueError):
        check_value(rule, value)


def test_the_reasons_read_in_vietnamese_for_a_vietnamese_reader():
    from django.utils import translation

    with translation.override("vi"):
        card = score(POINTS_RULE, {"1.1": True, "1.2": 1, "1.3": "c", "2.1": 3, "2.2": True})
    assert card.reasons == ["tổng điểm 9 dưới mức tối thiểu 10"]


def test_an_item_whose_points_are_unknown_scores_nothing_and_lower_is_better_thresholds():
    unknown = ItemRule(code="u", type="yes_no")
    assert item_points(unknown, True) == 0 and unknown.reachable == 0
    stunting = ItemRule(code="s", type="number", thresholds=({"max": 24, "points": 1},))
    assert [item_points(stunting, v) for v in (30, "24", 23.9)] == [0, 1, 1]  # at the limit counts


@pytest.mark.parametrize("value", ["NaN", "Infinity", "-Infinity", "sNaN", "1e999999999", "12345678901"])
def test_numbers_that_are_not_numbers_or_absurdly_large_are_refused(value):
    with pytest.raises(ValueError):
        check_value(ItemRule(code="n", type="number"), value)


def test_the_index_is_the_mean_of_exact_domain_percentages_rounded_once():
    sizes = (7, 7, 9, 8, 14)
    present = (0, 0, 1, 0, 5)
    rule = FrameworkRule(
        scoring="domain_mean",
        criteria=tuple(
            CriterionRule(code=f"D{d}", name="d", items=tuple(yes(f"{d}.{n}") for n in range(size)))
            for d, size in enumerate(sizes)
        ),
    )
    answers = {f"{d}.{n}": n < present[d] for d, size in enumerate(sizes) for n in range(size)}
    # (0 + 0 + 11.111… + 0 + 35.714…) / 5 = 9.365… → 9.37 (a mean of rounded figures would give 9.36).
    assert score(rule, answers).total == D("9.37")


def test_the_criterion_percent_rule_is_compared_exactly():
    rule = FrameworkRule(
        scoring="points",
        pass_criterion_min_percent=D(50),
        criteria=(
            CriterionRule(
                code="C", name="c", max_points=D(200), items=(ItemRule(code="p", type="points", max_points=D(200)),)
            ),
        ),
    )
    assert score(rule, {"p": D("99.99")}).passed is False  # 49.995%, shown as 50.00
    assert score(rule, {"p": 100}).passed is True  # exactly 50%
