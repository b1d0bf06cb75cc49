"""The printed report on a unit: its content (workforce, assessments, indicators against the plan, units at risk)
checked by hand on a small data set, the administrative layout of the HTML the PDF is made from, the PDF and the
.xlsx."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal

import pytest
from django.conf import settings
from django.urls import reverse
from openpyxl import load_workbook

from ytcs.assessments.models import Assessment, Framework
from ytcs.core.testing.factories import StaffFactory, title
from ytcs.indicators import report as content
from ytcs.indicators import report_render
from ytcs.indicators.tests.targets_fixtures import INDICATOR, deliveries, region_plan
from ytcs.workforce.models import Certificate, Competency, Licence

pytestmark = pytest.mark.django_db
D = datetime.date


@pytest.fixture
def data(world):
    """Region A in 2025: a doctor (licence ending 01/03/2026) and a nurse certified for ultrasound at A1, a nurse
    at A2; A1 passed the national criteria, A2 failed TC2; B1 (region B) passed too, outside the report."""
    deliveries(world)
    plan = region_plan(world)
    doctor = StaffFactory(orgunit=world.station_a1, title=title("bac-si"), full_name="Lê Văn Bác")
    Licence.objects.create(
        staff=doctor, number="001/GPHN", issuer="Sở Y tế", issued_on=D(2021, 3, 1), valid_until=D(2026, 3, 1)
    )
    nurse = StaffFactory(orgunit=world.station_a1, title=title("dieu-duong"), full_name="Phạm Thị Dưỡng")
    Certificate.objects.create(
        staff=nurse, competency=Competency.objects.get(code="sieu-am-tong-quat"), issued_on=D(2020, 5, 1)
    )
    StaffFactory(orgunit=world.station_a2, title=title("dieu-duong"), full_name="Võ Thị Hai")
    StaffFactory(orgunit=world.station_b1, title=title("bac-si"), full_name="Đỗ Văn Ngoài")
    framework = Framework.objects.get(code="qd1300-2030")
    for unit, passed, failed in (
        (world.station_a1, True, []),
        (world.station_a2, False, ["TC2"]),
        (world.station_b1, True, []),
    ):
        Assessment.objects.create(
            orgunit=unit, framework=framework, year=2025, status="verified", passed=passed, failed_criteria=failed
        )
    return {"plan": plan}


def build(world, data, user=None):
    return content.build_report(user=user or world.region_manager, unit=world.region_a, year=2025, plan=data["plan"])


def header(world, **extra):
    fields = {
        "issuing_body": "",
        "number": "15/BC-TTYT",
        "place": "Hòa An",
        "date": D(2026, 2, 5),
        "signer_authority": "KT. Giám đốc",
        "signer_title": "Phó Giám đốc",
        "signer_name": "Nguyễn Văn Ký",
        "recipients": "- HĐND tỉnh (để báo cáo);\n- Sở Y tế;\n- Lưu: VT.",
        **extra,
    }
    return content.document_header(unit=world.region_a, year=2025, fields=fields)


def test_workforce_numbers(world, data):
    w = build(world, data).workforce
    assert w.on == D(2025, 12, 31)
    assert w.headcount == 3
    assert [(t.code, t.people) for t in w.by_title] == [("bac-si", 1), ("dieu-duong", 2)]
    assert (w.doctors, w.population, w.doctors_per_10000) == (1, 20700, Decimal("0.5"))  # 10,000 / 20,700
    assert (w.stations, w.stations_without_doctor) == (2, 1)
    assert [(g.code, g.stations, g.without) for g in w.competencies] == [
        ("sieu-am-tong-quat", 2, 1),
        ("dien-tam-do", 2, 2),
    ]
    assert (w.licences_expiring, w.without_licence, w.cme_shortfall) == (1, 2, 3)


def test_assessment_counts(world, data):
    [a] = build(world, data).assessments
    assert a.framework.code == "qd1300-2030"
    assert (a.verified, a.passed, a.failed, a.pending, a.pass_rate) == (2, 1, 1, 0, Decimal("50.0"))
    assert [(c.code, c.failed, c.percent) for c in a.weakest] == [("TC2", 1, Decimal("50.0"))]


def test_indicator_rows_against_the_plan_and_units_at_risk(world, data):
    report = build(world, data)
    [line] = report.indicators
    assert line.indicator.code == INDICATOR
    assert (line.previous, line.value) == (Decimal("30.0"), Decimal("35.0"))
    assert line.target is None and line.achieved is None  # RA has no 2025 target of its own
    assert (line.next_target.year, line.next_target.value, line.projected, line.at_risk) == (
        2030,
        60,
        Decimal("60.0"),
        False,
    )
    assert report.at_risk_level == 3
    assert [(r.unit.code, r.latest_value, r.projected, r.target.value) for r in report.at_risk] == [
        ("A2", Decimal("20.0"), Decimal("20.0"), 60)
    ]
    assert report.unconfirmed  # the plan's values were not checked against its document
    station = content.build_report(user=world.station_head, unit=world.station_a1, year=2025, plan=data["plan"])
    [own] = station.indicators
    assert (own.value, own.target.value, own.achieved, own.at_risk) == (Decimal("50.0"), 50, Decimal("100.0"), False)


def test_the_html_is_an_administrative_document(world, data):
    html = report_render.report_html(build(world, data), header(world))
    assert html.index("SỞ Y TẾ TỈNH THỬ") < html.index("TRUNG TÂM Y TẾ KHU VỰC HÒA AN") < html.index("Số: 15/BC-TTYT")
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in html and "Độc lập - Tự do - Hạnh phúc" in html
    assert '<div class="date">Hòa An, ngày 05 tháng 02 năm 2026</div>' in html
    assert "<h1>BÁO CÁO</h1>" in html
    assert "năm 2025 của Trung tâm Y tế khu vực Hòa An" in html
    for section in (
        "I. Nhân lực y tế",
        "II. Đánh giá theo bộ tiêu chí năm 2025",
        "III. Thực hiện chỉ tiêu theo",
        "IV. Đơn vị có nguy cơ không đạt chỉ tiêu",
    ):
        assert section in html, section
    assert '<b id="headcount-total">3</b>' in html and '<b id="doctors-per-10000">0,5</b>' in html
    assert '<b id="stations-without-doctor">1</b>' in html
    assert "đạt <b>1</b>, không đạt <b>1</b>" in html and "tỷ lệ đạt <b>50,0%</b>" in html
    row = html[html.index(f'<tr data-indicator="{INDICATOR}">') :]
    row = row[: row.index("</tr>")]
    for cell in ("30,0", "35,0", "60,0 (2030)", "Dự kiến đạt"):
        assert cell in row, cell
    assert '<tr data-unit="A2">' in html and "CHƯA XÁC NHẬN" in html
    assert "<b>Nơi nhận:</b>" in html and "- HĐND tỉnh (để báo cáo);" in html
    assert '<div class="signer">KT. Giám đốc</div>' in html and "<b>Nguyễn Văn Ký</b>" in html


def test_the_date_line_follows_the_decree():
    def line(day):
        return content.DocumentHeader(issuing_body="SỞ Y TẾ", place="Tam Kỳ", date=day).date_line

    assert line(D(2026, 11, 15)) == "Tam Kỳ, ngày 15 tháng 11 năm 2026"
    assert line(D(2026, 1, 9)) == "Tam Kỳ, ngày 09 tháng 01 năm 2026"
    assert line(D(2026, 3, 1)) == "Tam Kỳ, ngày 01 tháng 3 năm 2026"


def test_the_pdf_and_the_xlsx(world, data):
    report, head = build(world, data), header(world)
    assert report_render.report_pdf(report, head).startswith(b"%PDF")
    ws = load_workbook(io.BytesIO(report_render.report_xlsx(report, head)))["Báo cáo"]
    cells = [list(row) for row in ws.iter_rows(values_only=True)]
    flat = [v for row in cells for v in row if v is not None]
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in flat and "Số: 15/BC-TTYT" in flat and "BÁO CÁO" in flat
    assert "Hòa An, ngày 05 tháng 02 năm 2026" in flat and "Nơi nhận:" in flat and "Nguyễn Văn Ký" in flat
    indicator_row = next(row for row in cells if row[1] == report.indicators[0].indicator.name)
    assert indicator_row[3:7] == [30, 35, None, None]
    assert indicator_row[7].startswith("Dự kiến đạt")
    at_risk_row = next(row for row in cells if row[2] == "A2")
    assert at_risk_row[4] == 20.0 and at_risk_row[6] == 20.0
    assert ("Bác sĩ", 1) in [(row[1], row[2]) for row in cells]


# ---------------------------------------------------------------------------------------------- pages


def query(world, **extra):
    params = {
        "unit": "RA",
        "year": "2025",
        "plan": "KH-RA",
        "place": "Hòa An",
        "date": "05/02/2026",
        "number": "15/BC-TTYT",
        **extra,
    }
    return "?" + "&".join(f"{k}={v}" for k, v in params.items())


def test_the_report_pages(world, data, client_for):
    client = client_for(world.region_manager)
    form = client.get(reverse("indicators:report") + "?unit=RA&plan=KH-RA")
    assert form.status_code == 200
    assert form.context["form"].initial["issuing_body"] == "TRUNG TÂM Y TẾ KHU VỰC HÒA AN"
    assert form.context["form"].initial["issuing_authority"] == "SỞ Y TẾ TỈNH THỬ"
    pdf = client.get(reverse("indicators:report_pdf") + query(world))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    assert "bao-cao-RA-2025.pdf" in pdf["Content-Disposition"]
    xlsx = client.get(reverse("indicators:report_xlsx") + query(world))
    assert xlsx.status_code == 200 and xlsx.content.startswith(b"PK")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    missing = client.get(reverse("indicators:report_pdf") + query(world, place=""))
    assert missing.status_code == 200 and "This field is required." in missing.text
    above = client.get(reverse("indicators:report_pdf") + query(world, level="1"))
    assert "Level 1 is above the chosen unit" in above.text
    assert client_for(world.outsider).get(reverse("indicators:report_pdf") + query(world)).status_code == 404
    assert client_for(world.outsider).get(reverse("indicators:report") + "?unit=RA").status_code == 404
