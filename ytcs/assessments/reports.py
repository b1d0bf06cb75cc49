"""Assessment reports (báo cáo đánh giá): the scorecard of an assessment (page and printable PDF), a unit's results
across years, and the ranking of a year's verified results with the criteria most often failed.

Selectors that take the viewer. Scores come from the framework's rules (`services.assessment_scorecard`,
`scoring.score`). Rankings and counts are aggregates computed in the database over the verified assessments, whose
total, verdict and failed criteria were kept at verification: a province's (or a country's) ranking is a handful of
queries whatever its size.

"Failed criterion X" means X is in the assessment's kept `failed_criteria` (a JSON list of codes). PostgreSQL
answers it with JSON containment (`@>`); SQLite has no containment, so there it is the position of the code's JSON
text (quotes included, e.g. `"TC1"`, so TC1 never matches TC10) in the stored list, case-sensitively (`instr`).
Both are one conditional COUNT per criterion in one query.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import connections
from django.db.models import (
    Case,
    Count,
    F,
    IntegerField,
    Max,
    Q,
    QuerySet,
    TextField,
    Value,
    When,
    Window,
)
from django.db.models.functions import Cast, Rank, StrIndex
from django.db.models.lookups import GreaterThan
from django.utils.translation import gettext as _

from ytcs.assessments import selectors, services
from ytcs.assessments.models import Answer, Assessment, AssessmentStatus, Criterion, Framework, ItemType, Scoring
from ytcs.assessments.scoring import CriterionScore, ItemRule, Scorecard, fmt, item_points, rule_from_rows, score
from ytcs.core.querysets import VIEW, scope_paths, subtree_q
from ytcs.orgunits.models import OrgUnit
from ytcs.workforce.indicators import percent

DEFAULT_FRAMEWORK_PREFIX = "qd1300"
"""The ranking opens on the national commune-health criteria (QĐ 1300/QĐ-BYT) when they are loaded."""


# ---------------------------------------------------------------------------------------------- failed criteria


def failed_condition(code: str, *, using: str = "default") -> Any:
    """A condition on assessments: `code` is among their failed criteria (see the module docstring)."""
    if connections[using].vendor == "postgresql":
        return Q(failed_criteria__contains=[code])
    text = Cast("failed_criteria", output_field=TextField())
    return GreaterThan(StrIndex(text, Value(json.dumps(code))), 0)


# ---------------------------------------------------------------------------------------------- scorecard


@dataclass
class ItemLine:
    """One item of the scorecard: the answer as people read it and the points it scored."""

    code: str
    text: str
    type: str
    answered: bool
    answer: str
    points: Decimal | None
    reachable: Decimal
    confirmed: bool
    evidence_required: bool
    evidence: int = 0
    prefill_source: str = ""
    prefilled_answer: str = ""
    overridden: bool = False
    override_reason: str = ""
    note: str = ""


@dataclass
class CriterionLine:
    score: CriterionScore
    criterion: Criterion
    items: list[ItemLine]

    @property
    def unanswered(self) -> int:
        return self.score.items - self.score.answered

    @property
    def minimum(self) -> Decimal | None:
        return self.criterion.min_points


@dataclass
class AssessmentScorecard:
    """The scorecard of an assessment: the framework's scoring of its answers (`card`), with each criterion's
    items, what the pass rule says and whether its sources were checked."""

    assessment: Assessment
    card: Scorecard
    criteria: list[CriterionLine]
    pass_rule: list[str]

    @property
    def framework(self) -> Framework:
        return self.assessment.framework

    @property
    def is_index(self) -> bool:
        return self.card.scoring == Scoring.DOMAIN_MEAN

    @property
    def unanswered(self) -> int:
        return sum(c.unanswered for c in self.criteria)

    @property
    def items(self) -> int:
        return sum(c.score.items for c in self.criteria)

    @property
    def answered(self) -> int:
        return sum(c.score.answered for c in self.criteria)

    @property
    def unconfirmed_criteria(self) -> int:
        return sum(not c.criterion.confirmed for c in self.criteria)

    @property
    def is_final(self) -> bool:
        return self.assessment.status == AssessmentStatus.VERIFIED


def answer_text(item: Any, value: Any) -> str:
    """An answer as people read it: yes/no, a number with its unit, the label of a choice."""
    if value is None or value == "":
        return ""
    if item.type == ItemType.YES_NO:
        return _("Yes") if value is True else _("No")
    if item.type == ItemType.CHOICE:
        for choice in item.choices or ():
            if str(choice.get("code")) == str(value):
                label = choice.get("label") or choice.get("code")
                return f"{choice.get('code')}. {label}" if choice.get("label") else str(label)
        return str(value)
    number = fmt(Decimal(str(value))) if isinstance(value, int | float) else str(value)
    return f"{number} {item.unit}".strip() if item.type == ItemType.NUMBER else number


def pass_rule_lines(framework: Framework, criteria: Sequence[Criterion]) -> list[str]:
    """What the framework's pass rule asks, one sentence per condition (empty: the scorecard gives no verdict)."""
    lines = []
    if framework.pass_total_min is not None:
        if framework.scoring == Scoring.DOMAIN_MEAN:
            lines.append(_("The index reaches at least %(min)s%%.") % {"min": fmt(framework.pass_total_min)})
        else:
            lines.append(_("The total reaches at least %(min)s points.") % {"min": fmt(framework.pass_total_min)})
    for criterion in criteria:
        if criterion.min_points is not None:
            lines.append(
                _("Criterion %(code)s scores at least %(min)s points.")
                % {"code": criterion.code, "min": fmt(criterion.min_points)}
            )
    if framework.pass_criterion_min_percent is not None and any(c.min_points is None for c in criteria):
        lines.append(
            _("Every other criterion reaches at least %(pct)s%% of its maximum.")
            % {"pct": fmt(framework.pass_criterion_min_percent)}
        )
    return lines


