"""Behaviour of the assessment workflow pages: opening an assessment (pre-filled from the registry), answering all
items at once (all or nothing, each wrong item named), evidence (type, content and size checked; downloaded only in
scope), submission, verification or return by the level above, and bounded queries."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ytcs.assessments import selectors, services
from ytcs.assessments.models import Answer, Assessment, AssessmentStatus, Evidence, Framework, Item
from ytcs.core.testing.factories import StaffFactory, assessment_framework, title

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"0" * 32
PDF = b"%PDF-1.4 bien ban kiem tra"


def png(name: str = "be-nuoc.png", content: bytes = PNG) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="image/png")


def detail(assessment: Assessment) -> str:
    return reverse("assessments:assessment_detail", args=[assessment.pk])


def action(name: str, assessment: Assessment) -> str:
    return reverse(f"assessments:{name}", args=[assessment.pk])


@pytest.fixture
def framework(world):
    return assessment_framework(world.province_admin)


@pytest.fixture
def items(framework) -> dict[str, Item]:
    return {i.code: i for i in Item.objects.filter(criterion__framework=framework)}


@pytest.fixture
def draft(world, framework):
    """Station A1's self-assessment for 2026 (no doctor at A1: TC2.1 pre-filled "no", TC2.2 pre-filled 0)."""
    return services.assessment_create(user=world.station_head, orgunit=world.station_a1, framework=framework, year=2026)


def answer_data(items: dict[str, Item], **values) -> dict:
    """POST data of the answers form: `TC2_1="yes"`, `TC2_1__reason="..."`, `TC3_1__note="..."`."""
    data = {}
    for code, item in items.items():
        key = code.replace(".", "_")
        data[f"i{item.pk}-note"] = values.get(f"{key}__note", "")
        if key in values:
            data[f"i{item.pk}-value"] = values[key]
        if f"{key}__reason" in values:
            data[f"i{item.pk}-override_reason"] = values[f"{key}__reason"]
    return data


def radio_checked(html: str, name: str, value: str) -> bool:
    """Whether the radio button `name`=`value` is checked in the page."""
    tags = re.findall(r"<input[^>]*>", html)
    tag = next(t for t in tags if f'name="{name}"' in t and f'value="{value}"' in t)
    return " checked" in tag


def submitted(world, framework, items, unit=None, year: int = 2025) -> Assessment:
    assessment = services.assessment_create(
        user=world.region_manager, orgunit=unit or world.station_a1, framework=framework, year=year
    )
    services.answer_save(
        user=world.region_manager,
        assessment=assessment,
        item=items["TC2.1"],
        value=True,
        override_reason="Bác sĩ luân phiên từ trung tâm",
    )
    services.answer_save(user=world.region_manager, assessment=assessment, item=items["TC3.1"], value=True)
    services.evidence_add(user=world.region_manager, assessment=assessment, item=items["TC3.1"], uploaded=png())
    # TC2 = 2 + 0 (its minimum), TC3 = 2: total 4, the pass mark.
    return services.assessment_submit(user=world.region_manager, assessment=assessment)


# ---------------------------------------------------------------------------------------------------- opening one


def test_opening_an_assessment_prefills_it_from_the_registry_and_shows_the_source(world, framework, client_for):
    StaffFactory(orgunit=world.station_a1, title=title("bac-si"))
    client = client_for(world.station_head)
    form = client.get(reverse("assessments:assessment_create"))
    assert form.status_code == 200
    # A station head opens assessments of their own station only.
    assert list(form.context["form"].fields["orgunit"].queryset) == [world.station_a1]
    response = client.post(
        reverse("assessments:assessment_create"),
        {"orgunit": world.station_a1.pk, "framework": framework.pk, "year": "2026"},
    )
    assessment = Assessment.objects.get(orgunit=world.station_a1, framework=framework, year=2026)
    assert response.status_code == 302 and response["Location"] == detail(assessment)
    page = client.get(detail(assessment))
    doctor = Answer.objects.get(assessment=assessment, item__code="TC2.1")
    assert doctor.value is True and doctor.prefill_source
    assert doctor.prefill_source in page.text
    row = page.text.split(f'id="item-{doctor.item_id}"')[1].split("</tr>")[0]
    # The registry's value is shown beside the answer (checked "yes") with the reason field for overriding it.
    assert radio_checked(row, f"i{doctor.item_id}-value", "yes")
    assert f'name="i{doctor.item_id}-override_reason"' in row
    # The framework and its pass rule are not confirmed against the source: flagged.
    assert 'id="framework-unconfirmed"' in page.text and 'id="pass-rule-unconfirmed"' in page.text
    assert "TC3.1" in page.text and 'id="needs-evidence-tc31"' in page.text


