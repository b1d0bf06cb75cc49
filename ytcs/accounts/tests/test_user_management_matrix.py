"""User management pages: only administrators, only in their subtree, every change audited."""

from __future__ import annotations

import pytest
from django.urls import reverse

from ytcs.accounts.models import RoleAssignment, User
from ytcs.core.models import AuditEntry
from ytcs.core.testing.matrix import Endpoint, audit_count, call

pytestmark = pytest.mark.django_db


def target(w):
    return w.viewer  # an account attached to region A


ENDPOINTS = [
    Endpoint("users", "get", lambda w: reverse("accounts:user_list"), allowed="province_admin", out_of_scope=None),
    Endpoint(
        "new user form", "get", lambda w: reverse("accounts:user_create"), allowed="province_admin", out_of_scope=None
    ),
    Endpoint(
        "user detail", "get", lambda w: reverse("accounts:user_detail", args=[target(w).pk]), allowed="province_admin"
    ),
    Endpoint(
        "user edit form", "get", lambda w: reverse("accounts:user_edit", args=[target(w).pk]), allowed="province_admin"
    ),
    Endpoint(
        "user create",
        "post",
        lambda w: reverse("accounts:user_create"),
        lambda w: {
            "username": "moi",
            "full_name": "Trần Thị Mới",
            "home_unit": w.station_a1.pk,
            "password": "Mat-khau-2026!",
        },
        allowed="province_admin",
        out_of_scope=None,
    ),
    Endpoint(
        "user edit",
        "post",
        lambda w: reverse("accounts:user_edit", args=[target(w).pk]),
        lambda w: {
            "full_name": "Lê Văn Xem",
            "email": "xem@example.org",
            "home_unit": w.region_a.pk,
            "is_active": "on",
        },
        allowed="province_admin",
    ),
    Endpoint(
        "role assign",
        "post",
        lambda w: reverse("accounts:role_assign", args=[target(w).pk]),
        lambda w: {"role": "data_clerk", "orgunit": w.station_a2.pk},
        allowed="province_admin",
    ),
    Endpoint(
        "password",
        "post",
        lambda w: reverse("accounts:user_password", args=[target(w).pk]),
        lambda w: {"password": "Mat-khau-moi-2026"},
        allowed="province_admin",
    ),
    Endpoint(
        "role revoke",
        "post",
        lambda w: reverse("accounts:role_revoke", args=[target(w).pk, target(w).role_assignments.get().pk]),
        allowed="province_admin",
    ),
]


@pytest.fixture
def world_b_admin(world):
    """An administrator of region B only: accounts of region A lie outside their scope."""
    from ytcs.core.testing.factories import RoleAssignmentFactory, UserFactory

    admin_b = UserFactory(username="admin_b", home_unit=world.region_b)
    RoleAssignmentFactory(user=admin_b, role="province_admin", orgunit=world.region_b)
    world.admin_b = admin_b
    return world


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=str)
def test_province_admin_manages_users(endpoint, world, client_for):
    response = call(client_for(world.province_admin), endpoint, world)
    assert response.status_code in endpoint.ok


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=str)
def test_non_administrators_get_403_and_nothing_is_saved(endpoint, world, client_for):
    before = audit_count()
    for persona in ("region_manager", "station_head", "viewer", "province_viewer", "outsider"):
        response = call(client_for(getattr(world, persona)), endpoint, world)
        assert response.status_code == 403, persona
    assert audit_count() == before


@pytest.mark.parametrize("endpoint", [e for e in ENDPOINTS if e.out_of_scope], ids=str)
def test_an_administrator_of_another_subtree_gets_404(endpoint, world_b_admin, client_for):
    before = audit_count()
    response = call(client_for(world_b_admin.admin_b), endpoint, world_b_admin)
    assert response.status_code == 404
    assert audit_count() == before