def assessment_scorecard(*, assessment: Assessment) -> AssessmentScorecard:
    """The scorecard of an assessment the viewer was allowed to open (selectors.assessment_get). The live score
    (services.assessment_scorecard): once submitted the answers can no longer change, so for a verified assessment
    it is the verified result. A constant number of queries whatever the size of the framework."""
    card = services.assessment_scorecard(assessment)
    criteria = list(Criterion.objects.filter(framework=assessment.framework_id).prefetch_related("items"))
    rules = {i.code: i for c in rule_from_rows(assessment.framework, criteria).criteria for i in c.items}
    answers = {a.item_id: a for a in Answer.objects.filter(assessment=assessment)}
    evidence = dict(assessment.evidence.exclude(item=None).order_by().values_list("item_id").annotate(n=Count("pk")))
    by_code = {c.code: c for c in criteria}
    lines = []
    for row in card.criteria:
        criterion = by_code[row.code]
        items = []
        for item in criterion.items.all():
            answer = answers.get(item.pk)
            value = answer.value if answer is not None else None
            rule: ItemRule = rules[item.code]
            overridden = bool(
                answer and answer.prefill_source and value is not None and value != answer.prefilled_value
            )
            items.append(
                ItemLine(
                    code=item.code,
                    text=item.text,
                    type=item.type,
                    answered=value is not None and value != "",
                    answer=answer_text(item, value),
                    points=item_points(rule, value),
                    reachable=Decimal(1) if card.scoring == Scoring.DOMAIN_MEAN else rule.reachable,
                    confirmed=item.confirmed,
                    evidence_required=item.evidence_required,
                    evidence=evidence.get(item.pk, 0),
                    prefill_source=answer.prefill_source if answer else "",
                    prefilled_answer=answer_text(item, answer.prefilled_value) if answer else "",
                    overridden=overridden,
                    override_reason=answer.override_reason if answer else "",
                    note=answer.note if answer else "",
                )
            )
        lines.append(CriterionLine(score=row, criterion=criterion, items=items))
    return AssessmentScorecard(
        assessment=assessment,
        card=card,
        criteria=lines,
        pass_rule=pass_rule_lines(assessment.framework, criteria),
    )


# ---------------------------------------------------------------------------------------------- across years


@dataclass
class ComparisonRow:
    """A criterion across the years: its score in each column (None when that year's version lacks it)."""

    code: str
    name: str
    cells: list[CriterionScore | None]


@dataclass
class ComparisonColumn:
    assessment: Assessment
    card: Scorecard

    @property
    def year(self) -> int:
        return self.assessment.year


