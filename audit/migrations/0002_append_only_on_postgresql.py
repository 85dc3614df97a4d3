"""On PostgreSQL, the database itself refuses to change or delete an access record.

The models refuse it too, but a trigger also stops raw SQL and anything that bypasses the
ORM. Statement-level, so it costs nothing on INSERT. TRUNCATE is left alone: it is not an
application path, and the test suite empties tables with it between transactional tests.
SQLite (the embedded development setup) is skipped: its test flush deletes rows one table at
a time, which such a trigger would refuse.
"""

from django.db import migrations

TABLES = ("audit_accessrecord", "audit_accessrecordsubject")

CREATE = """
CREATE FUNCTION audit_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'Access records are never changed or deleted (% on %).', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$;
""" + "".join(
    f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
    "FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();\n"
    for table in TABLES
)

DROP = "".join(f"DROP TRIGGER {table}_append_only ON {table};\n" for table in TABLES) + (
    "DROP FUNCTION audit_refuse_change();\n"
)


def _on_postgresql(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql, params=None)  # None: the % of RAISE is not a placeholder

    return run


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]

    operations = [migrations.RunPython(_on_postgresql(CREATE), _on_postgresql(DROP))]
