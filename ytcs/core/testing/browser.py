"""Browser tests: Debian's headless Chromium through Playwright, never a downloaded browser (tooling.md)."""

from __future__ import annotations

import os
import shutil

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
MARKS = [
    pytest.mark.browser,
    pytest.mark.skipif(os.environ.get("YTCS_SKIP_BROWSER") == "1", reason="YTCS_SKIP_BROWSER=1"),
]
"""`pytestmark = MARKS` in a browser test module: marked `browser`, skipped with YTCS_SKIP_BROWSER=1."""


def launch_chromium():
    """A context manager yielding a launched headless Chromium (the `chromium` fixture of conftest.py)."""
    from contextlib import contextmanager

    from playwright.sync_api import sync_playwright

    @contextmanager
    def launched():
        assert os.path.exists(CHROMIUM), "Debian's chromium is needed: apt-get install -y chromium (make test does it)"
        # Playwright's sync API runs an event loop in this thread; the ORM calls in tests are still synchronous.
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            try:
                yield browser
            finally:
                browser.close()

    return launched()