def test_only_frameworks_that_apply_to_the_unit_are_offered_and_accepted(world, framework, client_for):
    client = client_for(world.region_manager)
    # Changing the unit reloads the form with the frameworks for its kind: the test framework is for stations.
    for_region = client.get(reverse("assessments:assessment_create"), {"orgunit": world.region_a.pk})
    offered = set(for_region.context["form"].fields["framework"].queryset)
    assert framework not in offered and Framework.objects.get(code="5s-co-so-y-te") in offered
    for_station = client.get(reverse("assessments:assessment_create"), {"orgunit": world.station_a2.pk})
    assert framework in set(for_station.context["form"].fields["framework"].queryset)
    response = client.post(
        reverse("assessments:assessment_create"),
        {"orgunit": world.region_a.pk, "framework": framework.pk, "year": "2026"},
    )
    assert response.status_code == 200 and response.context["form"].errors["framework"]
    assert not Assessment.objects.exists()
    # The year defaults to this one; a second assessment of the same unit, framework and year is refused.
    assert for_station.context["form"].fields["year"].initial >= 2025
    data = {"orgunit": world.station_a2.pk, "framework": framework.pk, "year": "2026"}
    assert client.post(reverse("assessments:assessment_create"), data).status_code == 302
    again = client.post(reverse("assessments:assessment_create"), data)
    assert again.status_code == 200 and again.context["form"].errors["year"]
    assert Assessment.objects.count() == 1


def test_a_unit_out_of_the_users_write_scope_cannot_be_chosen(world, framework, client_for):
    client = client_for(world.station_head)
    response = client.post(
        reverse("assessments:assessment_create"),
        {"orgunit": world.station_a2.pk, "framework": framework.pk, "year": "2026"},
    )
    assert response.status_code == 200 and response.context["form"].errors["orgunit"]
    assert not Assessment.objects.exists()


# ---------------------------------------------------------------------------------------------------- answers


def test_overriding_the_registry_without_a_reason_saves_nothing_and_names_the_item(world, draft, items, client_for):
    client = client_for(world.station_head)
    data = answer_data(items, TC2_1="yes", TC3_1="yes", TC3_1__note="Giếng khoan", TC2_1__reason="")
    response = client.post(action("answer_save", draft), data)
    assert response.status_code == 200
    errors = response.context["answer_errors"]
    assert len(errors) == 1 and errors[0].startswith("TC2.1")
    # Nothing saved, not even the correct answer to TC3.1.
    assert not Answer.objects.filter(assessment=draft, item=items["TC3.1"]).exists()
    assert Answer.objects.get(assessment=draft, item=items["TC2.1"]).value is False
    # What the user typed is kept.
    assert 'id="answer-errors"' in response.text and "Giếng khoan" in response.text
    row = response.text.split(f'id="item-{items["TC2.1"].pk}"')[1].split("</tr>")[0]
    assert row.startswith(' class="row-error"')
    assert radio_checked(row, f"i{items['TC2.1'].pk}-value", "yes")
    # With a reason it is saved, with the rest of the page.
    data[f"i{items['TC2.1'].pk}-override_reason"] = "Bác sĩ luân phiên từ trung tâm 3 ngày/tuần"
    response = client.post(action("answer_save", draft), data)
    assert response.status_code == 302
    doctor = Answer.objects.get(assessment=draft, item=items["TC2.1"])
    assert doctor.value is True and doctor.prefilled_value is False and doctor.override_reason.startswith("Bác sĩ")
    water = Answer.objects.get(assessment=draft, item=items["TC3.1"])
    assert water.value is True and water.note == "Giếng khoan"
    page = client.get(detail(draft))
    # The live score follows the saved answers: TC2 = 2 + 0, TC3 = 2, total 4 (the pass mark).
    assert page.context["card"].total == Decimal(4) and page.context["card"].passed is True


