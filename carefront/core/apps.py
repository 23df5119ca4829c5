from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _running_tasks_index_ensure(sender, using: str, **kwargs) -> None:
    from django.db import connections

    from .workers import running_tasks_index_ensure

    table = "django_tasks_database_dbtaskresult"
    if table in connections[using].introspection.table_names():
        running_tasks_index_ensure(using=using)


class CoreConfig(AppConfig):
    name = "carefront.core"
    label = "core"
    verbose_name = "Carefront core"

    def ready(self) -> None:
        from django.core import checks

        from .generations import check_generations_dir

        checks.register(check_generations_dir)
        # A django-tasks-db migration that rebuilds its table on SQLite drops our index.
        post_migrate.connect(_running_tasks_index_ensure, sender=self)
