"""Production static files: every vendored file collects under the manifest storage (no CDN, no missing refs)."""

from __future__ import annotations

from django.core.management import call_command
from django.test import override_settings


def test_collectstatic_with_the_manifest_storage_succeeds(tmp_path):
    storages = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
    }
    with override_settings(STATIC_ROOT=tmp_path, STORAGES=storages):
        call_command("collectstatic", interactive=False, verbosity=0)
    manifest = (tmp_path / "staticfiles.json").read_text()
    for name in (
        "vendor/htmx/htmx.min.js",
        "vendor/pico/pico.min.css",
        "vendor/swagger-ui/swagger-ui.css",
        "vendor/chartjs/chart.umd.js",
        "indicators/charts/charts.js",
        "indicators/charts/charts.css",
    ):
        assert name in manifest


def test_every_vendored_library_keeps_its_licence_and_pinned_version():
    from pathlib import Path

    vendor = Path(__file__).resolve().parents[3] / "static" / "vendor"
    versions = (vendor / "VERSIONS.txt").read_text()
    for directory, package in (("htmx", "htmx.org"), ("pico", "@picocss/pico"), ("chartjs", "chart.js")):
        assert any(p.name.startswith("LICENSE") for p in (vendor / directory).iterdir()), directory
        assert f"{package} " in versions
    assert "window.Chart" in (vendor / "chartjs" / "chart.umd.js").read_text()
