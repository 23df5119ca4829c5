import pytest

from carefront.customers.models import Customer
from carefront.customers.services import (
    customer_get_or_create_by_email,
    customers_get_or_create_by_email,
)

pytestmark = pytest.mark.django_db


def test_first_sight_creates_then_finds_the_same_customer():
    first, created = customer_get_or_create_by_email(email="Ana@Example.com", name="Ana")
    again, created_again = customer_get_or_create_by_email(email="ana@example.com")
    assert (created, created_again) == (True, False)
    assert again.pk == first.pk


def test_a_known_customer_without_a_name_takes_the_senders_name():
    customer, _ = customer_get_or_create_by_email(email="bo@example.com")
    before = Customer.objects.get(pk=customer.pk).updated_at
    customers_get_or_create_by_email(senders=[("bo@example.com", "Bo Berg")])
    customer.refresh_from_db()
    assert customer.name == "Bo Berg"
    assert customer.updated_at > before


def test_many_senders_in_one_call_share_customers_by_address():
    found = customers_get_or_create_by_email(
        senders=[("a@example.com", "A"), ("A@example.com", ""), ("b@example.com", "B")]
    )
    assert set(found) == {"a@example.com", "b@example.com"}
    assert Customer.objects.count() == 2


def test_creating_and_naming_customers_publish_events(django_capture_on_commit_callbacks):
    from carefront.core.events import _subscribers
    from carefront.customers import events

    seen: list[object] = []
    _subscribers[events.CustomerCreated].append(seen.append)
    _subscribers[events.CustomerUpdated].append(seen.append)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            customers_get_or_create_by_email(senders=[("cy@example.com", "")])
        customer = Customer.objects.get(email="cy@example.com")
        with django_capture_on_commit_callbacks(execute=True):
            customers_get_or_create_by_email(senders=[("cy@example.com", "Cy Young")])
            customers_get_or_create_by_email(senders=[("cy@example.com", "Someone Else")])
    finally:
        _subscribers[events.CustomerCreated].remove(seen.append)
        _subscribers[events.CustomerUpdated].remove(seen.append)
    assert seen == [
        events.CustomerCreated(customer_id=customer.pk),
        events.CustomerUpdated(customer_id=customer.pk, fields=("name",)),
    ]