@dataclass
class Comparison:
    """A unit's assessments against one framework (every version of its code), oldest first: criteria as rows,
    years as columns."""

    orgunit: OrgUnit
    framework: Framework
    columns: list[ComparisonColumn]
    rows: list[ComparisonRow]
    other_frameworks: list[Framework] = field(default_factory=list)

    @property
    def is_index(self) -> bool:
        return self.framework.scoring == Scoring.DOMAIN_MEAN

    @property
    def several_versions(self) -> bool:
        return len({c.assessment.framework_id for c in self.columns}) > 1


def framework_by_code(*, code: str) -> Framework | None:
    """The newest version of a framework code (in use or not), or None."""
    return selectors.framework_list(include_inactive=True).filter(code=code).order_by("-version").first()


def unit_comparison(*, user: Any, orgunit: OrgUnit, framework: Framework) -> Comparison:
    """A unit's results across years for a framework code (selectors.unit_history): every assessment is scored
    by its own version's rules; a verified one is its verified result, a draft its live score. Five queries."""
    history = list(selectors.unit_history(user=user, orgunit=orgunit, framework_code=framework.code))
    versions: dict[int, list[Criterion]] = {}
    criteria = Criterion.objects.filter(framework__in={a.framework_id for a in history}).prefetch_related("items")
    for criterion in criteria:
        versions.setdefault(criterion.framework_id, []).append(criterion)
    answers: dict[int, dict[str, Any]] = {}
    rows = Answer.objects.filter(assessment__in=[a.pk for a in history]).values_list(
        "assessment_id", "item__code", "value"
    )
    for assessment_id, code, value in rows:
        answers.setdefault(assessment_id, {})[code] = value
    columns = []
    for assessment in history:
        rule = rule_from_rows(assessment.framework, versions.get(assessment.framework_id, []))
        columns.append(ComparisonColumn(assessment, score(rule, answers.get(assessment.pk, {}))))
    # Rows: the criteria of the newest assessment's version, then those only older versions had.
    names: dict[str, str] = {}
    for column in reversed(columns):
        for row in column.card.criteria:
            names.setdefault(row.code, row.name)
    table = [
        ComparisonRow(
            code=code,
            name=name,
            cells=[next((r for r in column.card.criteria if r.code == code), None) for column in columns],
        )
        for code, name in names.items()
    ]
    others = selectors.assessment_list(user=user).filter(orgunit=orgunit).exclude(framework__code=framework.code)
    newest: dict[str, Framework] = {}
    for other in selectors.framework_list(include_inactive=True).filter(code__in=others.values("framework__code")):
        if other.code not in newest or other.version > newest[other.code].version:
            newest[other.code] = other
    other_frameworks = [newest[code] for code in sorted(newest)]
    return Comparison(
        orgunit=orgunit, framework=framework, columns=columns, rows=table, other_frameworks=other_frameworks
    )


# ---------------------------------------------------------------------------------------------- ranking


def percent_of(total: Decimal | None, maximum: Decimal) -> Decimal | None:
    """A points total as a % of the framework's maximum, to one decimal (None without a total or a maximum)."""
    if total is None or not maximum:
        return None
    return (total * 100 / maximum).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def default_framework(frameworks: Iterable[Framework]) -> Framework | None:
    """The national commune-health criteria (QĐ 1300) when present among `frameworks`, else the first in use."""
    frameworks = list(frameworks)
    active = [f for f in frameworks if f.is_active]
    for framework in active:
        if framework.code.startswith(DEFAULT_FRAMEWORK_PREFIX):
            return framework
    return active[0] if active else (frameworks[0] if frameworks else None)


def default_root(*, user: Any) -> OrgUnit | None:
    """The top unit of the user's scope (the province for its staff, the region for a regional manager); None
    when the scope has several tops (roles on two regions): the ranking then covers the whole scope."""
    paths = scope_paths(user, VIEW)
    if paths is None:
        tops = list(OrgUnit.objects.filter(parent__isnull=True).order_by("path")[:2])
        return tops[0] if len(tops) == 1 else None
    if len(paths) != 1:
        return None
    return OrgUnit.objects.select_related("parent").filter(path=paths[0]).first()


def verified_years(*, user: Any, framework: Framework, root: OrgUnit | None = None) -> list[int]:
    """Years with verified results of the framework under `root`, newest first."""
    qs = selectors.assessment_list(user=user).filter(framework=framework, status=AssessmentStatus.VERIFIED)
    if root is not None:
        qs = qs.filter(subtree_q("orgunit__path", root.path))
    return list(qs.order_by("-year").values_list("year", flat=True).distinct())


