from decimal import Decimal

from django.db import migrations


def load(apps, schema_editor):
    from ytcs.training.data.catalogues import COURSES, NORMS

    Title = apps.get_model("workforce", "Title")
    Competency = apps.get_model("workforce", "Competency")
    Course = apps.get_model("training", "Course")
    Norm = apps.get_model("training", "StaffingNorm")
    titles = {t.code: t for t in Title.objects.all()}
    competencies = {c.code: c for c in Competency.objects.all()}
    courses = {}
    for code, name, kind, provider, credits, competency, days, size, cost, targets, source in COURSES:
        course, _created = Course.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "kind": kind,
                "provider": provider,
                "credits": Decimal(credits) if credits else None,
                "competency": competencies.get(competency),
                "duration_days": days,
                "class_size": size,
                "unit_cost": cost,
                "source": source,
            },
        )
        course.target_titles.set([titles[t] for t in targets if t in titles])
        courses[code] = course
    for code, name, kind, unit_kind, title_codes, competency, minimum, course, candidates, source, confirmed, order in NORMS:
        norm, _created = Norm.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "kind": kind,
                "unit_kind": unit_kind,
                "competency": competencies.get(competency),
                "minimum": minimum,
                "course": courses.get(course),
                "source": source,
                "confirmed": confirmed,
                "sort_order": order,
            },
        )
        norm.titles.set([titles[t] for t in title_codes if t in titles])
        norm.candidate_titles.set([titles[t] for t in candidates if t in titles])


class Migration(migrations.Migration):
    dependencies = [("training", "0001_initial"), ("workforce", "0002_initial_catalogues")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