def test_every_wrong_answer_is_named_by_its_item_code(world, draft, items, client_for):
    client = client_for(world.station_head)
    data = answer_data(items, TC2_2="nhiều", TC2_1="yes", TC3_1="yes")
    response = client.post(action("answer_save", draft), data)
    assert response.status_code == 200
    codes = sorted(message.split(" ")[0].split(":")[0] for message in response.context["answer_errors"])
    assert codes == ["TC2.1", "TC2.2"]
    assert 'value="nhiều"' in response.text
    assert not Answer.objects.filter(assessment=draft, item=items["TC3.1"]).exists()
    # A decimal comma is read as the decimal mark (and the registry's 0 is overridden with a reason).
    data = answer_data(items, TC2_2="1,0", TC2_2__reason="Y sĩ mới có chứng chỉ, chưa nhập vào hệ thống", TC3_1="no")
    assert client.post(action("answer_save", draft), data).status_code == 302
    assert Answer.objects.get(assessment=draft, item=items["TC2.2"]).value == 1


def test_points_and_choice_items_are_asked_with_their_maximum_and_choices(world, client_for):
    data = {
        "code": "5s-thu",
        "version": "1",
        "name": "5S thử",
        "source": "thử",
        "unit_kinds": ["station"],
        "scoring": "points",
        "pass_rule": {"total_min": 3},
        "criteria": [
            {
                "code": "S1",
                "name": "Sàng lọc",
                "max_points": 4,
                "items": [
                    {"code": "S1.1", "text": "Loại bỏ vật dụng thừa", "type": "points", "max_points": 2},
                    {
                        "code": "S1.2",
                        "text": "Mức độ gọn gàng",
                        "type": "choice",
                        "max_points": 2,
                        "choices": [
                            {"code": "a", "label": "Tốt", "points": 2},
                            {"code": "b", "label": "Chưa tốt", "points": 0},
                        ],
                    },
                ],
            }
        ],
    }
    framework = assessment_framework(world.province_admin, data)
    assessment = services.assessment_create(
        user=world.station_head, orgunit=world.station_a1, framework=framework, year=2026
    )
    items = {i.code: i for i in Item.objects.filter(criterion__framework=framework)}
    client = client_for(world.station_head)
    page = client.get(detail(assessment))
    assert f'name="i{items["S1.2"].pk}-value"' in page.text and "Chưa tốt" in page.text
    response = client.post(action("answer_save", assessment), answer_data(items, S1_1="3", S1_2="c"))
    assert response.status_code == 200
    assert sorted(m.split(":")[0].split(" ")[0] for m in response.context["answer_errors"]) == ["S1.1", "S1.2"]
    response = client.post(action("answer_save", assessment), answer_data(items, S1_1="1,5", S1_2="a"))
    assert response.status_code == 302
    card = client.get(detail(assessment)).context["card"]
    assert card.total == Decimal("3.5") and card.passed is True


# ---------------------------------------------------------------------------------------------------- evidence


def test_evidence_that_is_not_a_photo_or_a_pdf_or_too_big_is_refused(world, draft, items, client_for):
    client = client_for(world.station_head)
    url = action("evidence_upload", draft)
    item = items["TC3.1"].pk
    for upload in (
        SimpleUploadedFile("setup.exe", b"MZ\x90\x00", content_type="application/octet-stream"),
        png("anh.png", b"<script>alert(1)</script>"),
    ):
        response = client.post(url, {"item": item, "file": upload})
        assert response.status_code == 200
        assert response.context["groups"][1]["rows"][0]["evidence"]["errors"]
    with override_settings(YTCS_EVIDENCE_MAX_BYTES=16):
        response = client.post(url, {"item": item, "file": png()}, headers={"HX-Request": "true"})
    # Through htmx only the item's evidence block comes back, with the error.
    assert response.status_code == 200 and f'id="evidence-{item}"' in response.text
    assert 'role="alert"' in response.text and "<html" not in response.text
    assert not Evidence.objects.exists()
    response = client.post(url, {"item": item, "file": png()}, headers={"HX-Request": "true"})
    assert response.status_code == 200 and "be-nuoc.png" in response.text
    assert Evidence.objects.get().item_id == item


