from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QualityConfig(AppConfig):
    name = "carefront.quality"
    label = "quality"
    verbose_name = _("Quality and people")

    def ready(self) -> None:
        from carefront.core.workers import register_recovery

        from .handlers import connect
        from .services.recognition_digest import people_recover

        connect()
        register_recovery("quality-people", people_recover)
