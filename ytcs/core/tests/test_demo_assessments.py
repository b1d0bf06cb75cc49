"""The demo's assessments: two verified years of every open station, this year's self-assessments, 5S; scores as
the services keep them, answers pre-filled from the registry of the day, a spread of results, deterministic, and
in scope for the demo logins."""

from __future__ import annotations

import datetime
import re
from collections import Counter, defaultdict
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db.models import Count
from django.utils import timezone, translation

from ytcs.accounts.models import User
from ytcs.assessments import selectors
from ytcs.assessments.models import Answer, Assessment, AssessmentStatus, Evidence
from ytcs.assessments.prefill import prefill_value, registry_fact
from ytcs.assessments.services import assessment_scorecard, may_verify
from ytcs.core.demo.assessment_plan import (
    FIVE_S,
    QD1300,
    SARA,
    Registry,
    demo_pdf,
    demo_png,
    plan_assessments,
)
from ytcs.core.demo.builder import demo_load, demo_reset, read_frameworks
from ytcs.core.demo.plan import plan_demo
from ytcs.core.models import AuditEntry
from ytcs.core.querysets import subtree_q
from ytcs.orgunits.models import OrgUnit, OrgUnitKind

TODAY = datetime.date(2026, 3, 16)
PASSWORD = "demo-pass-2025"
# A small province: 30 stations in 2 regions, centres and hospitals at a tenth of their size.
FACTOR, WORKFORCE_FACTOR = 0.2, 0.1
VERIFIED_YEARS = (TODAY.year - 2, TODAY.year - 1)
DAY_IN_SOURCE = re.compile(r"(\d{2})/(\d{2})/(\d{4})$")


@pytest.fixture(autouse=True)
def media(settings, tmp_path) -> Path:
    """Evidence files go to a temporary media root."""
    settings.MEDIA_ROOT = str(tmp_path)
    return tmp_path


def load(seed: int = 1, *, today: datetime.date = TODAY, **options) -> None:
    demo_load(
        scale="province",
        seed=seed,
        password=PASSWORD,
        factor=FACTOR,
        workforce_factor=WORKFORCE_FACTOR,
        today=today,
        **options,
    )


def open_stations() -> list[OrgUnit]:
    return list(OrgUnit.objects.filter(kind=OrgUnitKind.STATION, closed_on__isnull=True).order_by("code"))


def assessment_snapshot() -> list[list]:
    return [
        list(
            Assessment.objects.order_by("pk").values_list(
                "pk", "orgunit__code", "framework__code", "year", "status", "submitted_at", "submitted_by__username",
                "verified_at", "verified_by__username", "comment", "total", "passed", "failed_criteria",
            )
        ),
        list(
            Answer.objects.order_by("pk").values_list(
                "assessment_id", "item__code", "value", "prefilled_value", "prefill_source", "override_reason", "note"
            )
        ),
        list(Evidence.objects.order_by("pk").values_list("assessment_id", "item__code", "original_name", "size")),
    ]  # fmt: skip


# --- what every station gets ---


@pytest.mark.django_db
def test_every_open_station_has_two_verified_years_of_the_national_criteria_and_of_sara():
    load()
    stations = open_stations()
    assert len(stations) >= 20
    verified = Assessment.objects.filter(status=AssessmentStatus.VERIFIED)
    for code in (QD1300, SARA):
        years = defaultdict(set)
        for unit, year in verified.filter(framework__code=code).values_list("orgunit_id", "year"):
            years[unit].add(year)
        assert {unit.pk: years[unit.pk] for unit in stations} == {unit.pk: set(VERIFIED_YEARS) for unit in stations}
    # Only open stations: closed ones (merged in 2025) and satellite points have none.
    assessed_kinds = set(Assessment.objects.values_list("orgunit__kind", flat=True))
    assert assessed_kinds == {OrgUnitKind.STATION, OrgUnitKind.REGIONAL_CENTRE}
    assert not Assessment.objects.filter(orgunit__closed_on__isnull=False).exists()