def test_evidence_is_downloaded_only_in_scope_and_as_an_attachment(world, draft, items, client_for):
    pdf = SimpleUploadedFile("biên bản kiểm tra.pdf", PDF, content_type="application/pdf")
    evidence = services.evidence_add(user=world.station_head, assessment=draft, uploaded=pdf)
    url = reverse("assessments:evidence_download", args=[evidence.pk])
    response = client_for(world.viewer).get(url)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == PDF
    # The file lives under the media root, which no URL serves; the page links to the checked download only.
    page = client_for(world.station_head).get(detail(draft))
    assert url in page.text and f'href="{evidence.file.url}' not in page.text
    assert client_for(world.station_head).get("/" + evidence.file.name).status_code == 404
    for outsider in (world.outsider,):
        assert client_for(outsider).get(url).status_code == 404
    a2 = services.assessment_create(
        user=world.region_manager, orgunit=world.station_a2, framework=draft.framework, year=2026
    )
    other = services.evidence_add(user=world.region_manager, assessment=a2, uploaded=png())
    # The head of station A1 does not see station A2's files.
    assert (
        client_for(world.station_head).get(reverse("assessments:evidence_download", args=[other.pk])).status_code == 404
    )


def test_evidence_is_removed_while_the_assessment_can_change(world, draft, items, client_for):
    evidence = services.evidence_add(user=world.station_head, assessment=draft, item=items["TC3.1"], uploaded=png())
    client = client_for(world.station_head)
    response = client.post(reverse("assessments:evidence_delete", args=[evidence.pk]), headers={"HX-Request": "true"})
    assert response.status_code == 200 and f'id="evidence-{items["TC3.1"].pk}"' in response.text
    assert not Evidence.objects.exists()


# ---------------------------------------------------------------------------------------------------- workflow


def test_an_incomplete_assessment_is_not_submitted_and_the_missing_items_are_named(world, draft, client_for):
    client = client_for(world.station_head)
    response = client.post(action("assessment_submit", draft))
    assert response.status_code == 200
    text = " ".join(response.context["workflow_errors"])
    assert "TC3.1" in text and 'id="workflow-errors"' in response.text
    draft.refresh_from_db()
    assert draft.status == AssessmentStatus.DRAFT


def test_the_station_cannot_verify_its_own_assessment_the_region_does(world, framework, items, client_for):
    assessment = submitted(world, framework, items)
    head = client_for(world.station_head)
    page = head.get(detail(assessment))
    # Read-only once submitted, and no verification buttons for the station.
    assert page.context["editable"] is False and 'id="answers-form"' not in page.text
    assert 'id="verify-form"' not in page.text
    assert head.post(action("assessment_verify", assessment), {"comment": ""}).status_code == 403
    assert head.post(action("assessment_return", assessment), {"comment": "x"}).status_code == 403
    # Answers of a submitted assessment are refused, nothing saved.
    response = head.post(action("answer_save", assessment), answer_data(items, TC3_1="no"))
    assert response.status_code == 200 and response.context["answer_errors"]
    assert Answer.objects.get(assessment=assessment, item=items["TC3.1"]).value is True
    manager = client_for(world.region_manager)
    assert 'id="verify-form"' in manager.get(detail(assessment)).text
    response = manager.post(action("assessment_verify", assessment), {"comment": "Đạt, hồ sơ đầy đủ"})
    assert response.status_code == 302
    assessment.refresh_from_db()
    assert assessment.status == AssessmentStatus.VERIFIED and assessment.verified_by == world.region_manager
    assert (assessment.total, assessment.passed) == (Decimal(4), True)
    page = manager.get(detail(assessment))
    assert "Đạt, hồ sơ đầy đủ" in page.text and 'id="verify-form"' not in page.text


def test_a_returned_assessment_shows_the_comments_and_can_be_changed_again(world, framework, items, client_for):
    assessment = submitted(world, framework, items)
    manager = client_for(world.region_manager)
    # Returning needs comments: the form is shown again with the error, nothing changes.
    response = manager.post(action("assessment_return", assessment), {"comment": "  "})
    assert response.status_code == 200 and response.context["comment_form"].errors["comment"]
    assessment.refresh_from_db()
    assert assessment.status == AssessmentStatus.SUBMITTED
    response = manager.post(action("assessment_return", assessment), {"comment": "Bổ sung ảnh bể nước"})
    assert response.status_code == 302
    head = client_for(world.station_head)
    page = head.get(detail(assessment))
    assert page.context["editable"] is True and 'id="returned"' in page.text and "Bổ sung ảnh bể nước" in page.text
    response = head.post(
        action("evidence_upload", assessment), {"item": items["TC3.1"].pk, "file": png("be-nuoc-moi.png")}
    )
    assert response.status_code == 302
    assert head.post(action("assessment_submit", assessment)).status_code == 302
    assessment.refresh_from_db()
    assert assessment.status == AssessmentStatus.SUBMITTED


