"""Assessment reports: the scorecard and its PDF, a unit's results across years, the ranking with its pass rate and
the criteria most often failed, and the ranking's Excel export — checked against numbers computed by hand.

The small world (test framework: TC2 = TC2.1 yes → 2 + TC2.2 ≥ 1 → 2, maximum 4, minimum 2; TC3 = TC3.1 yes → 2;
pass: total ≥ 4), every answer given through the services, submitted and verified by the level above:

    year  unit  TC2.1 TC2.2 TC3.1  TC2  TC3  total  verdict                failed criteria  status
    2024  A1    no    0     yes    0 ✗  2    2      not passed             TC2              verified
    2024  A2    yes   1     yes    4    2    6      passed                 —                submitted only
    2025  A1    yes   1     yes    4    2    6      passed                 —                verified
    2025  A2    no    0     yes    0 ✗  2    2      not passed (2 reasons) TC2              verified
    2025  B1    yes   0     no     2    0    2      not passed (total)     —                verified
    2026  A1    (pre-filled only, TC3.1 unanswered: incomplete)                                draft

Ranking 2025 of the province: A1 1st (6), A2 and B1 2nd (2, tied); 1 passed of 3 (33.3%); TC2 failed by 1 (33.3%).
Region A sees A1 and A2 only: 1 of 2 passed (50%), TC2 failed by 1 (50%).
"""

from __future__ import annotations

import contextlib
import io
import re
import zlib
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from ytcs.assessments import reports, services
from ytcs.assessments.models import Assessment, AssessmentStatus, Framework, Item
from ytcs.core.testing.factories import OrgUnitFactory, assessment_framework
from ytcs.orgunits.models import OrgUnitKind

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"0" * 32
REASON = "Đã kiểm tra tại trạm"


def assess(w, fw, unit, year, answers, *, by, verify_by=None, submit=True, evidence=True) -> Assessment:
    """An assessment answered through the services; submitted (with the evidence TC3.1 needs) and verified."""
    assessment = services.assessment_create(user=by, orgunit=unit, framework=fw, year=year)
    for code, value in answers.items():
        item = Item.objects.get(criterion__framework=fw, code=code)
        services.answer_save(user=by, assessment=assessment, item=item, value=value, override_reason=REASON)
    if evidence:
        services.evidence_add(
            user=by,
            assessment=assessment,
            item=Item.objects.get(criterion__framework=fw, code="TC3.1"),
            uploaded=SimpleUploadedFile("be-nuoc.png", PNG, content_type="image/png"),
        )
    if submit:
        services.assessment_submit(user=by, assessment=assessment)
    if verify_by is not None:
        services.assessment_verify(user=verify_by, assessment=assessment, comment="Đã thẩm định tại trạm")
    assessment.refresh_from_db()
    return assessment


