"""Reads on saved replies."""

from django.db.models import QuerySet

from .models import SavedReply


def saved_reply_list() -> QuerySet[SavedReply]:
    return SavedReply.objects.order_by("title", "id")
