"""The shipped sample catalogues (data/catalogue.yaml): install a version of the equipment catalogue with its
norms and of the medicine list. `install` takes the model classes so the data migration can pass historical ones."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from ytcs.core.text import fold

MEDICINE_FIELDS = (
    "code",
    "active_ingredient",
    "strength",
    "dosage_form",
    "route",
    "unit",
    "insurance_covered",
    "minimum_stock",
)
SHIPPED = Path(__file__).resolve().parent / "data" / "catalogue.yaml"


def shipped_document() -> dict[str, Any]:
    with SHIPPED.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def medicine_search_text(spec: dict[str, Any]) -> str:
    return fold(" ".join(str(spec.get(k) or "") for k in ("code", "active_ingredient", "strength", "dosage_form")))


def install(models: dict[str, Any], document: dict[str, Any]) -> None:
    """Create the document's catalogue versions unless a version of that code and number exists."""
    EquipmentCatalogue, EquipmentType, EquipmentNorm = (
        models["EquipmentCatalogue"],
        models["EquipmentType"],
        models["EquipmentNorm"],
    )
    MedicineList, Medicine = models["MedicineList"], models["Medicine"]
    spec = document.get("equipment")
    if spec and not EquipmentCatalogue.objects.filter(code=spec["code"], version=spec["version"]).exists():
        current = not EquipmentCatalogue.objects.filter(is_current=True).exists()
        catalogue = EquipmentCatalogue.objects.create(
            code=spec["code"],
            version=spec["version"],
            name=spec["name"],
            source=spec["source"],
            notes=spec.get("notes", ""),
            is_current=current,
        )
        types = {}
        for t in spec["types"]:
            types[t["code"]] = EquipmentType.objects.create(
                catalogue=catalogue,
                code=t["code"],
                name=t["name"],
                category=t["category"],
                unit_of_measure=t.get("unit_of_measure", "cái"),
                needs_calibration=t.get("needs_calibration", False),
                maintenance_months=t.get("maintenance_months"),
                calibration_months=t.get("calibration_months"),
            )
        for kind, norms in spec.get("norms", {}).items():
            for norm in norms:
                EquipmentNorm.objects.create(
                    catalogue=catalogue,
                    unit_kind=kind,
                    equipment_type=types[norm["code"]],
                    quantity=norm["quantity"],
                    source=norm.get("source", spec.get("norm_source", "")),
                )
    spec = document.get("medicines")
    if spec and not MedicineList.objects.filter(code=spec["code"], version=spec["version"]).exists():
        current = not MedicineList.objects.filter(is_current=True).exists()
        medicine_list = MedicineList.objects.create(
            code=spec["code"], version=spec["version"], name=spec["name"], source=spec["source"], is_current=current
        )
        for item in spec["items"]:
            unknown = sorted(set(item) - set(MEDICINE_FIELDS))
            if unknown:
                # An unquoted "4,1 g" inside a YAML flow mapping splits into two keys: refuse rather than drop one.
                raise ValueError(f"medicine {item.get('code')!r}: unknown keys {unknown}")
            Medicine.objects.create(
                medicine_list=medicine_list,
                search_text=medicine_search_text(item),
                **{k: item[k] for k in MEDICINE_FIELDS if k in item},
            )
