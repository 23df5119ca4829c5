from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QualityConfig(AppConfig):
    name = "carefront.quality"
    label = "quality"
    verbose_name = _("Quality and people")

    def ready(self) -> None:
        from .handlers import connect

        connect()