@dataclass(frozen=True)
class RankingSummary:
    verified: int
    passed: int
    failed: int
    pending: int

    @property
    def without_verdict(self) -> int:
        return self.verified - self.passed - self.failed

    @property
    def pass_rate(self) -> Decimal | None:
        """Share of the verified results with a verdict that passed; None when none has a verdict."""
        return percent(self.passed, self.passed + self.failed)


@dataclass(frozen=True)
class FailedCriterion:
    criterion: Criterion
    count: int
    percent: Decimal | None


@dataclass
class RankingReport:
    """Verified results of a framework and year under a unit, best first, with the pass rate and the criteria
    most often failed. `rows` is a lazy queryset (paginated in SQL), each row annotated with its `rank` among all
    the verified results of the selection (1, 2, 2, 4 for ties), even when only the units that failed one
    criterion (`failed`) are listed."""

    framework: Framework
    year: int
    root: OrgUnit | None
    rows: QuerySet[Assessment]
    summary: RankingSummary
    failures: list[FailedCriterion]
    maximum: Decimal
    failed: Criterion | None = None

    @property
    def is_index(self) -> bool:
        return self.framework.scoring == Scoring.DOMAIN_MEAN


def ranked(
    *, user: Any, framework: Framework, year: int, root: OrgUnit | None = None, failed: str | None = None
) -> QuerySet[Assessment]:
    """The verified results ranked by total (selectors.ranking). With `failed`, only those that failed that
    criterion, keeping their rank among all: the condition becomes a window over the row itself, which the
    database applies after the ranking window (Django filters on window annotations in an outer query)."""
    qs = selectors.ranking(user=user, framework=framework, year=year, root=root).select_related("orgunit__parent")
    qs = qs.annotate(rank=Window(Rank(), order_by=[F("total").desc()]))
    if failed:
        flag = Case(When(failed_condition(failed, using=qs.db), then=Value(1)), default=Value(0))
        qs = qs.annotate(failed_flag=Window(Max(flag, output_field=IntegerField()), partition_by=[F("pk")]))
        qs = qs.filter(failed_flag=1)
    return qs.order_by("rank", "orgunit__code")


def ranking_report(
    *, user: Any, framework: Framework, year: int, root: OrgUnit | None = None, failed: str | None = None
) -> RankingReport:
    """The ranking of a year (see RankingReport): five queries besides the page of rows."""
    criteria = list(Criterion.objects.filter(framework=framework).prefetch_related("items"))
    rule = rule_from_rows(framework, criteria)
    maximum = (
        Decimal(100)
        if framework.scoring == Scoring.DOMAIN_MEAN
        else sum((c.maximum for c in rule.criteria), Decimal(0))
    )
    year_qs = selectors.assessment_list(user=user).filter(framework=framework, year=year)
    if root is not None:
        year_qs = year_qs.filter(subtree_q("orgunit__path", root.path))
    verified = Q(status=AssessmentStatus.VERIFIED)
    counts = year_qs.aggregate(
        n_verified=Count("pk", filter=verified),
        n_passed=Count("pk", filter=verified & Q(passed=True)),
        n_failed=Count("pk", filter=verified & Q(passed=False)),
        n_pending=Count("pk", filter=~verified),
    )
    summary = RankingSummary(**{name[2:]: n for name, n in counts.items()})
    failures: list[FailedCriterion] = []
    if criteria and summary.verified:
        base = selectors.ranking(user=user, framework=framework, year=year, root=root)
        by_criterion = base.aggregate(
            **{f"c{n}": Count("pk", filter=failed_condition(c.code, using=base.db)) for n, c in enumerate(criteria)}
        )
        failures = [
            FailedCriterion(c, by_criterion[f"c{n}"], percent(by_criterion[f"c{n}"], summary.verified))
            for n, c in enumerate(criteria)
            if by_criterion[f"c{n}"]
        ]
        failures.sort(key=lambda f: (-f.count, f.criterion.order))
    chosen = next((c for c in criteria if c.code == failed), None) if failed else None
    return RankingReport(
        framework=framework,
        year=year,
        root=root,
        rows=ranked(user=user, framework=framework, year=year, root=root, failed=chosen.code if chosen else None),
        summary=summary,
        failures=failures,
        maximum=maximum,
        failed=chosen,
    )
