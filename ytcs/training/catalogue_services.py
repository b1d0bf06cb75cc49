"""Writes to the training catalogues: courses (khóa đào tạo) and staffing norms (định mức nhân lực).

Like titles and competencies they are shared by every unit, so only those who may change the workforce
catalogues change them; every change is audited, the lists of titles included.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction

from ytcs.core.audit import record_change
from ytcs.core.services import save_audited
from ytcs.training.models import Course, StaffingNorm
from ytcs.workforce.catalogue_services import _apply, _ensure_can_manage
from ytcs.workforce.models import Title

COURSE_FIELDS = (
    "code",
    "name",
    "kind",
    "provider",
    "credits",
    "competency",
    "duration_days",
    "class_size",
    "unit_cost",
    "source",
    "is_active",
)
NORM_FIELDS = (
    "code",
    "name",
    "kind",
    "unit_kind",
    "competency",
    "minimum",
    "course",
    "source",
    "confirmed",
    "sort_order",
    "is_active",
)


def _set_titles(user: Any, instance: Any, field: str, titles: Iterable[Title] | None) -> None:
    """Replace a list of titles, auditing the before/after names (many-to-many changes send no save signal)."""
    if titles is None:
        return
    manager = getattr(instance, field)
    before = sorted(str(t) for t in manager.all())
    titles = list(titles)
    after = sorted(str(t) for t in titles)
    if before != after:
        manager.set(titles)
        record_change(user=user, instance=instance, changes={field: [", ".join(before), ", ".join(after)]})


@transaction.atomic
def course_save(
    *, user: Any, course: Course | None = None, target_titles: Iterable[Title] | None = None, **fields: Any
) -> Course:
    """Create or correct a course of the catalogue."""
    _ensure_can_manage(user)
    course = course or Course()
    _apply(course, COURSE_FIELDS, fields)
    save_audited(user=user, instance=course, recheck_scope=False)
    _set_titles(user, course, "target_titles", target_titles)
    return course


@transaction.atomic
def norm_save(
    *,
    user: Any,
    norm: StaffingNorm | None = None,
    titles: Iterable[Title] | None = None,
    candidate_titles: Iterable[Title] | None = None,
    **fields: Any,
) -> StaffingNorm:
    """Create or correct a staffing norm, with the regulation it comes from."""
    _ensure_can_manage(user)
    norm = norm or StaffingNorm()
    _apply(norm, NORM_FIELDS, fields)
    save_audited(user=user, instance=norm, recheck_scope=False)
    _set_titles(user, norm, "titles", titles)
    _set_titles(user, norm, "candidate_titles", candidate_titles)
    return norm
