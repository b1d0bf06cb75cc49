from django.db import migrations

MODELS = ("EquipmentCatalogue", "EquipmentType", "EquipmentNorm", "MedicineList", "Medicine")


def load(apps, schema_editor):
    from ytcs.assets.catalogue import install, shipped_document

    install({name: apps.get_model("assets", name) for name in MODELS}, shipped_document())


class Migration(migrations.Migration):
    dependencies = [("assets", "0001_equipment_medicines_proposals")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
