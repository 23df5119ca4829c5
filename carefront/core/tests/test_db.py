import datetime as dt

import pytest
from django.utils import timezone

from carefront.core.db import bulk_update_rows
from carefront.customers.models import Customer

pytestmark = pytest.mark.django_db


def test_bulk_update_rows_writes_each_rows_own_values():
    customers = [Customer.objects.create(name=f"c{i}") for i in range(3)]
    when = timezone.now() - dt.timedelta(days=1)
    for i, customer in enumerate(customers):
        customer.name = f"renamed {i}"
        customer.attributes = {"plan": i}
        customer.created_at = when
    bulk_update_rows(customers[:2], ["name", "attributes", "created_at"])
    rows = list(Customer.objects.order_by("id").values_list("name", "attributes", "created_at"))
    assert rows[:2] == [("renamed 0", {"plan": 0}, when), ("renamed 1", {"plan": 1}, when)]
    assert rows[2][:2] == ("c2", {})  # not in the update


def test_bulk_update_rows_refreshes_auto_now_fields():
    customer = Customer.objects.create(name="x")
    before = customer.updated_at
    bulk_update_rows([customer], ["name", "updated_at"])
    customer.refresh_from_db()
    assert customer.updated_at > before
