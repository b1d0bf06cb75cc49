"""Scoring exactly by a framework's rules, as pure functions of the framework's rules and the answers.

- points: an item scores by its type (yes → its points; points → the value given, up to its maximum; choice → the
  choice's points; number → the points of the highest threshold reached, a threshold being a `min` to reach or a
  `max` not to exceed). An item whose points are unknown (null) is asked but scores nothing. A criterion scores
  the sum of its items, capped at its maximum; the total is the sum of the criteria.
- domain_mean (WHO SARA): each criterion is a domain, each item a tracer present or not; a domain scores the % of
  its tracers present and the index is the mean of the domain scores.
- pass: the total reaches `pass_total_min`, and every criterion reaches its `min_points` (or the framework's
  `pass_criterion_min_percent` of its maximum). Exactly at a threshold passes. Without any rule there is no verdict.
Unanswered items score nothing and leave the scorecard incomplete.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

HUNDRED = Decimal(100)
CENT = Decimal("0.01")


def _round(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def fmt(value: Decimal) -> str:
    """A number as people write it: 50, 2.9 (never 5E+1)."""
    return f"{value.normalize():f}"


def _decimal(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


@dataclass(frozen=True)
class ItemRule:
    code: str
    type: str  # yes_no | number | choice | points
    max_points: Decimal | None = None
    choices: tuple[Mapping[str, Any], ...] = ()
    thresholds: tuple[Mapping[str, Any], ...] = ()

    @property
    def reachable(self) -> Decimal:
        """The most this item can score."""
        if self.type == "choice" and self.choices:
            return max(Decimal(str(c["points"])) for c in self.choices)
        if self.type == "number" and self.thresholds:
            return max(Decimal(str(t["points"])) for t in self.thresholds)
        # Points not known (an unconfirmed framework): the item is asked but scores nothing, never a made-up 1.
        return self.max_points if self.max_points is not None else Decimal(0)


@dataclass(frozen=True)
class CriterionRule:
    code: str
    name: str
    items: tuple[ItemRule, ...]
    max_points: Decimal | None = None
    min_points: Decimal | None = None

    @property
    def maximum(self) -> Decimal:
        return self.max_points if self.max_points is not None else sum((i.reachable for i in self.items), Decimal(0))


@dataclass(frozen=True)
class FrameworkRule:
    scoring: str  # points | domain_mean
    criteria: tuple[CriterionRule, ...]
    pass_total_min: Decimal | None = None
    pass_criterion_min_percent: Decimal | None = None

    @property
    def has_pass_rule(self) -> bool:
        return (
            self.pass_total_min is not None
            or self.pass_criterion_min_percent is not None
            or any(c.min_points is not None for c in self.criteria)
        )


def check_value(rule: ItemRule, value: Any) -> Any:
    """The value in its stored form, or ValueError with a message naming what is wrong."""
    if value is None or value == "":
        return None
    if rule.type == "yes_no":
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in ("true", "1", "yes", "co", "có", "x"):
            return True
        if text in ("false", "0", "no", "khong", "không"):
            return False
        raise ValueError(_("Answer yes or no."))
    if rule.type == "choice":
        codes = [str(c["code"]) for c in rule.choices]
        if str(value) not in codes:
            raise ValueError(_("Choose one of: %(codes)s.") % {"codes": ", ".join(codes)})
        return str(value)
    number = _decimal(value)
    # Not finite (NaN, Infinity) or absurdly large ("1e999999999" would be built digit by digit): not a number.
    if number is None or not number.is_finite() or number.adjusted() >= 10:
        raise ValueError(_("Enter a number."))
    if number < 0:
        raise ValueError(_("The value cannot be negative."))
    if rule.type == "points" and rule.max_points is not None and number > rule.max_points:
        raise ValueError(_("At most %(max)s points.") % {"max": fmt(rule.max_points)})
    return float(number) if number != number.to_integral_value() else int(number)


def item_points(rule: ItemRule, value: Any) -> Decimal | None:
    """Points an answer scores; None when unanswered."""
    if value is None or value == "":
        return None
    if rule.type == "yes_no":
        return rule.reachable if value is True else Decimal(0)
    if rule.type == "choice":
        for choice in rule.choices:
            if str(choice["code"]) == str(value):
                return Decimal(str(choice["points"]))
        return Decimal(0)
    number = _decimal(value) or Decimal(0)
    if rule.type == "points":
        return min(number, rule.max_points) if rule.max_points is not None else number
    reached = [Decimal(str(t["points"])) for t in rule.thresholds if _reaches(number, t)]
    return max(reached) if reached else Decimal(0)


def _reaches(number: Decimal, threshold: Mapping[str, Any]) -> bool:
    """A threshold is reached at or above its `min`, or at or below its `max` (lower is better: a stunting rate)."""
    if threshold.get("min") is not None and number < Decimal(str(threshold["min"])):
        return False
    return not (threshold.get("max") is not None and number > Decimal(str(threshold["max"])))


@dataclass
class CriterionScore:
    code: str
    name: str
    points: Decimal
    maximum: Decimal
    percent: Decimal
    answered: int
    items: int
    passed: bool | None = None
    reason: str = ""


@dataclass
class Scorecard:
    scoring: str
    criteria: list[CriterionScore]
    total: Decimal
    maximum: Decimal
    percent: Decimal
    complete: bool
    passed: bool | None
    reasons: list[str] = field(default_factory=list)

    @property
    def failed_criteria(self) -> list[str]:
        return [c.code for c in self.criteria if c.passed is False]


def _percent(part: Decimal, whole: Decimal) -> Decimal:
    return _round(part * HUNDRED / whole) if whole else Decimal(0)


def score(rule: FrameworkRule, answers: Mapping[str, Any]) -> Scorecard:
    """The scorecard of `answers` (item code → value) under the framework's rules."""
    criteria: list[CriterionScore] = []
    reasons: list[str] = []
    exact: list[Decimal] = []  # the unrounded domain percentages of an index framework
    for criterion in rule.criteria:
        values = [(item, answers.get(item.code)) for item in criterion.items]
        points = [item_points(item, value) for item, value in values]
        answered = sum(p is not None for p in points)
        if rule.scoring == "domain_mean":
            present = sum(1 for item, value in values if value is True)
            maximum = Decimal(len(criterion.items))
            got = Decimal(present)
            percent = _percent(got, maximum)
            exact.append(got * HUNDRED / maximum if maximum else Decimal(0))
        else:
            maximum = criterion.maximum
            got = min(sum((p for p in points if p is not None), Decimal(0)), maximum)
            percent = _percent(got, maximum)
        row = CriterionScore(criterion.code, criterion.name, _round(got), maximum, percent, answered, len(values))
        if criterion.min_points is not None:
            row.passed = got >= criterion.min_points
            if not row.passed:
                row.reason = _("criterion %(code)s scored %(got)s, below its minimum of %(min)s") % {
                    "code": criterion.code,
                    "got": fmt(_round(got)),
                    "min": fmt(criterion.min_points),
                }
        elif rule.pass_criterion_min_percent is not None:
            # Compared exactly, not on the rounded percentage shown (49.995% does not pass a 50% rule).
            row.passed = got * HUNDRED >= rule.pass_criterion_min_percent * maximum
            if not row.passed:
                row.reason = _("criterion %(code)s reached %(pct)s%%, below the %(min)s%% required") % {
                    "code": criterion.code,
                    "pct": fmt(percent),
                    "min": fmt(rule.pass_criterion_min_percent),
                }
        if row.reason:
            reasons.append(row.reason)
        criteria.append(row)
    if rule.scoring == "domain_mean":
        maximum = HUNDRED
        # The mean of the exact domain percentages, rounded once (not a mean of rounded figures).
        total = _round(sum(exact, Decimal(0)) / len(exact)) if exact else Decimal(0)
    else:
        maximum = sum((c.maximum for c in criteria), Decimal(0))
        total = _round(sum((c.points for c in criteria), Decimal(0)))
    if rule.pass_total_min is not None and total < rule.pass_total_min:
        reasons.insert(
            0,
            _("the total %(total)s is below the minimum of %(min)s")
            % {"total": fmt(total), "min": fmt(rule.pass_total_min)},
        )
    complete = all(c.answered == c.items for c in criteria)
    passed = None if not rule.has_pass_rule else not reasons
    return Scorecard(
        scoring=rule.scoring,
        criteria=criteria,
        total=total,
        maximum=maximum,
        percent=_percent(total, maximum) if rule.scoring != "domain_mean" else total,
        complete=complete,
        passed=passed,
        reasons=reasons,
    )


def rule_from_rows(framework: Any, criteria: Sequence[Any]) -> FrameworkRule:
    """The rules of a framework read from its model rows (criteria with their items prefetched)."""
    return FrameworkRule(
        scoring=framework.scoring,
        pass_total_min=framework.pass_total_min,
        pass_criterion_min_percent=framework.pass_criterion_min_percent,
        criteria=tuple(
            CriterionRule(
                code=c.code,
                name=c.name,
                max_points=c.max_points,
                min_points=c.min_points,
                items=tuple(
                    ItemRule(
                        code=i.code,
                        type=i.type,
                        max_points=i.max_points,
                        choices=tuple(i.choices or ()),
                        thresholds=tuple(i.thresholds or ()),
                    )
                    for i in c.items.all()
                ),
            )
            for c in criteria
        ),
    )
