"""The printed report on a unit (báo cáo): its workforce, the assessments of the year and its indicators against
the targets of a plan, with the units at risk; the kind of paper a department brings to a working session of the
People's Council. This module gathers the content as data; `report_render` lays it out as an administrative
document (Decree 30/2020/NĐ-CP) in PDF and .xlsx, and the API returns it as JSON.

Every figure comes from the modules that compute it elsewhere, for the viewer's scope:
- workforce: `ytcs.workforce.indicators` (headcount by title, doctors per 10,000, stations without a doctor or
  without someone certified for ultrasound / ECG) on 31/12 of the year (today for the current year), and the
  workforce selectors (licences expiring within six months, people without a valid licence, CME shortfall);
- assessments: `ytcs.assessments.reports.ranking_report` of each framework assessed in the unit's subtree that year
  (verified, passed, failed, pending, pass rate, the criteria most often failed);
- indicators: `selectors_targets` over `analytics` (value of the year and the one before, that year's target,
  % achieved, next target, trend and projection, at risk) and the units of the level below at risk.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils import timezone

from ytcs.assessments import reports as assessment_reports
from ytcs.assessments import selectors as assessment_selectors
from ytcs.assessments.models import Framework
from ytcs.core.querysets import VIEW, subtree_q
from ytcs.indicators import analytics
from ytcs.indicators import selectors_targets as selectors
from ytcs.indicators.models import Indicator, Target, TargetPlan
from ytcs.indicators.targets import TargetInfo
from ytcs.orgunits.models import OrgUnit
from ytcs.workforce import indicators as workforce
from ytcs.workforce import selectors as workforce_selectors
from ytcs.workforce.models import Title
from ytcs.workforce.rules import LICENCE_EXPIRY_WARNING_MONTHS

COMPETENCIES = ("sieu-am-tong-quat", "dien-tam-do")
"""The services the issue names as lacking certified staff: general ultrasound and ECG."""

WEAKEST_CRITERIA = 5
AT_RISK_SHOWN = 40


@dataclass(frozen=True)
class DocumentHeader:
    """The administrative header and footer of the paper (Decree 30/2020/NĐ-CP, Appendix I)."""

    issuing_body: str
    place: str
    date: datetime.date
    issuing_authority: str = ""
    number: str = ""
    subject: str = ""
    signer_authority: str = ""
    signer_title: str = ""
    signer_name: str = ""
    recipients: tuple[str, ...] = ()

    @property
    def number_line(self) -> str:
        """ "Số: 12/BC-SYT"; a number still to be given leaves the space for it, as the register will write it."""
        return f"Số: {self.number}" if self.number else "Số:      /BC"

    @property
    def date_line(self) -> str:
        """ "Tam Kỳ, ngày 05 tháng 02 năm 2026": days below 10 and the months 1 and 2 take a leading zero."""
        day = f"{self.date.day:02d}"
        month = f"{self.date.month:02d}" if self.date.month < 3 else str(self.date.month)
        return f"{self.place}, ngày {day} tháng {month} năm {self.date.year}"


DEFAULT_RECIPIENTS = ("- Như trên;", "- Lưu: VT.")
PLACE_TO_FILL = "……………"


def default_subject(unit: OrgUnit, year: int) -> str:
    return f"Tình hình nhân lực, chất lượng và thực hiện chỉ tiêu y tế cơ sở năm {year} của {unit.name}"


def document_header(*, unit: OrgUnit, year: int, fields: dict[str, Any]) -> DocumentHeader:
    """The header from what the user typed; blanks take the unit's names (the unit as issuing body under its
    parent), the default subject and recipients, today's date and a place left to fill in."""
    body = (fields.get("issuing_body") or "").strip()
    authority = (fields.get("issuing_authority") or "").strip()
    if not body:
        body = unit.name
        if not authority and unit.parent_id:
            authority = unit.parent.name
    recipients = fields.get("recipients")
    if isinstance(recipients, str):
        recipients = [line.strip() for line in recipients.splitlines() if line.strip()]
    return DocumentHeader(
        issuing_authority=authority.upper(),
        issuing_body=body.upper(),
        number=(fields.get("number") or "").strip(),
        place=(fields.get("place") or "").strip() or PLACE_TO_FILL,
        date=fields.get("date") or timezone.localdate(),
        subject=(fields.get("subject") or "").strip() or default_subject(unit, year),
        signer_authority=(fields.get("signer_authority") or "").strip(),
        signer_title=(fields.get("signer_title") or "").strip(),
        signer_name=(fields.get("signer_name") or "").strip(),
        recipients=tuple(recipients or DEFAULT_RECIPIENTS),
    )


