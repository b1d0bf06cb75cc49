"""Validation rules (quy tắc kiểm tra) over one unit's values of one period.

Each side is an expression (`expressions.py`) over the unit's own values of the period (not its subtree's), so
"deliveries at the station ≤ deliveries in the commune" compares two figures the station reported. A side
without data is skipped, as DHIS2 does by default; a broken rule is a warning shown beside the form, never a
refusal (the figure may be right and the rule's assumption wrong).
"""

from __future__ import annotations

import operator
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass

from django.utils.translation import gettext as _

from ytcs.indicators import expressions
from ytcs.indicators import periods as P
from ytcs.indicators.models import CategoryOptionCombo, Constant, DataElement, DataSet, DataValue, ValidationRule
from ytcs.orgunits.models import OrgUnit

_OPS = {
    "==": operator.eq,
    "!=": operator.ne,
    ">": operator.gt,
    ">=": operator.ge,
    "<": operator.lt,
    "<=": operator.le,
}
EPSILON = 1e-9


@dataclass(frozen=True)
class Violation:
    rule: ValidationRule
    left: float
    right: float

    @property
    def message(self) -> str:
        return _("%(rule)s: %(left)s %(op)s %(right)s does not hold. %(instruction)s") % {
            "rule": self.rule.name,
            "left": _fmt(self.left),
            "op": self.rule.get_operator_display(),
            "right": _fmt(self.right),
            "instruction": self.rule.instruction,
        }


def _fmt(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.2f}"


def holds(op: str, left: float, right: float) -> bool:
    if op == "==":
        return abs(left - right) <= EPSILON
    if op == "!=":
        return abs(left - right) > EPSILON
    return _OPS[op](left, right)


def unit_values(
    *, orgunit: OrgUnit, period: P.Period, overrides: Mapping[tuple[int, int], float | None] | None = None
) -> dict[expressions.DataRef, float]:
    """The unit's own values of the period by reference (#{DE} totals and #{DE.COMBO} cells); `overrides` (data
    element id, option combo id) → value replace stored ones (what is being typed)."""
    cells: dict[tuple[int, int], float | None] = {
        (de, coc): value
        for de, coc, value in DataValue.objects.filter(orgunit=orgunit, period=period.code).values_list(
            "data_element_id", "category_option_combo_id", "value"
        )
    }
    cells.update(overrides or {})
    de_codes = dict(DataElement.objects.filter(pk__in={k[0] for k in cells}).values_list("pk", "code"))
    coc_codes = dict(CategoryOptionCombo.objects.filter(pk__in={k[1] for k in cells}).values_list("pk", "code"))
    out: dict[expressions.DataRef, float] = defaultdict(float)
    for (de, coc), value in cells.items():
        if value is None or de not in de_codes:
            continue
        out[expressions.DataRef(de_codes[de])] += value
        out[expressions.DataRef(de_codes[de], coc_codes.get(coc))] += value
    return dict(out)


def check_rules(
    *,
    data_set: DataSet,
    orgunit: OrgUnit,
    period: P.Period,
    overrides: Mapping[tuple[int, int], float | None] | None = None,
) -> list[Violation]:
    values = unit_values(orgunit=orgunit, period=period, overrides=overrides)
    constants = dict(Constant.objects.values_list("code", "value"))
    out = []
    for rule in ValidationRule.objects.filter(data_sets=data_set, is_active=True).order_by("code"):
        left = expressions.parse(rule.left).evaluate(values, constants)
        right = expressions.parse(rule.right).evaluate(values, constants)
        if left is None or right is None:
            continue
        if not holds(rule.operator, left, right):
            out.append(Violation(rule, left, right))
    return out
