from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "carefront.accounts"
    label = "accounts"
    verbose_name = _("Agents and teams")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_out
        from django.db.models.signals import post_delete, post_save

        from .models import Agent, ApiToken
        from .services.tokens import tokens_changed

        # Cached tokens (with their agent) are read under a generation these move on.
        for model in (Agent, ApiToken):
            for name, signal in (("save", post_save), ("delete", post_delete)):
                signal.connect(
                    tokens_changed, sender=model, dispatch_uid=f"tokens-{name}-{model.__name__}"
                )

        user_logged_out.connect(_signed_out, dispatch_uid="availability-signed-out")


def _signed_out(sender, request, user, **kwargs) -> None:
    from .models import Agent
    from .services.availability import agent_signed_out

    if isinstance(user, Agent):
        agent_signed_out(agent=user)
