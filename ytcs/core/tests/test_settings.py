"""Settings come from the environment; production refuses to start without a secret."""

from __future__ import annotations

import os
import subprocess
import sys


def _import_base(env: dict[str, str]) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("YTCS_") and k != "DJANGO_SETTINGS_MODULE"}
    return subprocess.run(
        [sys.executable, "-c", "import config.base"],
        env={**clean, **env},
        capture_output=True,
        text=True,
        check=False,
    )


def test_production_settings_require_a_secret_key():
    result = _import_base({"YTCS_DEBUG": "0"})
    assert result.returncode != 0
    assert "YTCS_SECRET_KEY is required" in result.stderr


def test_production_settings_load_with_a_secret_key():
    assert _import_base({"YTCS_DEBUG": "0", "YTCS_SECRET_KEY": "x" * 60}).returncode == 0


def test_a_malformed_boolean_is_rejected():
    result = _import_base({"YTCS_DEBUG": "maybe"})
    assert "YTCS_DEBUG must be a boolean" in result.stderr


def test_the_legal_rules_follow_their_environment_variables():
    env = {"YTCS_DEBUG": "1", "YTCS_CME_REQUIRED_CREDITS": "96", "YTCS_REIMBURSE_DURING_TRAINING_SHARE": "0.5"}
    clean = {k: v for k, v in os.environ.items() if not k.startswith("YTCS_") and k != "DJANGO_SETTINGS_MODULE"}
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import config.base as b; print(b.YTCS_CME_REQUIRED_CREDITS, b.YTCS_REIMBURSE_DURING_TRAINING_SHARE)",
        ],
        env={**clean, **env},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.stdout.split() == ["96", "0.5"], result.stderr