@dataclass(frozen=True)
class TitleCount:
    title: Title
    people: int

    @property
    def code(self) -> str:
        return self.title.code

    @property
    def name(self) -> str:
        return self.title.name


@dataclass(frozen=True)
class WeakCriterion:
    """A criterion failed by `failed` of the verified units (`percent` of them)."""

    code: str
    name: str
    failed: int
    percent: Decimal | None


@dataclass(frozen=True)
class CompetencyGap:
    code: str
    name: str
    stations: int
    without: int


@dataclass
class WorkforceSummary:
    on: datetime.date
    headcount: int
    by_title: list[TitleCount]
    doctors: int
    population: int | None
    doctors_per_10000: Decimal | None
    stations: int
    stations_without_doctor: int
    competencies: list[CompetencyGap]
    licences_expiring: int
    without_licence: int
    cme_shortfall: int
    licence_months: int = LICENCE_EXPIRY_WARNING_MONTHS
    formula_confirmed: bool = workforce.DOCTORS_FORMULA_CONFIRMED


@dataclass
class AssessmentSummary:
    framework: Framework
    verified: int
    passed: int
    failed: int
    pending: int
    pass_rate: Decimal | None
    weakest: list[WeakCriterion]


@dataclass
class IndicatorLine:
    indicator: Indicator
    previous: Decimal | None
    value: Decimal | None
    target: TargetInfo | None  # the target of the year
    achieved: Decimal | None
    next_target: TargetInfo | None
    slope: Decimal | None
    projected: Decimal | None
    at_risk: bool | None


@dataclass
class UnitAtRisk:
    indicator: Indicator
    unit: OrgUnit
    latest_year: int | None
    latest_value: Decimal | None
    projected: Decimal | None
    target: TargetInfo | None


@dataclass
class Report:
    unit: OrgUnit
    year: int
    plan: TargetPlan | None
    on: datetime.date
    workforce: WorkforceSummary
    assessments: list[AssessmentSummary]
    indicators: list[IndicatorLine]
    at_risk: list[UnitAtRisk]
    at_risk_level: int
    at_risk_more: int = 0
    at_risk_checked: int = 0
    generated: datetime.datetime = field(default_factory=timezone.now)

    @property
    def plan_code(self) -> str | None:
        return self.plan.code if self.plan is not None else None

    @property
    def lines_at_risk(self) -> int:
        return sum(1 for line in self.indicators if line.at_risk)

    @property
    def lines_on_track(self) -> int:
        return sum(1 for line in self.indicators if line.at_risk is False)

    @property
    def unconfirmed(self) -> bool:
        """Some target shown comes from a plan whose values were not checked against its document."""
        if self.plan is not None and not self.plan.confirmed:
            return True
        return any(
            t is not None and not t.confirmed for line in self.indicators for t in (line.target, line.next_target)
        )


def figures_date(year: int, today: datetime.date | None = None) -> datetime.date:
    """Stocks (people, stations) are counted on 31/12 of the year, or today while the year runs."""
    today = today or timezone.localdate()
    return min(datetime.date(year, 12, 31), today)


def workforce_summary(*, user: Any, unit: OrgUnit, on: datetime.date) -> WorkforceSummary:
    selection = workforce.Selection(user=user, on=on, level=unit.level, root=unit)
    headcount = workforce.headcount_by_title(selection=selection)
    doctors = workforce.doctors_per_10000(selection=selection).total
    without_doctor = workforce.stations_without_doctor(selection=selection).total
    gaps = []
    for code in COMPETENCIES:
        competency = workforce.competency_by_code(code)
        if competency is None:
            continue
        row = workforce.stations_without_competency(selection=selection, competency=competency).total
        gaps.append(CompetencyGap(competency.code, competency.name, row.stations, row.without))
    people = {"orgunit": unit.code}
    return WorkforceSummary(
        on=on,
        headcount=headcount.total.total_count,
        by_title=[TitleCount(title, n) for title, n in headcount.total.cells if n],
        doctors=doctors.doctors,
        population=doctors.population,
        doctors_per_10000=doctors.value,
        stations=without_doctor.stations,
        stations_without_doctor=without_doctor.without,
        competencies=gaps,
        licences_expiring=workforce_selectors.licences_expiring(user=user, on=on, filters=people).count(),
        without_licence=workforce_selectors.staff_without_valid_licence(user=user, on=on, filters=people).count(),
        cme_shortfall=workforce_selectors.cme_standing(user=user, on=on, filters={**people, "shortfall": True}).count(),
    )