@pytest.fixture
def results(world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    w = world
    fw = assessment_framework(w.province_admin)
    rm = w.region_manager
    yes_yes = {"TC2.1": True, "TC2.2": 1, "TC3.1": True}
    no_no = {"TC2.1": False, "TC2.2": 0, "TC3.1": True}
    w.fw = fw
    w.a1_2024 = assess(w, fw, w.station_a1, 2024, no_no, by=w.station_head, verify_by=rm)
    w.a2_2024 = assess(w, fw, w.station_a2, 2024, yes_yes, by=rm)
    w.a1_2025 = assess(w, fw, w.station_a1, 2025, yes_yes, by=w.station_head, verify_by=rm)
    w.a2_2025 = assess(w, fw, w.station_a2, 2025, no_no, by=rm, verify_by=rm)
    w.b1_2025 = assess(
        w, fw, w.station_b1, 2025, {"TC2.1": True, "TC2.2": 0, "TC3.1": False}, by=w.outsider, verify_by=w.outsider
    )
    w.a1_2026 = services.assessment_create(user=w.station_head, orgunit=w.station_a1, framework=fw, year=2026)
    return w


def test_the_small_world_is_what_the_table_says(results):
    w = results
    kept = [
        (a.total, a.passed, a.failed_criteria, a.status)
        for a in (w.a1_2024, w.a2_2024, w.a1_2025, w.a2_2025, w.b1_2025)
    ]
    assert kept == [
        (Decimal(2), False, ["TC2"], AssessmentStatus.VERIFIED),
        (Decimal(6), True, [], AssessmentStatus.SUBMITTED),
        (Decimal(6), True, [], AssessmentStatus.VERIFIED),
        (Decimal(2), False, ["TC2"], AssessmentStatus.VERIFIED),
        (Decimal(2), False, [], AssessmentStatus.VERIFIED),
    ]


# ---------------------------------------------------------------------------------------------- scorecard


def test_the_scorecard_shows_each_criterion_the_total_and_why_it_failed(results, client_for):
    w = results
    response = client_for(w.region_manager).get(reverse("assessments:scorecard", args=[w.a2_2025.pk]))
    assert response.status_code == 200
    sc = response.context["sc"]
    rows = [(c.score.code, c.score.points, c.score.maximum, c.score.passed) for c in sc.criteria]
    assert rows == [("TC2", Decimal(0), Decimal(4), False), ("TC3", Decimal(2), Decimal(2), None)]
    assert (sc.card.total, sc.card.maximum, sc.card.passed, sc.card.complete) == (Decimal(2), Decimal(6), False, True)
    with translation.override("vi"):
        expected = services.assessment_scorecard(w.a2_2025).reasons
    assert len(expected) == 2  # the total below 4, criterion TC2 below its minimum of 2
    html = response.content.decode()
    for reason in expected:
        assert reason in html
    # Unconfirmed pass rule (and framework): the badge, in Vietnamese.
    assert "CHƯA XÁC NHẬN" in html and 'id="incomplete"' not in html
    items = {i.code: i for c in sc.criteria for i in c.items}
    assert (items["TC2.1"].answer, items["TC2.1"].points, items["TC2.1"].overridden) == ("Không", Decimal(0), False)
    assert (items["TC3.1"].points, items["TC3.1"].evidence) == (Decimal(2), 1)
    assert sc.is_final and "Đã thẩm định tại trạm" in html


def test_an_override_of_the_registry_shows_the_registry_value_and_the_reason(results, client_for):
    w = results
    response = client_for(w.station_head).get(reverse("assessments:scorecard", args=[w.a1_2025.pk]))
    items = {i.code: i for c in response.context["sc"].criteria for i in c.items}
    assert items["TC2.1"].overridden and items["TC2.1"].prefilled_answer == "Không"
    assert items["TC2.1"].override_reason == REASON and items["TC2.2"].points == Decimal(2)
    assert response.context["sc"].card.passed is True and response.context["sc"].card.reasons == []


def test_a_draft_with_unanswered_items_is_incomplete(results, client_for):
    response = client_for(results.station_head).get(reverse("assessments:scorecard", args=[results.a1_2026.pk]))
    sc = response.context["sc"]
    assert (sc.unanswered, sc.items, sc.card.complete, sc.is_final) == (1, 3, False, False)
    assert 'id="incomplete"' in response.content.decode()


def test_an_index_framework_shows_each_domain_as_a_percentage(results, client_for):
    """WHO SARA: BA1 present, BA2 absent, nothing else answered → BA = 1/7 = 14.29%, index = 14.29 / 5 = 2.86."""
    w = results
    sara = Framework.objects.get(code="who-sara-gsr")
    draft = services.assessment_create(user=w.station_head, orgunit=w.station_a1, framework=sara, year=2026)
    for code, value in (("BA1", True), ("BA2", False)):
        item = Item.objects.get(criterion__framework=sara, code=code)
        services.answer_save(user=w.station_head, assessment=draft, item=item, value=value)
    response = client_for(w.station_head).get(reverse("assessments:scorecard", args=[draft.pk]))
    sc = response.context["sc"]
    assert sc.is_index and sc.card.total == Decimal("2.86") and sc.card.passed is None
    assert [(c.score.code, c.score.percent) for c in sc.criteria][:2] == [("BA", Decimal("14.29")), ("BE", 0)]
    assert "CHƯA XÁC NHẬN" not in response.content.decode()  # WHO SARA was checked against its source
    pdf = client_for(w.station_head).get(reverse("assessments:scorecard_pdf", args=[draft.pk])).content
    assert pdf.startswith(b"%PDF") and 1 < _pages(pdf) <= 3  # 45 tracers: a few pages


def test_the_scorecard_needs_the_assessment_in_scope(results, client_for):
    w = results
    for name in ("assessments:scorecard", "assessments:scorecard_pdf"):
        assert client_for(w.region_manager).get(reverse(name, args=[w.b1_2025.pk])).status_code == 404
        assert client_for(w.station_head).get(reverse(name, args=[w.a2_2025.pk])).status_code == 404
        assert client_for(w.outsider).get(reverse(name, args=[w.b1_2025.pk])).status_code == 200


def _inflated(pdf: bytes) -> bytes:
    """The PDF with its compressed streams (object streams included) inflated, to look for objects in it."""
    parts = [pdf]
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        with contextlib.suppress(zlib.error):
            parts.append(zlib.decompress(match.group(1)))
    return b"\n".join(parts)


def _pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page(?!s)", _inflated(pdf)))


def test_the_scorecard_pdf_is_one_a4_page_with_an_embedded_vietnamese_font(results, client_for, monkeypatch):
    from ytcs.assessments import views_reports

    rendered = []
    real = views_reports.render_pdf
    monkeypatch.setattr(views_reports, "render_pdf", lambda html: rendered.append(html) or real(html))
    response = client_for(results.region_manager).get(reverse("assessments:scorecard_pdf", args=[results.a2_2025.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert 'filename="phieu-cham-diem-A2-thu-nghiem-2025.pdf"' in response["Content-Disposition"]
    pdf = response.content
    assert pdf.startswith(b"%PDF") and _pages(pdf) == 1
    assert re.search(rb"/BaseFont\s*/[A-Z]{6}\+DejaVu", _inflated(pdf))
    html = rendered[0]
    assert "Trạm Y tế phường Đông Hà" in html and "Bộ tiêu chí thử nghiệm" in html and "CHƯA XÁC NHẬN" in html
    assert '"DejaVu Sans"' in html and "http" not in html.split("<body>")[0]
    with translation.override("vi"):
        assert all(reason in html for reason in services.assessment_scorecard(results.a2_2025).reasons)


# ---------------------------------------------------------------------------------------------- across years


def test_a_units_results_across_years_have_criteria_as_rows_and_years_as_columns(results, client_for):
    w = results
    url = reverse("assessments:unit_comparison", args=["A1", "thu-nghiem"])
    response = client_for(w.station_head).get(url)
    assert response.status_code == 200
    c = response.context["c"]
    assert [col.year for col in c.columns] == [2024, 2025, 2026]
    assert [(col.card.total, col.card.passed, col.card.complete) for col in c.columns] == [
        (Decimal(2), False, True),
        (Decimal(6), True, True),
        (Decimal(0), False, False),  # the draft: pre-filled "no" and 0 only, TC3.1 not answered
    ]
    table = {row.code: [(cell.points, cell.passed) for cell in row.cells] for row in c.rows}
    assert table == {
        "TC2": [(Decimal(0), False), (Decimal(4), True), (Decimal(0), False)],
        "TC3": [(Decimal(2), None), (Decimal(2), None), (Decimal(0), None)],
    }
    html = response.content.decode()
    assert reverse("assessments:scorecard", args=[w.a1_2024.pk]) in html


def test_the_comparison_needs_the_unit_in_scope_and_a_known_framework(results, client_for):
    w = results
    assert (
        client_for(w.region_manager).get(reverse("assessments:unit_comparison", args=["B1", "thu-nghiem"])).status_code
        == 404
    )
    assert (
        client_for(w.station_head).get(reverse("assessments:unit_comparison", args=["A2", "thu-nghiem"])).status_code
        == 404
    )
    assert (
        client_for(w.region_manager).get(reverse("assessments:unit_comparison", args=["A1", "khong-co"])).status_code
        == 404
    )
    empty = client_for(w.region_manager).get(reverse("assessments:unit_comparison", args=["A1", "5s-co-so-y-te"]))
    assert empty.status_code == 200 and empty.context["c"].columns == []
    assert [f.code for f in empty.context["c"].other_frameworks] == ["thu-nghiem"]


# ---------------------------------------------------------------------------------------------- ranking


def ranking(client, **params):
    return client.get(reverse("assessments:ranking"), params)


def test_the_province_ranking_of_a_year(results, client_for):
    w = results
    response = ranking(client_for(w.province_admin), framework=w.fw.pk, year=2025)
    report = response.context["report"]
    assert report.root == w.province and report.maximum == Decimal(6)
    assert [(a.rank, a.orgunit.code, a.total) for a in report.rows] == [
        (1, "A1", Decimal(6)),
        (2, "A2", Decimal(2)),
        (2, "B1", Decimal(2)),
    ]
    s = report.summary
    assert (s.verified, s.passed, s.failed, s.pending, s.pass_rate) == (3, 1, 2, 0, Decimal("33.3"))
    assert [(f.criterion.code, f.count, f.percent) for f in report.failures] == [("TC2", 1, Decimal("33.3"))]
    html = response.content.decode()
    assert reverse("assessments:unit_comparison", args=["B1", "thu-nghiem"]) in html
    assert reverse("assessments:scorecard", args=[w.a2_2025.pk]) in html
    assert "failed=TC2" in html


def test_a_region_manager_ranks_only_region_a_by_default(results, client_for):
    w = results
    response = ranking(client_for(w.region_manager), framework=w.fw.pk)
    report = response.context["report"]
    assert report.root == w.region_a and report.year == 2025  # the latest year with verified results
    assert [(a.rank, a.orgunit.code) for a in report.rows] == [(1, "A1"), (2, "A2")]
    assert (report.summary.verified, report.summary.pass_rate) == (2, Decimal("50.0"))
    assert [(f.criterion.code, f.count, f.percent) for f in report.failures] == [("TC2", 1, Decimal("50.0"))]
    assert "Trạm Y tế xã Bình Minh" not in response.content.decode()  # region B's station, not even as an option
    assert ranking(client_for(w.region_manager), framework=w.fw.pk, orgunit="PROV").status_code == 404
    assert ranking(client_for(w.region_manager), framework=w.fw.pk, orgunit="RB").status_code == 404
    station = ranking(client_for(w.station_head), framework=w.fw.pk).context["report"]
    assert [a.orgunit.code for a in station.rows] == ["A1"]


def test_results_not_yet_verified_are_counted_but_not_ranked(results, client_for):
    report = ranking(client_for(results.province_viewer), framework=results.fw.pk, year=2024).context["report"]
    assert [(a.rank, a.orgunit.code) for a in report.rows] == [(1, "A1")]
    assert (report.summary.verified, report.summary.pending) == (1, 1)
    assert [(f.criterion.code, f.count, f.percent) for f in report.failures] == [("TC2", 1, Decimal("100.0"))]


def test_the_units_that_failed_a_criterion_keep_their_rank(results, client_for):
    response = ranking(client_for(results.province_admin), framework=results.fw.pk, year=2025, failed="TC2")
    report = response.context["report"]
    assert report.failed.code == "TC2"
    assert [(a.rank, a.orgunit.code) for a in report.rows] == [(2, "A2")]
    assert response.context["page"].paginator.count == 1
    unknown = ranking(client_for(results.province_admin), framework=results.fw.pk, year=2025, failed="TC9")
    assert unknown.context["report"].failed is None and len(list(unknown.context["report"].rows)) == 3


def test_the_ranking_opens_on_qd1300_and_bad_values_fall_back_to_defaults(results, client_for):
    response = ranking(client_for(results.province_admin))
    assert response.status_code == 200 and response.context["report"].framework.code == "qd1300-2030"
    assert list(response.context["report"].rows) == []
    bad = ranking(client_for(results.province_admin), framework="abc", year="20x5")
    assert bad.status_code == 200 and bad.context["report"].framework.code == "qd1300-2030"
    assert set(bad.context["form"].errors) == {"framework", "year"}


def _queries(client, url, params=None) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url, params or {}).status_code == 200
    return len(queries)


def test_the_reports_take_a_number_of_queries_that_does_not_grow_with_the_units(results, client_for):
    w = results
    client = client_for(w.province_admin)
    pages = [
        (reverse("assessments:ranking"), {"framework": w.fw.pk, "year": 2025}),
        (reverse("assessments:ranking"), {"framework": w.fw.pk, "year": 2025, "failed": "TC2"}),
        (reverse("assessments:ranking_export"), {"framework": w.fw.pk, "year": 2025}),
        (reverse("assessments:unit_comparison", args=["A1", "thu-nghiem"]), {}),
        (reverse("assessments:scorecard", args=[w.a1_2025.pk]), {}),
    ]
    client.get(pages[0][0])
    before = [_queries(client, url, params) for url, params in pages]
    assert before[0] <= 14 and before[1] <= 14 and before[2] <= 11 and before[3] <= 11 and before[4] <= 14
    for n in range(3):
        unit = OrgUnitFactory(code=f"A9{n}", name=f"Trạm Y tế xã Thử {n}", kind=OrgUnitKind.STATION, parent=w.region_a)
        answers = {"TC2.1": n > 0, "TC2.2": n, "TC3.1": True}
        assess(w, w.fw, unit, 2025, answers, by=w.region_manager, verify_by=w.region_manager)
    assess(w, w.fw, w.station_a1, 2023, {"TC2.1": True, "TC2.2": 0, "TC3.1": True}, by=w.station_head)
    assert [_queries(client, url, params) for url, params in pages] == before
    assert len(list(ranking(client, framework=w.fw.pk, year=2025).context["report"].rows)) == 6


def test_the_failed_criterion_condition_matches_the_exact_code(results):
    """TC1 never matches TC10 or tc1; a code with a diacritic matches itself (JSON text on SQLite is ASCII-escaped,
    PostgreSQL compares JSON values)."""
    w = results
    Assessment.objects.filter(pk=w.a1_2025.pk).update(failed_criteria=["TC10", "tc1"])
    Assessment.objects.filter(pk=w.a2_2025.pk).update(failed_criteria=["TC1", "TCĐ"])
    Assessment.objects.filter(pk=w.b1_2025.pk).update(failed_criteria=[])
    year = Assessment.objects.filter(year=2025)

    def failing(code):
        return sorted(year.filter(reports.failed_condition(code)).values_list("orgunit__code", flat=True))

    assert (failing("TC1"), failing("TC10"), failing("TCĐ"), failing("TC")) == (["A2"], ["A1"], ["A2"], [])
    assert connection.vendor in ("sqlite", "postgresql")


def test_the_ranking_export_opens_with_vietnamese_headers(results, client_for):
    w = results
    response = client_for(w.region_manager).get(reverse("assessments:ranking_export"), {"framework": w.fw.pk})
    assert response.status_code == 200
    assert 'filename="xep-hang-thu-nghiem-2025.xlsx"' in response["Content-Disposition"]
    wb = load_workbook(io.BytesIO(response.content))
    ws = wb["Xếp hạng"]
    assert "Bộ tiêu chí thử nghiệm" in ws["A1"].value and "2025" in ws["A1"].value
    assert [c.value for c in ws[2]][:8] == [
        "Hạng",
        "Mã đơn vị",
        "Tên đơn vị",
        "Đơn vị cấp trên",
        "Tổng điểm",
        "Điểm tối đa",
        "Tỷ lệ (%)",
        "Kết quả",
    ]
    rows = [[c.value for c in row][:9] for row in ws.iter_rows(min_row=3)]
    assert rows == [
        [1, "A1", "Trạm Y tế xã Nguyễn Huệ", "Trung tâm Y tế khu vực Hòa An", 6, 6, 100, "Đạt", None],
        [2, "A2", "Trạm Y tế phường Đông Hà", "Trung tâm Y tế khu vực Hòa An", 2, 6, 33.3, "Không đạt", "TC2"],
    ]
    failed = [[c.value for c in row] for row in wb["Tiêu chí không đạt"].iter_rows(min_row=2, max_row=2)]
    assert failed == [["TC2", "Nhân lực y tế", 1, 50]]
