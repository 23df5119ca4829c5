from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """Demo data for evaluation (`manage.py demo_data`). No models."""

    name = "carefront.demo"
    label = "demo"
    verbose_name = _("Demo data")
