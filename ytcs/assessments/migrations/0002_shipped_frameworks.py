from django.db import migrations


def load(apps, schema_editor):
    from ytcs.assessments.frameworks import install, shipped_frameworks

    Framework = apps.get_model("assessments", "Framework")
    Criterion = apps.get_model("assessments", "Criterion")
    Item = apps.get_model("assessments", "Item")
    for document in shipped_frameworks():
        if not Framework.objects.filter(code=document["code"], version=document["version"]).exists():
            install(Framework, Criterion, Item, document)


class Migration(migrations.Migration):
    dependencies = [("assessments", "0001_frameworks_and_assessments")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
