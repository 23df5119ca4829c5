"""An index for recovery's "RUNNING tasks" query on django-tasks-db's table, which keeps every
finished task until it is pruned: the query reads the few running rows, not the whole table.
A later django-tasks-db migration may rebuild the table on SQLite, dropping the index: a
post_migrate hook (CoreConfig.ready) creates it again if so."""

from django.db import migrations

# As carefront.core.workers.RUNNING_TASKS_INDEX_SQL (a migration keeps its own copy).
RUNNING_TASKS_INDEX_SQL = (
    "CREATE INDEX IF NOT EXISTS carefront_running_tasks_idx "
    "ON django_tasks_database_dbtaskresult (status) WHERE status = 'RUNNING'"
)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0001_worker_heartbeat"),
        ("django_tasks_database", "0021_conditional_partial_index_ordering"),
    ]

    operations = [
        migrations.RunSQL(
            sql=RUNNING_TASKS_INDEX_SQL,
            reverse_sql="DROP INDEX IF EXISTS carefront_running_tasks_idx",
        )
    ]
