from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KnowledgeConfig(AppConfig):
    name = "carefront.knowledge"
    label = "knowledge"
    verbose_name = _("Knowledge base")

    def ready(self) -> None:
        from carefront.core.events import subscribe

        from .events import ContactDeflected, ContactFormSubmitted
        from .services.signals import on_contact_deflected, on_contact_form_submitted

        subscribe(ContactFormSubmitted, on_contact_form_submitted)
        subscribe(ContactDeflected, on_contact_deflected)