def test_anonymous_users_are_sent_to_login(world, client):
    response = client.get(reverse("accounts:user_list"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_creating_an_account_and_giving_a_role_lets_the_new_user_log_in_and_see_the_unit(world, client_for):
    admin = client_for(world.province_admin)
    admin.post(
        reverse("accounts:user_create"),
        {"username": "tho", "full_name": "Phạm Văn Thọ", "home_unit": world.station_a2.pk, "password": "Tram-A2-2026"},
    )
    account = User.objects.get(username="tho")
    admin.post(
        reverse("accounts:role_assign", args=[account.pk]), {"role": "station_head", "orgunit": world.station_a2.pk}
    )
    assert RoleAssignment.objects.filter(user=account, role="station_head", orgunit=world.station_a2).exists()
    from django.test import Client

    c = Client()
    assert c.login(username="tho", password="Tram-A2-2026")
    assert c.get(reverse("orgunits:detail", args=["A2"])).status_code == 200
    assert c.get(reverse("orgunits:detail", args=["A1"])).status_code == 404
    assert AuditEntry.objects.filter(content_type__model="roleassignment", action="create").exists()


def test_user_search_ignores_diacritics(world, client_for):
    from ytcs.accounts.services import user_update

    user_update(user=world.province_admin, account=world.viewer, full_name="Nguyễn Thu Hà")
    response = client_for(world.province_admin).get(reverse("accounts:user_list"), {"q": "nguyen thu ha"})
    assert "Nguyễn Thu Hà" in response.text
    assert "station_head" not in response.text


def test_a_weak_password_is_refused_and_the_form_keeps_the_input(world, client_for):
    response = client_for(world.province_admin).post(
        reverse("accounts:user_create"),
        {"username": "yeu", "full_name": "Đỗ Thị Yếu", "home_unit": world.station_a1.pk, "password": "123"},
    )
    assert response.status_code == 200
    assert 'value="Đỗ Thị Yếu"' in response.text
    assert not User.objects.filter(username="yeu").exists()


def test_roles_can_only_be_given_on_units_the_admin_manages(world_b_admin, client_for):
    w = world_b_admin
    account = User.objects.get(username="outsider")
    response = client_for(w.admin_b).post(
        reverse("accounts:role_assign", args=[account.pk]), {"role": "province_admin", "orgunit": w.province.pk}
    )
    assert response.status_code == 302
    assert not RoleAssignment.objects.filter(user=account, orgunit=w.province).exists()


def test_an_admin_cannot_remove_their_own_last_admin_role(world, client_for):
    admin = world.province_admin
    ra = admin.role_assignments.get()
    client_for(admin).post(reverse("accounts:role_revoke", args=[admin.pk, ra.pk]))
    assert RoleAssignment.objects.filter(pk=ra.pk).exists()


def test_me_api_returns_the_callers_roles(world, api_for):
    response = api_for(world.station_head).get(reverse("me"))
    assert response.status_code == 200
    assert response.json()["roles"][0]["orgunit"] == "A1"


def test_users_api_is_scoped_to_administrators(world, api_for):
    assert api_for(world.region_manager).get(reverse("user-list")).status_code == 403
    response = api_for(world.province_admin).get(reverse("user-list"), {"q": "station"})
    assert [u["username"] for u in response.json()["results"]] == ["station_head"]
    assert api_for(None).get(reverse("user-list")).status_code == 401


def test_login_is_refused_for_a_while_after_repeated_failures(world, client, settings):
    from django.core.cache import cache

    from ytcs.core.testing.factories import PASSWORD

    cache.clear()
    settings.YTCS_LOGIN_MAX_FAILURES = 3
    for _ in range(3):
        client.post(reverse("accounts:login"), {"username": "viewer", "password": "sai-mat-khau"})
    response = client.post(reverse("accounts:login"), {"username": "viewer", "password": PASSWORD})
    assert response.status_code == 200
    assert "Đăng nhập sai quá nhiều lần" in response.text
    assert "_auth_user_id" not in client.session
    other = client.post(reverse("accounts:login"), {"username": "region_manager", "password": PASSWORD})
    assert other.status_code == 302
    cache.clear()


def test_an_admin_cannot_touch_a_superuser_or_a_higher_administrator(world_b_admin, client_for):
    from ytcs.accounts.selectors import user_list

    w = world_b_admin
    boss = User.objects.get(username="province_admin")
    boss.home_unit = w.region_b
    boss.save()
    w.superuser.home_unit = w.region_b
    w.superuser.save()
    client = client_for(w.admin_b)
    for account in (boss, w.superuser):
        assert client.get(reverse("accounts:user_detail", args=[account.pk])).status_code == 404
        response = client.post(reverse("accounts:user_password", args=[account.pk]), {"password": "Chiem-quyen-2026"})
        assert response.status_code == 404
    assert not user_list(user=w.admin_b).filter(pk__in=[boss.pk, w.superuser.pk]).exists()
    assert User.objects.get(pk=boss.pk).check_password("Chiem-quyen-2026") is False


def test_a_role_must_fit_the_kind_of_unit(world, client_for):
    account = User.objects.get(username="viewer")
    client_for(world.province_admin).post(
        reverse("accounts:role_assign", args=[account.pk]), {"role": "station_head", "orgunit": world.province.pk}
    )
    assert not RoleAssignment.objects.filter(user=account, role="station_head").exists()


def test_usernames_differing_only_in_case_are_refused(world, client_for):
    response = client_for(world.province_admin).post(
        reverse("accounts:user_create"),
        {
            "username": "Viewer",
            "full_name": "Trùng Tên",
            "home_unit": world.station_a1.pk,
            "password": "Mat-khau-2026!",
        },
    )
    assert response.status_code == 200
    assert User.objects.filter(username__iexact="viewer").count() == 1


def test_one_address_trying_many_accounts_is_paused_too(world, client, settings):
    from django.core.cache import cache

    cache.clear()
    settings.YTCS_LOGIN_MAX_FAILURES = 2
    for name in ("viewer", "outsider", "station_head", "data_clerk", "province_viewer", "region_manager", "root", "x"):
        client.post(reverse("accounts:login"), {"username": name, "password": "mat-khau-doan"})
    from ytcs.core.testing.factories import PASSWORD

    response = client.post(reverse("accounts:login"), {"username": "province_admin", "password": PASSWORD})
    assert response.status_code == 200 and "_auth_user_id" not in client.session
    other = client.post(
        reverse("accounts:login"), {"username": "province_admin", "password": PASSWORD}, REMOTE_ADDR="10.9.9.9"
    )
    assert other.status_code == 302
    cache.clear()
