from django.db import migrations

MODELS = (
    "Category",
    "CategoryOption",
    "CategoryCombo",
    "CategoryOptionCombo",
    "DataElement",
    "DataSet",
    "DataSetElement",
    "Constant",
    "ValidationRule",
    "Indicator",
)


def load(apps, schema_editor):
    from ytcs.indicators.catalogue import install, shipped_document

    install({name: apps.get_model("indicators", name) for name in MODELS}, shipped_document())


class Migration(migrations.Migration):
    dependencies = [("indicators", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
