from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from ytcs.core.testing.factories import StaffFactory
from ytcs.workforce.models import Licence
from ytcs.workforce.selectors import add_months

pytestmark = pytest.mark.django_db


def test_login_page_is_vietnamese_by_default(client):
    response = client.get(reverse("accounts:login"))
    assert response.status_code == 200
    assert "Đăng nhập" in response.text
    assert '<html lang="vi">' in response.text


def test_an_english_browser_still_gets_vietnamese(client):
    response = client.get(reverse("accounts:login"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert "Đăng nhập YTCS" in response.text


def test_english_can_be_chosen(client):
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    response = client.get(reverse("accounts:login"))
    assert "Log in to YTCS" in response.text


def test_wrong_password_gets_a_vietnamese_error(world, client):
    response = client.post(reverse("accounts:login"), {"username": "region_manager", "password": "sai"})
    assert response.status_code == 200
    assert "mật khẩu chính xác" in response.text


def test_home_shows_the_scope_of_the_user(world, client_for):
    response = client_for(world.region_manager).get(reverse("core:home"))
    assert response.status_code == 200
    text = response.text
    assert "Trạm y tế xã/phường" in text or "Trạm y tế" in text
    assert "20.700" in text  # A1 + A2 catchment population, 2025
    assert reverse("accounts:user_list") not in text  # no user management for a regional manager


def test_home_offers_user_management_to_province_admins(world, client_for):
    response = client_for(world.province_admin).get(reverse("core:home"))
    assert reverse("accounts:user_list") in response.text
    assert "27.100" in response.text


def test_home_requires_login(client):
    response = client.get(reverse("core:home"))
    assert response.status_code == 302


def test_api_schema_and_docs_are_served(world, client_for):
    client = client_for(world.viewer)
    schema = client.get("/api/schema/")
    assert schema.status_code == 200 and b"/api/v1/orgunits/" in schema.content
    docs = client.get("/api/docs/")
    assert docs.status_code == 200 and b"/static/vendor/swagger-ui/" in docs.content


def _stat(text: str, url: str) -> str:
    """The figure of the home-page tile linking to `url`."""
    start = text.index(f'href="{url}"><span class="value">') + len(f'href="{url}"><span class="value">')
    return text[start : text.index("</span>", start)]


def _workforce(world):
    today = timezone.localdate()
    ha = StaffFactory(orgunit=world.station_a1, full_name="Nguyễn Thu Hà")  # no licence, no CME
    binh = StaffFactory(orgunit=world.station_a2, full_name="Trần Văn Bình")
    Licence.objects.create(
        staff=binh,
        number="L-2",
        issuer="Sở Y tế",
        issued_on=datetime.date(2022, 1, 1),
        valid_until=add_months(today, 2),
    )
    minh = StaffFactory(orgunit=world.station_b1, full_name="Lê Đức Minh")
    Licence.objects.create(
        staff=minh,
        number="L-3",
        issuer="Sở Y tế",
        issued_on=datetime.date(2022, 1, 1),
        valid_until=add_months(today, 1),
    )
    return ha, binh, minh


def test_home_shows_workforce_follow_up_figures_of_the_scope(world, client_for):
    _workforce(world)
    text = client_for(world.region_manager).get(reverse("core:home")).text
    assert _stat(text, reverse("workforce:staff_list")) == "2"
    assert _stat(text, reverse("workforce:licences_expiring")) == "1"  # Bình; Minh is in region B
    assert _stat(text, reverse("workforce:licences_missing")) == "1"  # Hà
    assert _stat(text, reverse("workforce:cme_shortfall")) == "2"  # neither has CME hours
    province = client_for(world.province_admin).get(reverse("core:home")).text
    assert _stat(province, reverse("workforce:staff_list")) == "3"
    assert _stat(province, reverse("workforce:licences_expiring")) == "2"


def test_home_query_count_does_not_grow_with_staff(world, client_for):
    client = client_for(world.province_admin)
    _workforce(world)
    client.get(reverse("core:home"))
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("core:home"))
    for i in range(20):
        StaffFactory(orgunit=world.station_a1 if i % 2 else world.station_b1, full_name=f"Thêm {i}")
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("core:home"))
    assert len(many) == len(few)


def test_navigation_links_the_workforce(world, client_for):
    text = client_for(world.viewer).get(reverse("core:home")).text
    assert f'href="{reverse("workforce:staff_list")}"' in text


def test_home_shows_training_follow_up_figures_of_the_scope(world, client_for):
    import datetime

    from django.utils import timezone

    from ytcs.core.testing.factories import SponsorshipFactory, TrainingClassFactory
    from ytcs.training import services

    today = timezone.localdate()
    TrainingClassFactory(orgunit=world.region_a, starts_on=today, ends_on=today + datetime.timedelta(days=3))
    TrainingClassFactory(orgunit=world.region_b, starts_on=today, ends_on=today + datetime.timedelta(days=3))
    TrainingClassFactory(orgunit=world.region_a, starts_on=datetime.date(2024, 1, 2), ends_on=datetime.date(2024, 1, 5))
    SponsorshipFactory(orgunit=world.station_a1, expected_return_on=today + datetime.timedelta(days=40))
    SponsorshipFactory(orgunit=world.station_a2, expected_return_on=today + datetime.timedelta(days=900))
    left = SponsorshipFactory(orgunit=world.station_a1, cost=120_000_000)
    services.sponsorship_breach(user=world.region_manager, sponsorship=left, left_on=today, reason="Bỏ học")
    SponsorshipFactory(orgunit=world.station_b1)
    text = client_for(world.region_manager).get(reverse("core:home")).text
    assert _stat(text, reverse("training:class_list") + "?status=scheduled") == "1"
    assert _stat(text, reverse("training:sponsorship_list") + "?state=studying") == "2"
    assert _stat(text, reverse("training:upcoming_returns")) == "1"
    assert _stat(text, reverse("training:sponsorship_list") + "?state=breached") == "1"
    assert "120.000.000 đ" in text


def test_home_shows_the_latest_verified_national_criteria_results_of_the_scope(world, client_for):
    from ytcs.assessments.models import Assessment, Framework

    framework = Framework.objects.get(code="qd1300-2030")
    for unit, year, passed in (
        (world.station_a1, 2025, None),
        (world.station_a2, 2025, True),
        (world.station_b1, 2025, False),
    ):
        Assessment.objects.create(orgunit=unit, framework=framework, year=year, status="verified", passed=passed)
    Assessment.objects.create(orgunit=world.station_a1, framework=framework, year=2024, status="verified", passed=True)
    text = client_for(world.region_manager).get(reverse("core:home")).text
    assert "2025" in text
    start = text.index('id="assessment-summary"')
    section = text[start : text.index("</section>", start)]
    values = [v.split("<")[0] for v in section.split('class="value">')[1:]]
    assert values == [
        "2",
        "1",
        "0",
        "1",
    ]  # verified A1 and A2; A2 passed; none failed (B1 is not in scope); A1 no verdict


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url", "label"),
    [("/indicators/", "Chỉ số"), ("/indicators/entry/", "Nhập số liệu"), ("/indicators/analysis/", "Chỉ số")],
)
def test_the_menu_marks_one_section_as_current(world, client_for, url, label):
    import re

    page = client_for(world.province_admin).get(url).content.decode().split("</nav>")[0]  # the header menu
    current = re.findall(r'<a href="[^"]*" aria-current="page">([^<]*)</a>', page)
    assert current == [label]
