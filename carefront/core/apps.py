from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "carefront.core"
    label = "core"
    verbose_name = "Carefront core"
