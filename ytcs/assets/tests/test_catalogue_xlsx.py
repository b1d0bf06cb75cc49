import io

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import translation
from openpyxl import load_workbook

from ytcs.assets.catalogue_xlsx import equipment_export, equipment_import, medicine_export, medicine_import
from ytcs.assets.models import EquipmentCatalogue, MedicineList

pytestmark = pytest.mark.django_db


def _bump(data: bytes, version: str, edit=None) -> io.BytesIO:
    wb = load_workbook(io.BytesIO(data))
    wb["Thông tin"]["B2"] = version
    if edit:
        edit(wb)
    out = io.BytesIO()
    wb.save(out)
    out.seek(0)
    return out


def test_an_exported_equipment_catalogue_imports_back_as_a_new_current_version(world):
    shipped = EquipmentCatalogue.objects.get(is_current=True)
    result, catalogue = equipment_import(user=world.province_admin, file=_bump(equipment_export(shipped), "2027.1"))
    assert result.ok and catalogue.is_current
    assert not EquipmentCatalogue.objects.get(pk=shipped.pk).is_current
    assert sorted(
        catalogue.types.values_list("code", "name", "category", "needs_calibration", "calibration_months")
    ) == sorted(shipped.types.values_list("code", "name", "category", "needs_calibration", "calibration_months"))
    assert sorted(catalogue.norms.values_list("unit_kind", "equipment_type__code", "quantity", "source")) == sorted(
        shipped.norms.values_list("unit_kind", "equipment_type__code", "quantity", "source")
    )


def test_a_bad_equipment_file_names_each_cell_and_saves_nothing(world):
    shipped = EquipmentCatalogue.objects.get(is_current=True)

    def spoil(wb):
        wb["Trang thiết bị"]["C2"] = "xe cứu thương"
        wb["Định mức"]["B2"] = "KHONG_CO"
        wb["Định mức"]["C3"] = 0

    result, catalogue = equipment_import(
        user=world.province_admin, file=_bump(equipment_export(shipped), "2027.1", spoil)
    )
    assert catalogue is None and EquipmentCatalogue.objects.count() == 1
    assert {(e.sheet, e.row, e.column) for e in result.errors} == {
        ("Trang thiết bị", 2, "Nhóm"),
        ("Định mức", 2, "Mã trang thiết bị"),
        ("Định mức", 3, "Số lượng"),
    }
    with translation.override("en"):
        again, _ = equipment_import(user=world.province_admin, file=_bump(equipment_export(shipped), shipped.version))
    assert any("already exists" in e.message for e in again.errors)


def test_medicine_list_round_trip_and_rights(world):
    shipped = MedicineList.objects.get(is_current=True)
    with pytest.raises(PermissionDenied):
        medicine_import(user=world.region_manager, file=_bump(medicine_export(shipped), "2027.1"))
    result, medicine_list = medicine_import(user=world.province_admin, file=_bump(medicine_export(shipped), "2027.1"))
    assert result.ok and result.created == shipped.medicines.count()
    fields = (
        "code",
        "active_ingredient",
        "strength",
        "dosage_form",
        "route",
        "unit",
        "insurance_covered",
        "minimum_stock",
    )
    assert sorted(medicine_list.medicines.values_list(*fields)) == sorted(shipped.medicines.values_list(*fields))
