"""Behaviour of the framework pages: the list and a framework's page show what is unconfirmed, the downloads read back
as the same framework (YAML and Excel), and the import lists every problem with its place and saves nothing."""

from __future__ import annotations

import copy
import io
import re

import pytest
import yaml
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse
from openpyxl import load_workbook

from ytcs.assessments import services
from ytcs.assessments import xlsx as framework_xlsx
from ytcs.assessments.frameworks import dump_yaml, framework_document
from ytcs.assessments.models import Criterion, Framework, Item
from ytcs.core.models import AuditEntry
from ytcs.core.testing.factories import ASSESSMENT_TEST_FRAMEWORK, assessment_framework

pytestmark = pytest.mark.django_db

SHIPPED = ["qd1300-2030", "5s-co-so-y-te", "who-sara-gsr"]
UNCONFIRMED = "CHƯA XÁC NHẬN"


def document(**overrides) -> dict:
    return {**copy.deepcopy(ASSESSMENT_TEST_FRAMEWORK), **overrides}


def yaml_file(data, name: str = "bo-tieu-chi.yaml") -> SimpleUploadedFile:
    text = data if isinstance(data, str) else dump_yaml(data)
    return SimpleUploadedFile(name, text.encode("utf-8"), "application/yaml")


def xlsx_file(content: bytes, name: str = "bo-tieu-chi.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def saved() -> tuple:
    """Everything an import could write."""
    return (
        AuditEntry.objects.count(),
        tuple(Framework.objects.order_by("pk").values_list()),
        tuple(Criterion.objects.order_by("pk").values_list()),
        tuple(Item.objects.order_by("pk").values_list()),
    )


def import_(client, file):
    return client.post(reverse("assessments:framework_import"), {"file": file})


def error_rows(response) -> list[list[str]]:
    """The cells of each row of the error table."""
    section = response.text.split('id="import-errors"', 1)[1].split("</section>", 1)[0]
    body = section.split("<tbody>", 1)[1]
    return [
        [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td>(.*?)</td>", row, re.DOTALL)]
        for row in re.findall(r"<tr>(.*?)</tr>", body, re.DOTALL)
    ]


def row_of(html: str, code: str) -> str:
    return next(row for row in html.split("<tr>") if f"<code>{code}</code>" in row)


@pytest.fixture
def admin(world, client_for):
    return client_for(world.province_admin)


# ---------------------------------------------------------------------------------------------------- list, detail


def test_the_list_shows_every_version_with_the_unconfirmed_badge_where_due(world, admin):
    assessment_framework(world.province_admin, document(version="2025"))
    rule = {"total_min": 4, "confirmed": True, "source": "Điều 3"}
    checked = document(code="da-doi-chieu", confirmed=True, pass_rule=rule)
    assessment_framework(world.province_admin, checked)
    half = document(code="dieu-kien-chua-ro", confirmed=True)
    assessment_framework(world.province_admin, half)
    Framework.objects.filter(code="thu-nghiem", version="2025").update(is_active=False)
    response = admin.get(reverse("assessments:framework_list"))
    assert response.status_code == 200
    html = response.text
    for framework in Framework.objects.filter(code__in=SHIPPED):
        due = not framework.confirmed or not framework.pass_rule_confirmed
        assert (UNCONFIRMED in row_of(html, framework.code)) == due, framework.code
    assert UNCONFIRMED in row_of(html, "qd1300-2030")
    assert UNCONFIRMED not in row_of(html, "da-doi-chieu")
    assert UNCONFIRMED in row_of(html, "dieu-kien-chua-ro")  # its pass rule is not checked
    retired = next(row for row in html.split("<tr>") if "<code>thu-nghiem</code>" in row and "<td>2025</td>" in row)
    assert "Ngừng sử dụng" in retired
    qd = Framework.objects.get(code="qd1300-2030")
    assert f'href="{reverse("assessments:framework_detail", args=[qd.pk])}"' in html
    assert "<td>10</td>" in row_of(html, "qd1300-2030")  # criteria


def test_the_list_paginates_in_a_fixed_number_of_queries(world, client_for, django_assert_max_num_queries):
    for n in range(30):
        assessment_framework(world.province_admin, document(code=f"bo-{n:02d}"))
    client = client_for(world.viewer)
    client.get(reverse("assessments:framework_list"))  # session and translations warmed
    with django_assert_max_num_queries(6):
        response = client.get(reverse("assessments:framework_list"))
    assert response.text.count("<code>bo-") + sum(response.text.count(f"<code>{c}</code>") for c in SHIPPED) == 25
    second = client.get(reverse("assessments:framework_list") + "?page=2")
    assert second.text.count("<code>") == 8


def test_the_framework_page_shows_notes_pass_rule_and_every_item_with_its_source(world, admin):
    data = document(notes="Đã đối chiếu TC2.\nChưa có văn bản cho TC3.")
    data["criteria"][0]["confirmed"] = True
    data["criteria"][0]["items"][0].update(confirmed=True, source="Điều 5, QĐ thử")
    data["criteria"][1]["items"][0]["source"] = "Chưa rõ nguồn"
    framework = assessment_framework(world.province_admin, data)
    response = admin.get(reverse("assessments:framework_detail", args=[framework.pk]))
    assert response.status_code == 200
    html = response.text
    assert "Đã đối chiếu TC2.<br>Chưa có văn bản cho TC3." in html
    pass_rule = html.split('id="pass-rule"', 1)[1].split("</section>", 1)[0]
    assert UNCONFIRMED in pass_rule and "<strong>4</strong>" in pass_rule and "thử" in pass_rule
    tc21, tc31 = row_of(html, "TC2.1"), row_of(html, "TC3.1")
    assert "Điều 5, QĐ thử" in tc21 and UNCONFIRMED not in tc21
    assert "station_has_doctor" in tc21
    assert "Chưa rõ nguồn" in tc31 and UNCONFIRMED in tc31
    tc22 = row_of(html, "TC2.2")
    assert "Siêu âm tổng quát" in tc22  # the competency's name, not only its code
    assert "≥1:2" in tc22  # thresholds, readable
    criterion_tc2 = html.split('id="criterion-tc2"', 1)[1].split("</header>", 1)[0]
    assert UNCONFIRMED not in criterion_tc2


def test_the_framework_page_can_show_only_what_is_unconfirmed(world, admin):
    data = document()
    data["criteria"][0]["confirmed"] = True
    for item in data["criteria"][0]["items"]:
        item["confirmed"] = True
    framework = assessment_framework(world.province_admin, data)
    url = reverse("assessments:framework_detail", args=[framework.pk])
    everything = admin.get(url).text
    assert "<code>TC2.1</code>" in everything and "<code>TC3.1</code>" in everything
    unconfirmed = admin.get(url + "?unconfirmed=1").text
    assert "<code>TC2.1</code>" not in unconfirmed and 'id="criterion-tc2"' not in unconfirmed
    assert "<code>TC3.1</code>" in unconfirmed


def test_the_framework_page_runs_a_fixed_number_of_queries(world, client_for, django_assert_max_num_queries):
    client = client_for(world.viewer)
    sara = Framework.objects.get(code="who-sara-gsr")
    assert Item.objects.filter(criterion__framework=sara).count() > 20
    client.get(reverse("assessments:framework_detail", args=[sara.pk]))
    with django_assert_max_num_queries(8):
        response = client.get(reverse("assessments:framework_detail", args=[sara.pk]))
    assert response.status_code == 200


@pytest.mark.parametrize(
    "name", ["framework_detail", "framework_export_yaml", "framework_export_xlsx"], ids=lambda name: name
)
def test_an_unknown_framework_answers_404(name, admin):
    assert admin.get(reverse(f"assessments:{name}", args=[999999])).status_code == 404


# ---------------------------------------------------------------------------------------------------- downloads


def test_the_yaml_download_is_the_framework_document(world, client_for):
    framework = Framework.objects.get(code="qd1300-2030")
    response = client_for(world.station_head).get(reverse("assessments:framework_export_yaml", args=[framework.pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/yaml")
    assert response["Content-Disposition"] == 'attachment; filename="qd1300-2030-2023.yaml"'
    assert yaml.safe_load(response.content.decode("utf-8")) == framework_document(framework)


def test_the_excel_download_has_the_framework_criteria_and_items(world, client_for):
    framework = Framework.objects.get(code="who-sara-gsr")
    response = client_for(world.viewer).get(reverse("assessments:framework_export_xlsx", args=[framework.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="who-sara-gsr-2013.xlsx"'
    wb = load_workbook(io.BytesIO(response.content))
    assert wb["Bộ tiêu chí"]["A2"].value == "who-sara-gsr"
    assert wb["Tiêu chí"].max_row - 1 == framework.criteria.count()
    assert wb["Nội dung"].max_row - 1 == Item.objects.filter(criterion__framework=framework).count()


def test_a_version_with_odd_characters_gets_a_safe_file_name(world, admin):
    framework = assessment_framework(world.province_admin, document(version='2026/"sửa"'))
    response = admin.get(reverse("assessments:framework_export_yaml", args=[framework.pk]))
    assert response["Content-Disposition"] == 'attachment; filename="thu-nghiem-2026-s-a.yaml"'


def test_the_template_imports_as_it_is(world, admin):
    response = admin.get(reverse("assessments:framework_import_template"))
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="mau-bo-tieu-chi.xlsx"'
    assert import_(admin, xlsx_file(response.content)).status_code == 302
    example = Framework.objects.get(code="vi-du")
    assert example.criteria.get().items.get().prefill == "station_doctor_count"


# ---------------------------------------------------------------------------------------------------- round trip


def _new_version_of(content: bytes, fmt: str) -> SimpleUploadedFile:
    if fmt == "yaml":
        text, replaced = re.subn(r"^version: .*$", "version: ban-sao", content.decode("utf-8"), flags=re.MULTILINE)
        assert replaced == 1
        return yaml_file(text)
    wb = load_workbook(io.BytesIO(content))
    wb["Bộ tiêu chí"]["B2"].value = "ban-sao"
    buffer = io.BytesIO()
    wb.save(buffer)
    return xlsx_file(buffer.getvalue())


@pytest.mark.parametrize("fmt", ["yaml", "xlsx"])
@pytest.mark.parametrize("code", SHIPPED)
def test_a_shipped_framework_exported_and_imported_as_a_new_version_is_the_same(code, fmt, world, admin):
    original = Framework.objects.get(code=code)
    exported = admin.get(reverse(f"assessments:framework_export_{fmt}", args=[original.pk]))
    response = import_(admin, _new_version_of(exported.content, fmt))
    assert response.status_code == 302, error_rows(response)
    copy_ = Framework.objects.get(code=code, version="ban-sao")
    assert response["Location"] == reverse("assessments:framework_detail", args=[copy_.pk])
    before, after = framework_document(original), framework_document(copy_)
    assert after.pop("version") == "ban-sao" and before.pop("version") == original.version
    assert after == before
    assert sum(len(c["items"]) for c in after["criteria"]) == Item.objects.filter(criterion__framework=original).count()


def test_an_excel_round_trip_keeps_choices_thresholds_and_decimals(world, admin):
    data = {**copy.deepcopy(framework_xlsx_test_document()), "code": "lua-chon"}
    framework = assessment_framework(world.province_admin, data)
    exported = admin.get(reverse("assessments:framework_export_xlsx", args=[framework.pk]))
    assert import_(admin, _new_version_of(exported.content, "xlsx")).status_code == 302
    before = framework_document(framework)
    after = framework_document(Framework.objects.get(code="lua-chon", version="ban-sao"))
    before.pop("version"), after.pop("version")
    assert after == before


def framework_xlsx_test_document() -> dict:
    from ytcs.assessments.tests.test_xlsx import CHOICES_AND_THRESHOLDS

    return CHOICES_AND_THRESHOLDS


# ---------------------------------------------------------------------------------------------------- import


def test_an_import_is_audited_as_an_import_and_says_what_it_created(world, admin):
    response = import_(admin, yaml_file(document(version="2030")))
    assert response.status_code == 302
    framework = Framework.objects.get(code="thu-nghiem", version="2030")
    entries = AuditEntry.objects.filter(source=AuditEntry.Source.IMPORT)
    assert entries.filter(actor=world.province_admin).count() >= 1 + 2 + 3  # framework, criteria, items
    page = admin.get(response["Location"])
    assert "2030" in page.text and framework.name in page.text
    assert 'class="msg msg-success"' in page.text


def test_a_bad_type_in_a_row_is_named_with_its_sheet_row_and_column_and_nothing_is_saved(world, admin):
    wb = load_workbook(io.BytesIO(framework_xlsx.template_workbook()))
    items = wb["Nội dung"]
    items.append(["TC1", "TC1.2", "Trạm có nước sạch", "Đúng/Sai", 2])
    items.append(["TC1", "TC1.3", "Trạm có điện", "Có/Không", "hai"])
    buffer = io.BytesIO()
    wb.save(buffer)
    before = saved()
    response = import_(admin, xlsx_file(buffer.getvalue()))
    assert response.status_code == 200
    rows = error_rows(response)
    assert rows[0][:3] == ["Nội dung", "3", framework_xlsx.I_TYPE]
    assert "Đúng/Sai" in rows[0][3]
    assert rows[1][:3] == ["Nội dung", "4", framework_xlsx.I_MAX]
    assert len(rows) == 2
    assert saved() == before


def test_workbook_problems_found_by_the_framework_checks_are_placed_too(world, admin):
    wb = load_workbook(io.BytesIO(framework_xlsx.template_workbook()))
    wb["Tiêu chí"].append(["TC1", "Tiêu chí trùng mã"])
    wb["Nội dung"].append(["TC1", "TC1.1", "Trùng mã nội dung", "Điểm", 1])
    wb["Nội dung"].append(["TC1", "TC1.9", "Loại sai", "vẽ tranh", 1])
    buffer = io.BytesIO()
    wb.save(buffer)
    before = saved()
    rows = error_rows(import_(admin, xlsx_file(buffer.getvalue())))
    places = {tuple(row[:3]) for row in rows}
    assert ("Tiêu chí", "3", framework_xlsx.C_CODE) in places  # used twice
    assert ("Nội dung", "3", framework_xlsx.I_CODE) in places  # used twice
    assert ("Nội dung", "4", framework_xlsx.I_TYPE) in places  # reported once, by the reader
    assert [row[:3] for row in rows].count(["Nội dung", "4", framework_xlsx.I_TYPE]) == 1
    assert saved() == before


def test_yaml_problems_are_listed_with_their_place_in_the_file(world, admin):
    data = document()
    data["criteria"][0]["items"][1]["type"] = "text"
    data["criteria"][1]["max_points"] = "nhiều"
    del data["name"]
    before = saved()
    response = import_(admin, yaml_file(data))
    assert response.status_code == 200
    rows = {row[0]: row[1] for row in error_rows(response)}
    assert set(rows) == {"framework.name", "criteria[0].items[1].type", "criteria[1].max_points"}
    assert "nhiều" in rows["criteria[1].max_points"]
    assert saved() == before


@pytest.mark.parametrize(
    "text,place",
    [
        ("code: [thu\nversion: 1\n", "line"),
        ("code: &c thu\nversion: *c\n", "line 2"),
    ],
    ids=["syntax", "alias"],
)
def test_yaml_that_cannot_be_read_is_refused_with_the_line(text, place, world, admin):
    before = saved()
    rows = error_rows(import_(admin, yaml_file(text)))
    assert len(rows) == 1
    assert rows[0][0].startswith((place, place.replace("line", "dòng")))  # English, or once translated
    assert saved() == before


@pytest.mark.parametrize(
    "file",
    [
        SimpleUploadedFile("list.yaml", b"- a\n- b\n"),
        SimpleUploadedFile("utf16.yml", "code: trạm".encode("utf-16")),
        SimpleUploadedFile("fake.xlsx", b"code: x\n"),
        SimpleUploadedFile("empty.yaml", b""),
    ],
    ids=["not-a-mapping", "not-utf8", "not-a-workbook", "empty"],
)
def test_files_that_hold_no_framework_are_refused(file, world, admin):
    before = saved()
    response = import_(admin, file)
    assert response.status_code == 200
    assert 'id="import-errors"' in response.text or "errorlist" in response.text
    assert saved() == before


def test_only_yaml_and_excel_files_are_taken(world, admin):
    response = import_(admin, SimpleUploadedFile("bo.txt", dump_yaml(document()).encode()))
    assert response.status_code == 200
    assert "errorlist" in response.text and ".xlsx" in response.text
    assert not Framework.objects.filter(code="thu-nghiem").exists()


@pytest.mark.parametrize("fmt", ["yaml", "xlsx"])
def test_a_file_over_the_size_limit_is_refused(fmt, world, admin):
    content = dump_yaml(document()).encode() if fmt == "yaml" else framework_xlsx.template_workbook()
    with override_settings(YTCS_IMPORT_MAX_BYTES=len(content) - 1):
        response = import_(admin, SimpleUploadedFile(f"bo.{fmt}", content))
    assert response.status_code == 200
    assert "MB" in response.text and "errorlist" in response.text
    assert not Framework.objects.filter(code__in=["thu-nghiem", "vi-du"]).exists()


def test_a_version_without_assessments_is_replaced_and_says_so(world, admin):
    framework = assessment_framework(world.province_admin, document())
    changed = document(name="Bộ tiêu chí thử nghiệm (sửa)")
    changed["criteria"] = changed["criteria"][:1]
    response = import_(admin, yaml_file(changed))
    assert response.status_code == 302
    framework.refresh_from_db()
    assert framework.name == "Bộ tiêu chí thử nghiệm (sửa)" and framework.criteria.count() == 1
    assert Framework.objects.filter(code="thu-nghiem").count() == 1
    page = admin.get(response["Location"]).text
    assert "replaced" in page or "thay thế" in page


def test_a_version_used_by_assessments_cannot_be_replaced(world, admin):
    framework = assessment_framework(world.province_admin, document())
    services.assessment_create(user=world.station_head, orgunit=world.station_a1, framework=framework, year=2026)
    exported = admin.get(reverse("assessments:framework_export_xlsx", args=[framework.pk]))
    before = saved()
    response = import_(admin, xlsx_file(exported.content))
    assert response.status_code == 200
    rows = error_rows(response)
    assert [row[:3] for row in rows] == [["Bộ tiêu chí", "2", framework_xlsx.F_VERSION]]
    assert saved() == before
    # and through YAML the place is the version key
    rows = error_rows(import_(admin, yaml_file(framework_document(framework))))
    assert rows[0][0] == "framework.version"
    assert saved() == before


def test_numbers_beyond_what_is_stored_are_placed_and_nothing_is_saved(world, admin):
    data = document()
    data["criteria"][1]["max_points"] = 10**9
    data["criteria"][0]["items"][0]["max_points"] = "123456"
    data["criteria"][0]["items"][1]["prefill"] = "staff_with_competency:" + "x" * 80
    data["pass_rule"]["every_criterion_min_percent"] = 150
    before = saved()
    response = import_(admin, yaml_file(data))
    assert response.status_code == 200
    places = [row[0] for row in error_rows(response)]
    assert set(places) == {
        "criteria[1].max_points",
        "criteria[0].items[0].max_points",
        "criteria[0].items[1].prefill",
    }
    assert saved() == before
    # the percentage is refused by the framework's own validation, and placed too
    data = document(pass_rule={"every_criterion_min_percent": 150})
    assert [row[0] for row in error_rows(import_(admin, yaml_file(data)))] == ["pass_rule.every_criterion_min_percent"]
    wb = load_workbook(io.BytesIO(framework_xlsx.framework_workbook(data)))
    wb["Tiêu chí"]["C3"].value = 10**6
    buffer = io.BytesIO()
    wb.save(buffer)
    rows = error_rows(import_(admin, xlsx_file(buffer.getvalue())))
    assert [row[:3] for row in rows] == [["Tiêu chí", "3", framework_xlsx.C_MAX]]
    wb["Tiêu chí"]["C3"].value = 2
    wb.save(buffer := io.BytesIO())
    rows = error_rows(import_(admin, xlsx_file(buffer.getvalue())))
    assert [row[:3] for row in rows] == [["Bộ tiêu chí", "2", framework_xlsx.F_PASS_PERCENT]]
    assert saved() == before


@pytest.mark.parametrize("persona", ["region_manager", "station_head", "viewer", "province_viewer", "data_clerk"])
def test_only_catalogue_managers_may_import(persona, world, client_for):
    client = client_for(getattr(world, persona))
    before = saved()
    assert client.get(reverse("assessments:framework_import")).status_code == 403
    assert import_(client, yaml_file(document(version="2031"))).status_code == 403
    assert saved() == before
    listed = client.get(reverse("assessments:framework_list")).text
    assert f'href="{reverse("assessments:framework_import")}"' not in listed


def test_a_failed_import_keeps_the_form_and_shows_the_template_link(world, admin):
    response = import_(admin, yaml_file("code: [x\n"))
    assert reverse("assessments:framework_import_template") in response.text
    assert 'name="file"' in response.text
