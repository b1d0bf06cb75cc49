"""Checks on uploaded files: visit photos (JPEG, PNG) and the evidence of a directive's completion (also PDF).

The type is read from the file's first bytes, never from the name or the header the client sent, and the file is
stored under a name of ours: what is served back (with `nosniff`) is what was checked.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

SIGNATURES = {
    "image/jpeg": (b"\xff\xd8\xff", ".jpg"),
    "image/png": (b"\x89PNG\r\n\x1a\n", ".png"),
    "application/pdf": (b"%PDF-", ".pdf"),
}
PHOTO_TYPES = ("image/jpeg", "image/png")
EVIDENCE_TYPES = ("image/jpeg", "image/png", "application/pdf")


def photo_max_bytes() -> int:
    return getattr(settings, "YTCS_PHOTO_MAX_BYTES", 10 * 1024 * 1024)


def evidence_max_bytes() -> int:
    return getattr(settings, "YTCS_EVIDENCE_MAX_BYTES", 10 * 1024 * 1024)


@dataclass(frozen=True)
class CheckedFile:
    content_type: str
    original_name: str
    size: int


def check_upload(uploaded: Any, *, field: str, types: tuple[str, ...], max_bytes: int, stored_stem: str) -> CheckedFile:
    """Refuse a file that is empty, too large, or whose content is not one of `types`; rename it to
    `stored_stem` + the extension of its real type and return what to keep about it."""
    size = getattr(uploaded, "size", 0) or 0
    if size <= 0:
        raise ValidationError({field: [_("The file is empty.")]})
    if size > max_bytes:
        raise ValidationError({field: [_("The file is larger than %(mb)d MB.") % {"mb": max_bytes // (1024 * 1024)}]})
    head = uploaded.read(16)
    uploaded.seek(0)
    found = next((kind for kind in types if head.startswith(SIGNATURES[kind][0])), None)
    if found is None:
        message = (
            _("Attach a photo (JPEG or PNG).")
            if "application/pdf" not in types
            else _("Attach a photo (JPEG, PNG) or a PDF.")
        )
        raise ValidationError({field: [message]})
    original_name = str(getattr(uploaded, "name", "") or "")[:255]
    uploaded.name = f"{stored_stem}{SIGNATURES[found][1]}"
    return CheckedFile(content_type=found, original_name=original_name, size=size)