def assessment_summaries(*, user: Any, unit: OrgUnit, year: int) -> list[AssessmentSummary]:
    """One summary per framework with an assessment of the year in the unit's subtree."""
    assessed = (
        assessment_selectors.assessment_list(user=user)
        .filter(year=year)
        .filter(subtree_q("orgunit__path", unit.path))
        .values("framework_id")
    )
    out = []
    for framework in Framework.objects.filter(pk__in=assessed).order_by("code", "-version"):
        ranking = assessment_reports.ranking_report(user=user, framework=framework, year=year, root=unit)
        summary = ranking.summary
        out.append(
            AssessmentSummary(
                framework=framework,
                verified=summary.verified,
                passed=summary.passed,
                failed=summary.failed,
                pending=summary.pending,
                pass_rate=summary.pass_rate,
                weakest=[
                    WeakCriterion(f.criterion.code, f.criterion.name, f.count, f.percent)
                    for f in ranking.failures[:WEAKEST_CRITERIA]
                ],
            )
        )
    return out


def report_indicators(*, user: Any, plan: TargetPlan | None) -> list[Indicator]:
    """The indicators of the report: those with a target in the plan (without a plan: any target the viewer
    sees), in catalogue order."""
    if plan is not None:
        return selectors.plan_indicators(user=user, plan=plan)
    ids = Target.objects.restrict(user, VIEW).values("indicator_id")
    return list(Indicator.objects.filter(pk__in=ids).order_by("sort_order", "code"))


def indicator_lines(
    *, user: Any, unit: OrgUnit, year: int, plan: TargetPlan | None, indicators: list[Indicator]
) -> list[IndicatorLine]:
    lines = []
    for indicator in indicators:
        row = selectors.unit_outlook(user=user, indicator=indicator, units=[unit], year=year, plan=plan)[unit.pk]
        value = row.value_of(year)
        target = row.year_target
        lines.append(
            IndicatorLine(
                indicator=indicator,
                previous=row.value_of(year - 1),
                value=value,
                target=target,
                achieved=analytics.achieved_percent(
                    value, target.value if target else None, indicator.higher_is_better
                ),
                next_target=row.next_target,
                slope=row.slope,
                projected=row.projected,
                at_risk=row.at_risk,
            )
        )
    return lines


def build_report(
    *, user: Any, unit: OrgUnit, year: int, plan: TargetPlan | None = None, level: int | None = None
) -> Report:
    """The report's content for a unit the viewer sees (see the module docstring)."""
    on = figures_date(year)
    indicators = report_indicators(user=user, plan=plan)
    if level is None:
        level, _levels = selectors.at_risk_level(user=user, root=unit)
    at_risk = selectors.at_risk(user=user, year=year, plan=plan, level=level, root=unit)
    units_at_risk = [
        UnitAtRisk(
            indicator=r.indicator,
            unit=r.unit,
            latest_year=r.row.latest_year,
            latest_value=r.row.latest_value,
            projected=r.row.projected,
            target=r.row.next_target,
        )
        for r in at_risk.rows
    ]
    return Report(
        unit=unit,
        year=year,
        plan=plan,
        on=on,
        workforce=workforce_summary(user=user, unit=unit, on=on),
        assessments=assessment_summaries(user=user, unit=unit, year=year),
        indicators=indicator_lines(user=user, unit=unit, year=year, plan=plan, indicators=indicators),
        at_risk=units_at_risk[:AT_RISK_SHOWN],
        at_risk_level=level,
        at_risk_more=max(len(units_at_risk) - AT_RISK_SHOWN, 0),
        at_risk_checked=at_risk.checked,
    )
