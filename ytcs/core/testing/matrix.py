"""The persona matrix (house style): every page and endpoint is checked for
anonymous → login/401, in scope → 2xx/3xx, out of scope → 404, read-only write → 403, nothing saved."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ytcs.core.models import AuditEntry
from ytcs.core.testing.personas import World


@dataclass(frozen=True)
class Endpoint:
    name: str
    method: str
    url: Callable[[World], str]
    data: Callable[[World], Any] | None = None
    # Persona allowed on the target; the outsider (region B) must get 404 on it.
    allowed: str = "region_manager"
    out_of_scope: str | None = "outsider"
    read_only: str | None = "viewer"
    ok: frozenset[int] = field(default=frozenset({200, 201, 302}))
    api: bool = False
    format: str = "json"  # "multipart" for file uploads to the API

    @property
    def writes(self) -> bool:
        return self.method.lower() not in {"get", "head", "options"}

    def __str__(self) -> str:
        return self.name


def call(client, endpoint: Endpoint, world: World):
    method = getattr(client, endpoint.method.lower())
    data = endpoint.data(world) if endpoint.data else None
    if endpoint.api:
        return (
            method(endpoint.url(world), data, format=endpoint.format)
            if data is not None
            else method(endpoint.url(world))
        )
    return method(endpoint.url(world), data) if data is not None else method(endpoint.url(world))


def audit_count() -> int:
    return AuditEntry.objects.count()


READ_ONLY = ("viewer", "province_viewer", "data_clerk")
"""The personas that may read but never write."""


def page_matrix(
    endpoints: list[Endpoint],
    snapshot: Callable[[], Any],
    *,
    forms: list[Endpoint] = (),
    read_only: tuple[str, ...] = READ_ONLY,
    check_follow: bool = False,
) -> dict[str, Callable]:
    """The persona checks of a page matrix as parametrized tests, for a module to adopt with
    `globals().update(page_matrix(ENDPOINTS, _snapshot, forms=WRITE_FORMS))`:

    anonymous → login and nothing saved; the allowed persona → success (a write redirects and changes the snapshot;
    with `check_follow`, the page it lands on shows no error); the out-of-scope persona → 404 and nothing saved;
    read-only personas → 403 on every write (and on opening a write form) and nothing saved.
    """
    import pytest

    @pytest.mark.parametrize("endpoint", endpoints, ids=str)
    def test_anonymous_is_sent_to_login(endpoint, world, client_for):
        before = snapshot()
        response = call(client_for(None), endpoint, world)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
        assert snapshot() == before

    @pytest.mark.parametrize("endpoint", endpoints, ids=str)
    def test_in_scope_persona_succeeds(endpoint, world, client_for):
        before = snapshot()
        response = call(client_for(getattr(world, endpoint.allowed)), endpoint, world)
        assert response.status_code in endpoint.ok, response.content[:500]
        if endpoint.writes:
            # A write that succeeds redirects; a form re-shown with errors would answer 200 and save nothing.
            assert response.status_code == 302, response.content.decode()[:3000]
            assert snapshot() != before
            if check_follow:
                follow = client_for(getattr(world, endpoint.allowed)).get(response["Location"])
                assert follow.status_code == 200
                assert b'class="msg msg-error"' not in follow.content, follow.content.decode()[:3000]

    @pytest.mark.parametrize("endpoint", [e for e in endpoints if e.out_of_scope], ids=str)
    def test_out_of_scope_persona_gets_404_and_nothing_is_saved(endpoint, world, client_for):
        before = snapshot()
        response = call(client_for(getattr(world, endpoint.out_of_scope)), endpoint, world)
        assert response.status_code == 404
        assert snapshot() == before

    @pytest.mark.parametrize("endpoint", [e for e in endpoints if e.writes and e.read_only], ids=str)
    def test_read_only_persona_gets_403_on_write_and_nothing_is_saved(endpoint, world, client_for):
        before = snapshot()
        for persona in read_only:
            response = call(client_for(getattr(world, persona)), endpoint, world)
            assert response.status_code == 403, (persona, response.status_code)
        assert snapshot() == before

    @pytest.mark.parametrize("endpoint", list(forms), ids=str)
    def test_read_only_persona_cannot_open_a_form(endpoint, world, client_for):
        for persona in read_only:
            response = call(client_for(getattr(world, persona)), endpoint, world)
            assert response.status_code == 403, (persona, response.status_code)

    tests = {
        test.__name__: test
        for test in (
            test_anonymous_is_sent_to_login,
            test_in_scope_persona_succeeds,
            test_out_of_scope_persona_gets_404_and_nothing_is_saved,
            test_read_only_persona_gets_403_on_write_and_nothing_is_saved,
        )
    }
    if forms:
        tests[test_read_only_persona_cannot_open_a_form.__name__] = test_read_only_persona_cannot_open_a_form
    return tests
