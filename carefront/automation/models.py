"""Saved replies (canned responses) with placeholders."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class SavedReply(models.Model):
    """A reusable answer. `{{ customer.first_name }}` style placeholders are filled when used."""

    title = models.CharField(_("title"), max_length=120)
    body = models.TextField(_("text"))
    # A language tag (de, pt-BR); empty means the site's language (LANGUAGE_CODE). The composer
    # offers the replies in the customer's language first and never preselects another one.
    language = models.CharField(_("language"), max_length=16, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("saved reply")
        verbose_name_plural = _("saved replies")
        ordering = ["title"]
        indexes = [models.Index(fields=["title", "id"], name="saved_reply_title_idx")]

    def __str__(self) -> str:
        return self.title