@pytest.mark.django_db
def test_verified_assessments_are_complete_and_verified_by_the_level_above_the_next_january_to_march():
    load()
    users = {user.username: user for user in User.objects.all()}
    region = OrgUnit.objects.get(code="TTKV01")
    items = dict(
        Assessment.objects.values("framework_id")
        .annotate(n=Count("framework__criteria__items", distinct=True))
        .values_list("framework_id", "n")
    )
    answered = dict(Assessment.objects.annotate(n=Count("answers")).values_list("pk", "n"))
    verified = Assessment.objects.filter(status=AssessmentStatus.VERIFIED).select_related("orgunit__parent")
    assert verified.count() > 100
    for assessment in verified:
        assert answered[assessment.pk] == items[assessment.framework_id]
        verified_on = timezone.localtime(assessment.verified_at).date()
        assert assessment.year + 1 == verified_on.year and verified_on.month <= 3 and verified_on <= TODAY
        assert assessment.submitted_at < assessment.verified_at
        assert timezone.localtime(assessment.submitted_at).year == assessment.year
        assert assessment.comment.startswith("Đã thẩm định")
        # The level above verified it: the regional manager in their region, the province administrator elsewhere.
        expected = "region_manager" if assessment.orgunit.path.startswith(region.path) else "province_admin"
        if assessment.orgunit.kind == OrgUnitKind.REGIONAL_CENTRE:
            expected = "province_admin"
        assert assessment.verified_by == users[expected]
        assert may_verify(users[expected], assessment)
    station = Assessment.objects.filter(orgunit__code="TYT0101", status=AssessmentStatus.VERIFIED)
    assert {a.submitted_by for a in station} == {users["station_head"]}


@pytest.mark.django_db
def test_this_year_every_station_self_assesses_in_drafts_submitted_and_returned():
    load()
    this_year = Assessment.objects.filter(year=TODAY.year)
    assert set(this_year.values_list("framework__code", flat=True)) == {QD1300}
    assert this_year.count() == len(open_stations())
    statuses = Counter(this_year.values_list("status", flat=True))
    assert set(statuses) == {AssessmentStatus.DRAFT, AssessmentStatus.SUBMITTED, AssessmentStatus.RETURNED}
    assert statuses[AssessmentStatus.DRAFT] > statuses[AssessmentStatus.SUBMITTED] > statuses[AssessmentStatus.RETURNED]
    items = this_year.first().framework.criteria.aggregate(n=Count("items"))["n"]
    for assessment in this_year.annotate(n=Count("answers")):
        assert not assessment.verified_at and not assessment.verified_by
        if assessment.status == AssessmentStatus.DRAFT:
            # Never submitted: no score kept; the registry's items at least are pre-filled.
            assert assessment.total is None and assessment.passed is None and not assessment.submitted_at
            assert 0 < assessment.n <= items
        else:
            assert assessment.n == items and assessment.total is not None
            assert timezone.localtime(assessment.submitted_at).date() <= TODAY
        assert bool(assessment.comment) == (assessment.status == AssessmentStatus.RETURNED)
    assert this_year.filter(status=AssessmentStatus.DRAFT).annotate(n=Count("answers")).filter(n__lt=items).exists()
    # The demo station's was returned for correction, with a photo and scanned minutes attached.
    showcase = this_year.get(orgunit__code="TYT0101")
    assert showcase.status == AssessmentStatus.RETURNED and showcase.comment
    assert sorted(showcase.evidence.values_list("content_type", flat=True)) == ["application/pdf", "image/png"]


@pytest.mark.django_db
def test_regional_centres_and_some_stations_have_last_years_5s_checklist():
    load()
    five_s = Assessment.objects.filter(framework__code=FIVE_S)
    assert set(five_s.values_list("year", "status").distinct()) == {(TODAY.year - 1, AssessmentStatus.VERIFIED)}
    regions = set(OrgUnit.objects.filter(kind=OrgUnitKind.REGIONAL_CENTRE, closed_on__isnull=True))
    assert {a.orgunit for a in five_s.filter(orgunit__kind=OrgUnitKind.REGIONAL_CENTRE)} == regions
    stations = five_s.filter(orgunit__kind=OrgUnitKind.STATION)
    assert stations.filter(orgunit__code="TYT0101").exists()
    assert 0.15 * len(open_stations()) < stations.count() < 0.7 * len(open_stations())


# --- scores and answers ---


@pytest.mark.django_db
def test_stored_scores_equal_the_live_scorecard():
    load()
    scored = Assessment.objects.exclude(status=AssessmentStatus.DRAFT).select_related("framework").order_by("pk")
    sample = list(scored[::2])
    assert {a.framework.code for a in sample} == {QD1300, SARA, FIVE_S} and len(sample) > 50
    for assessment in sample:
        card = assessment_scorecard(assessment)
        assert card.complete
        assert (assessment.total, assessment.passed, assessment.failed_criteria) == (
            card.total,
            card.passed,
            card.failed_criteria,
        ), assessment


