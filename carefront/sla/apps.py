from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SlaConfig(AppConfig):
    name = "carefront.sla"
    label = "sla"
    verbose_name = _("SLAs and business hours")

    def ready(self) -> None:
        from . import handlers
        from .selectors import connect_generation
        from .services import policies

        connect_generation()
        policies.connect_generation()
        handlers.connect()
