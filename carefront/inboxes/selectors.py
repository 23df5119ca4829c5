"""Reads on inboxes for the admin area."""

from django.db.models import QuerySet

from .models import Inbox


def inbox_list() -> QuerySet[Inbox]:
    return Inbox.objects.select_related("imap_account").prefetch_related("teams").order_by("name")