@pytest.mark.django_db
def test_results_spread_most_stations_improve_and_some_lag_on_a_criterion():
    load()
    verified = Assessment.objects.filter(status=AssessmentStatus.VERIFIED)
    sara = defaultdict(dict)
    for unit, year, total in verified.filter(framework__code=SARA).values_list("orgunit_id", "year", "total"):
        sara[unit][year] = total
    first, second = VERIFIED_YEARS
    assert len({years[second] for years in sara.values()}) > len(sara) / 2  # not all alike
    assert max(y[second] for y in sara.values()) - min(y[second] for y in sara.values()) > 20
    improved = sum(years[second] > years[first] for years in sara.values())
    assert len(sara) / 2 < improved < len(sara)
    assert len(set(verified.filter(framework__code=FIVE_S).values_list("total", flat=True))) > 3
    # The national criteria: their items' points are unknown, so no total to rank by (0) and no verdict; the
    # spread is in the answers.
    national = verified.filter(framework__code=QD1300)
    assert set(national.values_list("total", "passed")) == {(0, None)}
    answers = Answer.objects.filter(assessment__in=national, prefill_source="")
    met = Counter(answers.filter(value=True).values_list("assessment__year", flat=True))
    assert met[first] < met[second]
    unmet = Counter(answers.filter(value=False).values_list("item__criterion__code", flat=True))
    assert unmet["TC1"] > 0
    stunting = defaultdict(dict)
    for unit, year, value in answers.filter(item__code="TC7.35").values_list(
        "assessment__orgunit_id", "assessment__year", "value"
    ):
        stunting[unit][year] = value
    assert all(3 <= v[first] <= 38 and 3 <= v[second] <= 38 for v in stunting.values())
    assert len(stunting) / 2 < sum(v[second] < v[first] for v in stunting.values())


@pytest.mark.django_db
def test_prefilled_answers_hold_the_registry_value_of_the_day_and_overrides_give_a_reason():
    load()
    prefilled = Answer.objects.exclude(prefill_source="").select_related("assessment__orgunit", "item").order_by("pk")
    assert prefilled.count() > 100
    with translation.override("vi"):
        for answer in prefilled[::7]:
            day, month, year = DAY_IN_SOURCE.search(answer.prefill_source).groups()
            on = datetime.date(int(year), int(month), int(day))
            assert on.year == answer.assessment.year
            value, source = registry_fact(answer.item.prefill, answer.assessment.orgunit, on)
            assert (answer.prefilled_value, answer.prefill_source) == (prefill_value(answer.item.type, value), source)
            answer.full_clean()
    # A value differs from the registry's exactly when a reason is given.
    overridden = [answer for answer in prefilled if answer.value != answer.prefilled_value]
    assert overridden and {a.pk for a in overridden} == set(
        prefilled.exclude(override_reason="").values_list("pk", flat=True)
    )
    for answer in overridden:
        answer.full_clean()


# --- determinism, files, the command ---


@pytest.mark.django_db
def test_the_same_seed_gives_the_same_assessments_and_another_seed_other_ones():
    demo_reset()
    load(seed=5)
    first = assessment_snapshot()
    demo_reset()
    load(seed=5)
    assert assessment_snapshot() == first
    demo_reset()
    load(seed=6)
    other = assessment_snapshot()
    assert [row[10] for row in other[0]] != [row[10] for row in first[0]]  # totals
    assert [row[2] for row in other[1]] != [row[2] for row in first[1]]  # answers


@pytest.mark.django_db
@pytest.mark.parametrize("today", [datetime.date(2026, 1, 2), datetime.date(2026, 7, 1), datetime.date(2026, 12, 30)])
def test_no_date_falls_after_the_reference_day_whatever_it_is(today):
    plan = plan_demo(scale="province", seed=2, factor=FACTOR)
    data = plan_assessments(plan, read_frameworks(), Registry(), today=today)
    assert data.assessments
    for spec in data.assessments:
        assert spec.assessed_on <= today and spec.assessed_on.year == spec.year
        if spec.submitted_at:
            assert spec.submitted_at.date() <= today
        if spec.verified_at:
            assert spec.submitted_at < spec.verified_at and spec.verified_at.date() <= today
            assert spec.verified_at.year == spec.year + 1
        assert all(e.uploaded_at.date() <= today for e in spec.evidence)


@pytest.mark.django_db
def test_evidence_files_are_real_images_and_pdfs_in_storage_and_the_reset_deletes_them(media):
    load()
    evidence = list(Evidence.objects.select_related("assessment__orgunit"))
    assert len(evidence) == 3 and {e.assessment.orgunit.code for e in evidence} == {"TYT0101"}
    paths = []
    for item in evidence:
        path = Path(item.file.path)
        assert path.is_relative_to(media) and path.stat().st_size == item.size
        head = path.read_bytes()[:4]
        assert head == {"image/png": b"\x89PNG", "application/pdf": b"%PDF"}[item.content_type]
        assert item.uploaded_at.date() <= TODAY and item.uploaded_by.username == "station_head"
        paths.append(path)
    demo_reset()
    assert not any(path.exists() for path in paths)


