from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "carefront.core"
    label = "core"
    verbose_name = "Carefront core"

    def ready(self) -> None:
        from django.core import checks

        from .generations import check_generations_dir

        checks.register(check_generations_dir)
