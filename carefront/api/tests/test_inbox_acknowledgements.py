"""The inbox list says whether acknowledgements are sent and how often their time was kept."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from carefront.inboxes.tests.factories import InboxFactory
from carefront.sla.tests.factories import judged_acknowledgements

pytestmark = pytest.mark.django_db


def test_inboxes_carry_the_setting_and_the_kept_rate(admin_api, inbox, agent, monkeypatch):
    judged_acknowledgements(inbox, agent, monkeypatch, kept=1, missed=1)
    quiet = InboxFactory(send_acknowledgement=False)

    items = {i["id"]: i for i in admin_api.get("/api/v1/inboxes").json()["items"]}

    assert items[inbox.pk]["send_acknowledgement"] is True
    assert items[inbox.pk]["acknowledgements"] == {
        "days": 30,
        "kept": 1,
        "judged": 2,
        "kept_percent": 50,
    }
    assert items[quiet.pk]["send_acknowledgement"] is False
    assert items[quiet.pk]["acknowledgements"]["kept_percent"] is None


def test_the_kept_rates_cost_the_same_queries_for_any_number_of_inboxes(admin_api, inbox):
    admin_api.get("/api/v1/inboxes")  # warm caches (token, rate limits)
    first = _count(admin_api)
    for _ in range(4):
        InboxFactory()
    assert _count(admin_api) == first


def _count(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/api/v1/inboxes").status_code == 200
    return len(queries.captured_queries)
