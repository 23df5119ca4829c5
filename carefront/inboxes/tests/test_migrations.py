"""Raw emails kept before held mail existed get their hold reason when upgrading."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("inboxes", "0004_inbox_default_language")]
AFTER = [("inboxes", "0006_raw_inbound_hold_reasons_backfill")]

# (source, status, error) as the ingest code of the previous version wrote them.
OLD_ROWS = {
    "processed": ("imap", "processed", ""),
    "duplicate": ("imap", "duplicate", "message id already stored"),
    "auto_reply": ("smtp", "rejected", "auto-reply without a conversation"),
    "bounce": ("smtp", "rejected", "bounce for an unknown message"),
    "empty": ("import", "rejected", "The message is empty."),
    "too_large": ("import", "rejected", "The message is 9 bytes, over the 5 byte limit; kept."),
    "no_inbox": ("imap", "failed", "There is no active email inbox to put it in."),
    "error": ("imap", "failed", "DataError: bad\nDataError: bad"),
    "api": ("api", "rejected", "The message is empty."),
}


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor.loader.project_state(targets).apps


def test_old_rows_get_the_reason_their_status_and_error_say():
    old = _migrate(BEFORE)
    RawInbound = old.get_model("inboxes", "RawInbound")
    ids = {
        key: RawInbound.objects.create(source=source, status=status, error=error, data=b"x").pk
        for key, (source, status, error) in OLD_ROWS.items()
    }
    try:
        new = _migrate(AFTER)
        reasons = dict(
            new.get_model("inboxes", "RawInbound").objects.values_list("pk", "hold_reason")
        )
        assert {key: reasons[pk] for key, pk in ids.items()} == {
            "processed": "",
            "duplicate": "duplicate",
            "auto_reply": "auto_reply",
            "bounce": "bounce",
            "empty": "empty",
            "too_large": "too_large",
            "no_inbox": "no_inbox",
            "error": "error",
            "api": "",  # API requests were answered with their error: not held mail
        }
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
        executor.loader.build_graph()
