from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "carefront.web"
    label = "web"
    verbose_name = "Web UI"

    def ready(self) -> None:
        from . import directory

        directory.connect()
