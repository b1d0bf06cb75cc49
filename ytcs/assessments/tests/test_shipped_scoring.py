"""Each shipped framework scored on hand-computed examples, boundaries included."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ytcs.assessments.frameworks import DATA_DIR, load_file, rule_from_document
from ytcs.assessments.scoring import FrameworkRule, score

D = Decimal


@pytest.fixture(autouse=True)
def english():
    from django.utils import translation

    with translation.override("en"):
        yield


def rule(code: str):
    document = load_file(DATA_DIR / f"{code}.yaml")
    return document, rule_from_document(document)


def test_qd1300_keeps_its_known_maxima_and_invents_no_points():
    document, rules = rule("qd1300-2030")
    maxima = [c.max_points for c in rules.criteria]
    assert maxima[:8] == [D(14), D(10), D(12), D(9), D(19), D(12), D(6), D(11)] and maxima[8:] == [None, None]
    every_item = {i.code: (True if i.type == "yes_no" else 0) for c in rules.criteria for i in c.items}
    card = score(rules, every_item)
    # Item points are not in any source available here: every item is asked, none scores, and with no known pass
    # rule there is no verdict (rather than a made-up one).
    assert card.total == 0 and card.maximum == D(93) and card.passed is None and card.complete
    assert not document["confirmed"] and not document["pass_rule_confirmed"]
    # The stunting item is "lower is better": its limits are not known either, so it scores nothing at any value.
    assert score(rules, {**every_item, "TC7.35": 10}).total == 0


def test_5s_hand_computed_and_at_the_boundaries():
    _document, rules = rule("5s-co-so-y-te")
    answers = {}
    for criterion in rules.criteria:
        for item in criterion.items:
            answers[item.code] = True if item.type == "yes_no" else 2
    full = score(rules, answers)
    assert [c.points for c in full.criteria] == [D(8)] * 5 and full.total == D(40) and full.maximum == D(40)
    # S1: 2 + 1 + 0 (points) + yes + no = 4 of 8 → 50%; everything else full: total 36 = 90%.
    half = score(rules, {**answers, "S1.2": 1, "S1.3": 0, "S1.5": False})
    assert half.criteria[0].points == D(4) and half.criteria[0].percent == D(50)
    assert half.total == D(36) and half.percent == D(90)
    assert half.passed is None  # the Department has not set a pass mark
    # With a pass mark of 80% of each S (as a province might set), S1 at exactly 50% fails and at 80% passes.
    strict = FrameworkRule(scoring="points", criteria=rules.criteria, pass_criterion_min_percent=D(80))
    assert score(strict, half_answers := {**answers, "S1.2": 1, "S1.3": 0, "S1.5": False}).failed_criteria == ["S1"]
    at_80 = {**half_answers, "S1.3": 2, "S1.5": True}  # 2 + 1 + 2 + 1 + 1 = 7 of 8 = 87.5%
    assert score(strict, at_80).passed is True
    below = {**answers, "S1.1": 1, "S1.2": 1}  # 1 + 1 + 2 + 1 + 1 = 6 of 8 = 75%: below 80, fails
    assert score(strict, below).criteria[0].percent == D(75) and score(strict, below).passed is False
    boundary = FrameworkRule(scoring="points", criteria=rules.criteria, pass_criterion_min_percent=D(75))
    assert score(boundary, below).passed is True  # exactly at the mark passes


def test_sara_index_hand_computed():
    _document, rules = rule("who-sara-gsr")
    sizes = [len(c.items) for c in rules.criteria]
    assert sizes == [7, 7, 9, 8, 14]
    present = {"BA": 7, "BE": 0, "SP": 9, "DC": 4, "EM": 7}  # 100, 0, 100, 50, 50
    answers = {}
    for criterion in rules.criteria:
        for n, item in enumerate(criterion.items):
            answers[item.code] = n < present[criterion.code]
    card = score(rules, answers)
    assert [c.percent for c in card.criteria] == [D(100), D(0), D(100), D(50), D(50)]
    assert card.total == D(60) and card.passed is None
    # One more essential medicine: 8/14 = 57.14 → index (100 + 0 + 100 + 50 + 57.14) / 5 = 61.428 → 61.43.
    answers["EM8"] = True
    assert score(rules, answers).total == D("61.43")
