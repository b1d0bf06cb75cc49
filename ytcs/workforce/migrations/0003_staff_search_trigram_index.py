"""Staff search (`search_text LIKE '%nguyen%'`) on PostgreSQL: a trigram GIN index, so the national roster
(≈ 500,000 people) is not read in full for every search. SQLite has no such index; its scan is fast enough."""

from django.db import migrations

CREATE = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS staff_search_trgm_idx ON workforce_staff USING gin (search_text gin_trgm_ops)",
]
DROP = ["DROP INDEX IF EXISTS staff_search_trgm_idx"]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for statement in statements:
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("workforce", "0002_initial_catalogues")]

    operations = [migrations.RunPython(_run(CREATE), _run(DROP))]