def test_generated_files_are_well_formed():
    png = demo_png(seed="x", width=4, height=3)
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and png.endswith(b"IEND\xaeB`\x82")
    pdf = demo_pdf(("BIEN BAN", "TYT0101 - 2026"))
    assert pdf.startswith(b"%PDF-1.4") and pdf.rstrip().endswith(b"%%EOF")
    start = int(pdf.rsplit(b"startxref\n", 1)[1].split(b"\n", 1)[0])
    assert pdf[start:].startswith(b"xref")
    offsets = [int(line[:10]) for line in pdf[start:].split(b"\n")[3:8]]
    assert [pdf[o:].split(b" ", 1)[0] for o in offsets] == [b"1", b"2", b"3", b"4", b"5"]


@pytest.mark.django_db
def test_the_demo_leaves_no_audit_entries_and_skip_assessments_loads_none():
    out = StringIO()
    call_command(
        "load_demo", "--password", PASSWORD, "--today", TODAY.isoformat(), "--workforce-factor", "0.1", stdout=out
    )
    assert "Assessments: " in out.getvalue() and "assessments " in out.getvalue()
    assert Assessment.objects.exists() and not AuditEntry.objects.exists()
    out = StringIO()
    call_command(
        "load_demo", "--password", PASSWORD, "--today", TODAY.isoformat(), "--workforce-factor", "0.1",
        "--reset", "--skip-assessments", stdout=out,
    )  # fmt: skip
    assert "Assessments: " not in out.getvalue()
    assert not Assessment.objects.exists() and not Answer.objects.exists()


# --- the demo logins ---


@pytest.mark.django_db
def test_the_demo_logins_see_the_assessments_of_their_scope():
    load()
    users = {user.username: user for user in User.objects.all()}
    region = OrgUnit.objects.get(code="TTKV01")
    station = OrgUnit.objects.get(code="TYT0101")
    everything = Assessment.objects.count()
    assert selectors.assessment_list(user=users["province_viewer"]).count() == everything
    mine = selectors.assessment_list(user=users["region_manager"])
    assert mine.count() == Assessment.objects.filter(subtree_q("orgunit__path", region.path)).count() < everything
    # The regional manager has stations' submissions to verify (and may), this year and with history.
    waiting = mine.filter(status=AssessmentStatus.SUBMITTED)
    assert waiting.exists() and all(may_verify(users["region_manager"], a) for a in waiting)
    history = selectors.unit_history(user=users["region_manager"], orgunit=station, framework_code=QD1300)
    assert [a.year for a in history] == [*VERIFIED_YEARS, TODAY.year]
    ranking = selectors.ranking(user=users["region_manager"], framework=history[0].framework, year=TODAY.year - 1)
    assert ranking.count() == OrgUnit.objects.filter(parent=region, kind=OrgUnitKind.STATION, closed_on=None).count()
    # The station head sees their station's own assessments and evidence, and verifies none of them.
    own = selectors.assessment_list(user=users["station_head"])
    assert set(own.values_list("orgunit", flat=True)) == {station.pk}
    assert {a.framework.code for a in own} == {QD1300, SARA, FIVE_S}
    assert not any(may_verify(users["station_head"], a) for a in own)
    returned = own.get(year=TODAY.year)
    assert selectors.assessment_get_for_change(user=users["station_head"], pk=returned.pk) == returned
    for evidence in Evidence.objects.all():
        assert selectors.evidence_get(user=users["station_head"], pk=evidence.pk) == evidence


@pytest.mark.django_db
def test_a_shrunk_national_data_set_assesses_the_stations_of_every_province():
    demo_load(scale="national", seed=1, password=PASSWORD, factor=0.02, workforce_factor=0.02, today=TODAY)
    provinces = OrgUnit.objects.filter(kind=OrgUnitKind.PROVINCE)
    assert provinces.count() == 34
    stations = OrgUnit.objects.filter(kind=OrgUnitKind.STATION, closed_on=None)
    verified = Assessment.objects.filter(framework__code=QD1300, year=TODAY.year - 1, status=AssessmentStatus.VERIFIED)
    assert verified.count() == stations.count()
    # Outside the demo logins' province nobody among the logins may verify: verified by nobody named.
    root = User.objects.get(username="province_admin").home_unit
    outside = verified.exclude(subtree_q("orgunit__path", root.path))
    assert outside.exists() and not outside.exclude(verified_by=None).exists()
    assert not AuditEntry.objects.exists()
