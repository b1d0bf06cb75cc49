from __future__ import annotations

import pytest
from django.urls import reverse

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
