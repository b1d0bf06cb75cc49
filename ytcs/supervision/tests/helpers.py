"""Builders shared by the supervision tests: visits, directives and obstacles made through the services."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from ytcs.core.testing.personas import World
from ytcs.supervision import services
from ytcs.supervision.models import Directive, Obstacle, Visit

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 40
PDF = b"%PDF-1.4\n" + b"0" * 40


def png(name: str = "anh.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PNG, content_type="image/png")


def pdf(name: str = "bien-ban.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def today() -> datetime.date:
    return timezone.localdate()


def days(n: int) -> datetime.date:
    return today() + datetime.timedelta(days=n)


def visit(w: World, *, user: Any = None, lead=None, units=None, **fields: Any) -> Visit:
    """A visit carried out by region A's team to station A1 (unless told otherwise)."""
    fields.setdefault("title", "Giám sát hỗ trợ trạm y tế")
    fields.setdefault("visited_on", days(-10))
    fields.setdefault("status", "done")
    fields.setdefault("findings", "Quy trình tiêm chủng chưa cập nhật; kho thuốc chưa sắp xếp theo 5S.")
    fields.setdefault("areas", ["facilities", "clinical"])
    return services.visit_create(
        user=user or w.region_manager,
        orgunit=lead or w.region_a,
        units=units if units is not None else [w.station_a1],
        **fields,
    )


def directive(
    w: World, *, user: Any = None, issuer=None, orgunit=None, source: Visit | None = None, **fields
) -> Directive:
    """A directive of region A to station A1 from a meeting (unless a visit or other units are given)."""
    fields.setdefault("title", "Rà soát quy trình chuyên môn tiêm chủng")
    fields.setdefault("due_on", days(30))
    fields.setdefault("evidence_required", "Biên bản rà soát, quy trình đã ban hành")
    fields.setdefault("category", "clinical_procedures")
    if source is None:
        fields.setdefault("source_text", "Kết luận buổi làm việc ngày 05/03")
    return services.directive_issue(
        user=user or w.region_manager,
        issuer_unit=issuer if issuer is not None else (None if source is not None else w.region_a),
        orgunit=orgunit or w.station_a1,
        visit=source,
        **fields,
    )


def done(w: World, item: Directive, user: Any = None) -> Directive:
    services.directive_progress(user=user or w.station_head, directive=item, status="done", note="Đã rà soát xong")
    return item


def obstacle(w: World, *, user: Any = None, orgunit=None, **fields: Any) -> Obstacle:
    fields.setdefault("subject", "Thiếu bác sĩ trực")
    fields.setdefault("body", "Trạm chưa có bác sĩ cơ hữu từ tháng 3, đề nghị Sở điều động hỗ trợ.")
    fields.setdefault("office", "personnel")
    return services.obstacle_send(user=user or w.station_head, orgunit=orgunit or w.station_a1, **fields)


def proposal(w: World, unit, user: Any = None):
    """A draft equipment investment proposal of `unit` (one ultrasound machine of the shipped sample catalogue)."""
    from decimal import Decimal

    from ytcs.assets import services as assets
    from ytcs.assets.models import EquipmentCatalogue

    echo = EquipmentCatalogue.objects.get(is_current=True).types.get(code="SIEU_AM")
    line = {"equipment_type": echo, "quantity": 1, "unit_cost": Decimal("350000000"), "funding_source": "state_budget"}
    return assets.proposal_create(
        user=user or w.region_manager, orgunit=unit, year=2027, title="Máy siêu âm", justification="x", lines=[line]
    )
