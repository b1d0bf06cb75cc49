"""Figures of the registry that indicator expressions use as R{key} or R{key:argument}.

Each is computed live in the database for every unit of one level under a root, on one date: the end of the
period asked about, or today when the period has not ended (a stock, not a flow: a year's "doctors" are those
working on 31/12 of that year). The rules are the workforce indicators' (`ytcs.workforce.indicators`): a person
counts at the units above their posting; a station "has" someone working at it or at one of its satellite points;
the population of a unit is the sum of the catchment populations of the stations under it operating on the date
(a station: its own), for the year of the date.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ytcs.assessments.models import Assessment, AssessmentStatus
from ytcs.core.querysets import VIEW, subtree_q
from ytcs.indicators.expressions import RegistryRef
from ytcs.orgunits.models import OrgUnit, OrgUnitKind, Population
from ytcs.workforce.indicators import operating_on_q, valid_certificate_q, working_on_q
from ytcs.workforce.models import Certificate, Posting


@dataclass(frozen=True)
class Key:
    key: str
    label: Any
    argument: Any = None  # what the argument names, None when the key takes none


KEYS: dict[str, Key] = {
    k.key: k
    for k in (
        Key("population", _("catchment population (sum of the stations' populations for the year)")),
        Key("staff", _("people working")),
        Key("doctors", _("doctors working (titles counted as doctors)")),
        Key("category", _("people working with a title of the category"), _("title category, e.g. nurse")),
        Key("title", _("people working with the title"), _("title code")),
        Key("stations", _("commune health stations operating")),
        Key("stations_with_doctor", _("stations where a doctor works")),
        Key(
            "stations_with_competency",
            _("stations where someone holds a valid certificate of the competency"),
            _("competency code"),
        ),
        Key("assessed", _("stations with a verified assessment of the framework for the year"), _("framework code")),
        Key("criteria_met", _("stations whose verified assessment of the framework passed"), _("framework code")),
    )
}


def check(ref: RegistryRef) -> str | None:
    """What is wrong with a registry reference, or None."""
    spec = KEYS.get(ref.key)
    if spec is None:
        return str(_("R{%(key)s} is not a registry figure; known: %(known)s.")) % {
            "key": ref.key,
            "known": ", ".join(sorted(KEYS)),
        }
    if spec.argument is not None and not ref.arg:
        return str(_("R{%(key)s:…} needs an argument: %(what)s.")) % {"key": ref.key, "what": spec.argument}
    if spec.argument is None and ref.arg:
        return str(_("R{%(key)s} takes no argument.")) % {"key": ref.key}
    return None


def as_of(period_end: datetime.date, today: datetime.date | None = None) -> datetime.date:
    today = today or timezone.localdate()
    return min(period_end, today)


@dataclass(frozen=True)
class Scope:
    """Where figures are computed: units of `level`, under `root` (None: the viewer's scope), on `on`."""

    user: Any
    level: int
    on: datetime.date
    root: OrgUnit | None = None

    @property
    def field(self) -> str:
        return f"level{self.level}_id"

    def _under(self, qs: QuerySet, path_field: str) -> QuerySet:
        if self.root is not None:
            qs = qs.filter(subtree_q(path_field, self.root.path))
        return qs

    def postings(self) -> QuerySet[Posting]:
        qs = Posting.objects.restrict(self.user, VIEW).filter(working_on_q(self.on))
        return self._under(qs, "orgunit__path").order_by()

    def stations(self) -> QuerySet[OrgUnit]:
        qs = OrgUnit.objects.restrict(self.user, VIEW).filter(operating_on_q(self.on), kind=OrgUnitKind.STATION)
        return self._under(qs, "path").order_by()


def _by_unit(qs: QuerySet, field: str, aggregate: Any) -> dict[int, float]:
    return {
        row[field]: float(row["n"] or 0)
        for row in qs.filter(**{f"{field}__isnull": False}).values(field).annotate(n=aggregate).order_by()
    }


def _people(scope: Scope, people: Q) -> dict[int, float]:
    return _by_unit(scope.postings().filter(people), f"orgunit__{scope.field}", Count("staff", distinct=True))


def _stations_where(scope: Scope, people: Q) -> dict[int, float]:
    postings = scope.postings().filter(people)
    at_station = postings.filter(orgunit__kind=OrgUnitKind.STATION).values("orgunit_id")
    at_satellite = postings.filter(orgunit__kind=OrgUnitKind.SATELLITE).values("orgunit__parent_id")
    return _by_unit(scope.stations().filter(Q(pk__in=at_station) | Q(pk__in=at_satellite)), scope.field, Count("pk"))


def _population(scope: Scope, _arg: str | None) -> dict[int, float]:
    recorded = Population.objects.restrict(scope.user, VIEW).filter(
        year=scope.on.year, orgunit__kind=OrgUnitKind.STATION
    )
    recorded = recorded.filter(orgunit__in=scope.stations())
    return _by_unit(recorded, f"orgunit__{scope.field}", Sum("population"))


def _assessed(scope: Scope, framework: str | None, *, passed: bool) -> dict[int, float]:
    verified = Assessment.objects.restrict(scope.user, VIEW).filter(
        framework__code=framework, year=scope.on.year, status=AssessmentStatus.VERIFIED
    )
    if passed:
        verified = verified.filter(passed=True)
    return _by_unit(scope.stations().filter(pk__in=verified.values("orgunit_id")), scope.field, Count("pk"))


_COMPUTE: dict[str, Callable[[Scope, str | None], dict[int, float]]] = {
    "population": _population,
    "staff": lambda s, _a: _people(s, Q()),
    "doctors": lambda s, _a: _people(s, Q(staff__title__counts_as_doctor=True)),
    "category": lambda s, a: _people(s, Q(staff__title__category=a)),
    "title": lambda s, a: _people(s, Q(staff__title__code=a)),
    "stations": lambda s, _a: _by_unit(s.stations(), s.field, Count("pk")),
    "stations_with_doctor": lambda s, _a: _stations_where(s, Q(staff__title__counts_as_doctor=True)),
    "stations_with_competency": lambda s, a: _stations_where(
        s,
        Q(staff_id__in=Certificate.objects.filter(valid_certificate_q(s.on), competency__code=a).values("staff_id")),
    ),
    "assessed": lambda s, a: _assessed(s, a, passed=False),
    "criteria_met": lambda s, a: _assessed(s, a, passed=True),
}

# Counts are 0 where nothing matches; a population is unknown (no ratio) where none is recorded.
ZERO_WHEN_ABSENT = frozenset(_COMPUTE) - {"population"}


def figures(*, scope: Scope, ref: RegistryRef) -> dict[int, float]:
    """One figure for every unit of the scope's level that has one (one grouped query); units absent have 0 for
    counts and no value for the population (`ZERO_WHEN_ABSENT`)."""
    return _COMPUTE[ref.key](scope, ref.arg)


def values(
    *, scope: Scope, refs: Sequence[RegistryRef], unit_ids: Sequence[int]
) -> dict[tuple[int, RegistryRef], float | None]:
    """Each reference's figure for each unit (of the scope's level): one grouped query per reference."""
    out: dict[tuple[int, RegistryRef], float | None] = {}
    for ref in refs:
        figures = _COMPUTE[ref.key](scope, ref.arg)
        default = 0.0 if ref.key in ZERO_WHEN_ABSENT else None
        for unit_id in unit_ids:
            out[(unit_id, ref)] = figures.get(unit_id, default)
    return out
