import copy

import pytest
from django.apps import apps

from ytcs.assets.catalogue import install, shipped_document
from ytcs.assets.models import Medicine

MODELS = {name: apps.get_model("assets", name) for name in ("EquipmentCatalogue", "EquipmentType", "EquipmentNorm")}
MODELS |= {name: apps.get_model("assets", name) for name in ("MedicineList", "Medicine")}


@pytest.mark.django_db
def test_shipped_strengths_with_a_decimal_comma_are_kept_whole():
    strengths = dict(Medicine.objects.filter(code__in=["ORS", "NACL09", "SATFOL"]).values_list("code", "strength"))
    assert strengths == {"ORS": "4,1 g", "NACL09": "0,9% 500 ml", "SATFOL": "60 mg + 0,4 mg"}


@pytest.mark.django_db
def test_a_medicine_with_an_unknown_key_is_refused_not_dropped():
    document = copy.deepcopy(shipped_document())
    document.pop("equipment")
    document["medicines"]["version"] = "test"
    document["medicines"]["items"][0]["1 g"] = None
    with pytest.raises(ValueError, match="1 g"):
        install(MODELS, document)
