"""Which target applies to a unit and a year (chỉ tiêu áp dụng).

A target is set by a plan for an indicator, a unit and a year. A unit's target is, in order:
1. one set on the unit itself; among several plans, the most local plan's (a provincial plan over the national
   strategy: the plan issued for the deeper unit), then the later-ending plan;
2. else one set "for each unit below" (`applies_below`) on the nearest unit above it, same order among plans.
Choosing a plan restricts both to that plan.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Q

from ytcs.core.querysets import VIEW
from ytcs.indicators.models import Indicator, Target, TargetPlan
from ytcs.orgunits.models import OrgUnit


@dataclass(frozen=True)
class TargetInfo:
    value: float
    year: int
    plan_code: str
    plan_name: str
    confirmed: bool
    set_on: str  # code of the unit the target was set on
    inherited: bool  # set on a unit above, for each unit below


@dataclass
class Targets:
    by_unit: dict[int, dict[int, TargetInfo]]

    def for_year(self, unit: OrgUnit, year: int) -> TargetInfo | None:
        return self.by_unit.get(unit.pk, {}).get(year)

    def next_from(self, unit: OrgUnit, year: int) -> TargetInfo | None:
        """The unit's target of `year` or the first later one."""
        years = sorted(y for y in self.by_unit.get(unit.pk, {}) if y >= year)
        return self.by_unit[unit.pk][years[0]] if years else None

    def years(self, unit: OrgUnit) -> list[int]:
        return sorted(self.by_unit.get(unit.pk, {}))


def targets_for(
    *, user: Any, indicator: Indicator, units: Sequence[OrgUnit], plan: TargetPlan | None = None
) -> Targets:
    """The applicable target of every unit for every year that has one (one query)."""
    if not units:
        return Targets({})
    chains = {u.pk: [int(p) for p in u.path.strip("/").split("/") if p] for u in units}
    above = {pk for chain in chains.values() for pk in chain[:-1]}
    qs = (
        Target.objects.restrict(user, VIEW)
        .filter(indicator=indicator)
        .filter(Q(orgunit_id__in=list(chains)) | Q(applies_below=True, orgunit_id__in=list(above)))
        .select_related("plan", "plan__orgunit", "orgunit")
    )
    if plan is not None:
        qs = qs.filter(plan=plan)
    own: dict[int, list[Target]] = defaultdict(list)
    for target in qs:
        own[target.orgunit_id].append(target)

    def rank(target: Target) -> tuple:
        return (-target.plan.orgunit.level, -target.plan.end_year, target.plan.code)

    out: dict[int, dict[int, TargetInfo]] = {}
    for unit in units:
        chain = chains[unit.pk]
        years: dict[int, TargetInfo] = {}
        # Nearest first: the unit itself, then each unit above it, closest first.
        for depth, unit_id in enumerate(reversed(chain)):
            inherited = depth > 0
            for target in sorted(own.get(unit_id, ()), key=rank):
                if inherited and not target.applies_below:
                    continue
                years.setdefault(
                    target.year,
                    TargetInfo(
                        value=target.value,
                        year=target.year,
                        plan_code=target.plan.code,
                        plan_name=target.plan.name,
                        confirmed=target.plan.confirmed,
                        set_on=target.orgunit.code,
                        inherited=inherited,
                    ),
                )
        out[unit.pk] = years
    return Targets(out)
