from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AutomationConfig(AppConfig):
    name = "carefront.automation"
    label = "automation"
    verbose_name = _("Automation")

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from .models import Rule
        from .rules import runner
        from .rules.engine import rules_changed

        post_save.connect(rules_changed, sender=Rule, dispatch_uid="automation-rules-saved")
        post_delete.connect(rules_changed, sender=Rule, dispatch_uid="automation-rules-deleted")
        runner.connect()
