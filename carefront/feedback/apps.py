from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FeedbackConfig(AppConfig):
    name = "carefront.feedback"
    label = "feedback"
    verbose_name = _("Feedback")

    def ready(self) -> None:
        from carefront.core.workers import register_recovery

        from .handlers import connect
        from .services.improvements import improvement_notices_recover

        connect()
        # Notices left pending by a lost task or a dead worker ("you said, we did").
        register_recovery("improvement-notices", improvement_notices_recover)
