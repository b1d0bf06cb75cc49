"""Compile the project's .po catalogues to .mo without needing GNU gettext on the machine."""

from __future__ import annotations

from pathlib import Path

import polib


def compile_translations(locale_dir: Path) -> list[Path]:
    """Write each django.mo next to its .po when missing or older; returns the files written."""
    written = []
    for po_path in sorted(locale_dir.glob("*/LC_MESSAGES/*.po")):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        polib.pofile(str(po_path)).save_as_mofile(str(mo_path))
        written.append(mo_path)
    return written
