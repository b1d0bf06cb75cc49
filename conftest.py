import os
from pathlib import Path

import pytest
from rest_framework.test import APIClient

from ytcs.core.testing.factories import PASSWORD
from ytcs.core.testing.personas import build_world


def _serialise_live_server_requests() -> None:
    """With SQLite in memory, the live server's request threads share the test's one connection; two requests at
    once (a page and the htmx request it fires, such as the notification bell) then break it ("bad parameter or
    other API misuse"). The live server keeps a thread per connection, so the browser's sockets never block each
    other, but runs one request through Django at a time."""
    import threading

    from django.core.servers.basehttp import ThreadedWSGIServer
    from django.test.testcases import LiveServerThread

    class SerialisedWSGIServer(ThreadedWSGIServer):
        lock = threading.Lock()

        def set_app(self, application):
            def serialised(environ, start_response):
                with self.lock:
                    return application(environ, start_response)

            super().set_app(serialised)

    LiveServerThread.server_class = SerialisedWSGIServer


def pytest_configure(config):
    _serialise_live_server_requests()
    # Vietnamese is the default language: the catalogues must be compiled before any page renders.
    # Only the controller compiles, so parallel workers never race on the .mo files.
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        from ytcs.core.i18n import compile_translations

        compile_translations(Path(__file__).parent / "locale")


@pytest.fixture
def world(db):
    return build_world()


# Every migration that loads shipped data, in dependency order, with the function it runs.
SHIPPED_DATA_MIGRATIONS = (
    ("ytcs.workforce.migrations.0002_initial_catalogues", "load"),
    ("ytcs.training.migrations.0002_initial_catalogues", "load"),
    ("ytcs.indicators.migrations.0002_shipped_catalogue", "load"),
    ("ytcs.assets.migrations.0002_shipped_sample_catalogues", "load"),
    ("ytcs.assessments.migrations.0002_shipped_frameworks", "load"),
    ("ytcs.assessments.migrations.0003_criterion4_prefill_items", "add_items"),
)


@pytest.fixture
def shipped_catalogues(transactional_db):
    """The catalogues the migrations load, loaded again. A test in real transactions (live server, concurrency)
    ends with a flush that empties every table, shipped data included, so whichever such test runs next on the
    same worker would otherwise find none. Each loader is idempotent."""
    from importlib import import_module

    from django.apps import apps

    for module, function in SHIPPED_DATA_MIGRATIONS:
        getattr(import_module(module), function)(apps, None)


@pytest.fixture
def client_for(client):
    """A logged-in Django test client for a persona (None: anonymous)."""

    def make(user):
        from django.test import Client

        c = Client()
        if user is not None:
            assert c.login(username=user.username, password=PASSWORD)
        return c

    return make


@pytest.fixture
def api_for():
    """An API client authenticated by token for a persona (None: anonymous)."""
    from rest_framework.authtoken.models import Token

    def make(user):
        c = APIClient()
        if user is not None:
            token, _ = Token.objects.get_or_create(user=user)
            c.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        return c

    return make


@pytest.fixture
def chromium():
    """Debian's headless Chromium, launched through Playwright (browser tests)."""
    from ytcs.core.testing.browser import launch_chromium

    with launch_chromium() as browser:
        yield browser
