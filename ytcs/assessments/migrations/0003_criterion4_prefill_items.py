"""Criterion 4 (equipment, medicines) of the shipped national criteria gains three placeholder items pre-filled
from the equipment inventory and the stock ledger (issue 9); databases loaded before keep their edits and only
receive the items they lack."""

from django.db import migrations


def add_items(apps, schema_editor):
    from ytcs.assessments.frameworks import DATA_DIR, load_file

    Framework = apps.get_model("assessments", "Framework")
    Criterion = apps.get_model("assessments", "Criterion")
    Item = apps.get_model("assessments", "Item")
    document = load_file(DATA_DIR / "qd1300-2030.yaml")
    framework = Framework.objects.filter(code=document["code"], version=document["version"]).first()
    if framework is None:
        return
    for spec in document["criteria"]:
        if spec["code"] != "TC4":
            continue
        criterion = Criterion.objects.filter(framework=framework, code="TC4").first()
        if criterion is None:
            return
        for item in spec["items"]:
            if not Item.objects.filter(criterion__framework=framework, code=item["code"]).exists():
                Item.objects.create(criterion=criterion, **item)


class Migration(migrations.Migration):
    dependencies = [("assessments", "0002_shipped_frameworks")]

    operations = [migrations.RunPython(add_items, migrations.RunPython.noop)]
