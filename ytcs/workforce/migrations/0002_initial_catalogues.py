from django.db import migrations


def load(apps, schema_editor):
    from ytcs.workforce.data.catalogues import COMPETENCIES, TITLES

    Title = apps.get_model("workforce", "Title")
    Competency = apps.get_model("workforce", "Competency")
    for code, name, category, doctor, licence, source, order in TITLES:
        Title.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "category": category,
                "counts_as_doctor": doctor,
                "needs_licence": licence,
                "source": source,
                "sort_order": order,
            },
        )
    for code, name, years, source in COMPETENCIES:
        Competency.objects.update_or_create(
            code=code, defaults={"name": name, "validity_years": years, "source": source}
        )


class Migration(migrations.Migration):
    dependencies = [("workforce", "0001_staff_registry")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
