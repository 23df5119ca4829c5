"""Message-ID lookups use the partial unique index (SQLite only uses it when the query repeats
the index's condition): without it every received message scanned the whole message table."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from carefront.conversations.inbound import InboundMessage
from carefront.conversations.services import message_receive

pytestmark = pytest.mark.django_db


@pytest.mark.skipif(connection.vendor != "sqlite", reason="checks SQLite's query planner")
def test_the_duplicate_check_searches_the_message_id_index(inbox):
    inbound = InboundMessage(
        channel="email",
        from_address="ana@example.com",
        from_name="Ana",
        subject="Hello",
        message_id="<lookup-1@example.com>",
        body_text="Hello",
    )
    with CaptureQueriesContext(connection) as queries:
        message_receive(inbox=inbox, inbound=inbound)
    lookups = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].startswith("SELECT") and '"conversations_message"."message_id" IN' in q["sql"]
    ]
    assert lookups
    with connection.cursor() as cursor:
        for sql in lookups:
            cursor.execute("EXPLAIN QUERY PLAN " + sql)
            plan = " ".join(str(row[-1]) for row in cursor.fetchall())
            assert "message_unique_id_fingerprint" in plan, plan
            assert "SCAN conversations_message" not in plan, plan