def test_the_history_shows_each_step(world, framework, items, client_for):
    assessment = submitted(world, framework, items)
    client_for(world.region_manager).post(action("assessment_verify", assessment), {"comment": ""})
    history = list(client_for(world.region_manager).get(detail(assessment)).context["history"])
    assert len([e for e in history if e.object_repr == str(assessment)]) >= 3
    assert any(e.content_type.model == "evidence" for e in history)


# ---------------------------------------------------------------------------------------------------- the list


def test_the_list_filters_by_framework_year_status_unit_and_result(world, framework, items, client_for):
    verified = submitted(world, framework, items, unit=world.station_a1, year=2025)
    services.assessment_verify(user=world.region_manager, assessment=verified)
    services.assessment_create(user=world.region_manager, orgunit=world.station_a2, framework=framework, year=2026)
    services.assessment_create(
        user=world.province_admin,
        orgunit=world.station_b1,
        framework=Framework.objects.get(code="qd1300-2030"),
        year=2026,
    )
    client = client_for(world.province_admin)

    def units(**filters) -> list[str]:
        response = client.get(reverse("assessments:assessment_list"), filters)
        assert response.status_code == 200
        return sorted(a.orgunit.code for a in response.context["page"].object_list)

    assert units() == ["A1", "A2", "B1"]
    assert units(framework="thu-nghiem") == ["A1", "A2"]
    assert units(year="2026") == ["A2", "B1"]
    assert units(status="verified") == ["A1"]
    assert units(orgunit="RA") == ["A1", "A2"]
    assert units(orgunit="ra") == ["A1", "A2"]
    assert units(passed="yes") == ["A1"]
    assert units(passed="no") == []
    # A bad value in one filter does not drop the others.
    assert units(year="abc", orgunit="RB") == ["B1"]
    # The region manager sees their region only.
    response = client_for(world.region_manager).get(reverse("assessments:assessment_list"))
    assert sorted(a.orgunit.code for a in response.context["page"].object_list) == ["A1", "A2"]
    # htmx asks for the table only.
    fragment = client.get(
        reverse("assessments:assessment_list"),
        {"year": "2025"},
        headers={"HX-Request": "true", "HX-Target": "assessment-table"},
    )
    assert 'id="assessment-results"' in fragment.text and "<html" not in fragment.text


def test_the_list_paginates_in_sql_with_a_bounded_number_of_queries(world, framework, client_for):
    client = client_for(world.province_admin)
    url = reverse("assessments:assessment_list")
    services.assessment_create(user=world.province_admin, orgunit=world.station_a1, framework=framework, year=2000)
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for year in range(2001, 2031):
        for unit in (world.station_a1, world.station_a2):
            services.assessment_create(user=world.province_admin, orgunit=unit, framework=framework, year=year)
    with CaptureQueriesContext(connection) as many:
        response = client.get(url, {"page": 2})
    assert len(response.context["page"].object_list) == 25 and response.context["page"].paginator.count == 61
    assert len(many) == len(few) <= 12
    assert any("LIMIT 25" in q["sql"] and "OFFSET 25" in q["sql"] for q in many.captured_queries)


def test_the_page_takes_the_same_number_of_queries_whatever_the_size_of_the_framework(
    world, draft, items, django_assert_max_num_queries, client_for
):
    client = client_for(world.region_manager)
    services.evidence_add(user=world.station_head, assessment=draft, item=items["TC3.1"], uploaded=png())
    sara = services.assessment_create(
        user=world.region_manager,
        orgunit=world.station_a2,
        framework=Framework.objects.get(code="who-sara-gsr"),
        year=2026,
    )
    for item in list(Item.objects.filter(criterion__framework=sara.framework))[:20]:
        services.answer_save(user=world.region_manager, assessment=sara, item=item, value=True)
        services.evidence_add(user=world.region_manager, assessment=sara, item=item, uploaded=png())

    def count(assessment) -> int:
        client.get(detail(assessment))
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(detail(assessment)).status_code == 200
        return len(ctx)

    assert count(sara) == count(draft)
    with django_assert_max_num_queries(25):
        client.get(detail(sara))
    assert len(selectors.assessment_answers(assessment=sara)) == 20
