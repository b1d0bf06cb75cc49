"""The offices of the provincial Department of Health (phòng chức năng của Sở Y tế) that obstacles and proposals are
routed to. Kept as data in one place: the model field reads its choices from `office_choices` at run time, so a
province that names its offices otherwise changes this list, not a migration."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

DEPARTMENT_OFFICES: tuple[tuple[str, str], ...] = (
    ("personnel", _("Organisation and personnel office")),  # Phòng Tổ chức cán bộ
    ("medical_affairs", _("Medical affairs office")),  # Phòng Nghiệp vụ Y
    ("planning_finance", _("Planning and finance office")),  # Phòng Kế hoạch - Tài chính
    ("pharmacy_equipment", _("Pharmacy and equipment office")),  # Phòng Nghiệp vụ Dược - Trang thiết bị
    ("office", _("Department office")),  # Văn phòng Sở
)


def office_choices() -> list[tuple[str, str]]:
    """The offices as field choices (code, name)."""
    return list(DEPARTMENT_OFFICES)


def office_name(code: str) -> str:
    return str(dict(DEPARTMENT_OFFICES).get(code, code))
