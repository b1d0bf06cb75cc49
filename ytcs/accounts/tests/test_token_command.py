"""`ytcs token USERNAME`: prints a working API token, the same one each time."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from ytcs.core.testing.factories import UserFactory

pytestmark = pytest.mark.django_db


def token(username: str) -> str:
    out = StringIO()
    call_command("token", username, stdout=out)
    return out.getvalue().strip()


def test_it_creates_the_token_once_and_prints_it_again():
    user = UserFactory(username="station_head")
    key = token("station_head")
    assert key == Token.objects.get(user=user).key
    assert token("station_head") == key
    assert Token.objects.count() == 1


def test_the_printed_token_authenticates_api_calls(world):
    key = token(world.region_manager.username)
    client = APIClient()
    assert client.get("/api/v1/orgunits/").status_code == 401
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    response = client.get("/api/v1/orgunits/", {"page_size": 100})
    assert response.status_code == 200
    assert {row["code"] for row in response.json()["results"]} == {"RA", "A1", "A2", "A1A"}


def test_an_unknown_user_is_an_error():
    with pytest.raises(CommandError, match="No user named 'ghost'"):
        token("ghost")
    assert not Token.objects.exists()


def test_an_inactive_user_gets_no_token():
    UserFactory(username="gone", is_active=False)
    with pytest.raises(CommandError, match="inactive"):
        token("gone")
    assert not Token.objects.exists()
