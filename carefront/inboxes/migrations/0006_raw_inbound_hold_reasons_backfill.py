"""Emails kept before held mail existed (duplicates, rejected auto-replies and bounces, empty,
too large, failed) get their hold reason, so that admins find them on the "Held mail" page.
Their sender and subject columns stay empty: the page parses a row when it is opened."""

from django.db import migrations
from django.db.models import Q

# (status, a part of the error that the ingest code wrote, reason), first match wins.
RULES = [
    ("duplicate", "", "duplicate"),
    ("rejected", "auto-reply", "auto_reply"),
    ("rejected", "bounce", "bounce"),
    ("rejected", "empty", "empty"),
    ("rejected", "byte limit", "too_large"),
    ("failed", "no active email inbox", "no_inbox"),
    ("failed", "", "error"),
]


def forwards(apps, schema_editor):
    RawInbound = apps.get_model("inboxes", "RawInbound")
    # API requests are answered with their error at once; they are not held mail.
    email = RawInbound.objects.exclude(source="api").filter(hold_reason="")
    for status, error_part, reason in RULES:
        rows = email.filter(status=status)
        if error_part:
            rows = rows.filter(Q(error__icontains=error_part))
        rows.update(hold_reason=reason)


class Migration(migrations.Migration):
    dependencies = [("inboxes", "0005_raw_inbound_held_mail")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
