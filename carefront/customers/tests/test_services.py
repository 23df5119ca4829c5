import datetime as dt

import pytest

from carefront.core.events import _subscribers
from carefront.core.exceptions import Conflict, InvalidInput
from carefront.customers import events
from carefront.customers.attributes import MAX_ATTRIBUTES
from carefront.customers.models import Customer
from carefront.customers.services import (
    customer_add_email,
    customer_create,
    customer_get_or_create_by_email,
    customer_update,
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


# --- customer_update / customer_create -----------------------------------------------------------


@pytest.fixture
def published():
    """Customer events delivered after commit, in order."""
    seen: list[object] = []
    _subscribers[events.CustomerCreated].append(seen.append)
    _subscribers[events.CustomerUpdated].append(seen.append)
    yield seen
    _subscribers[events.CustomerCreated].remove(seen.append)
    _subscribers[events.CustomerUpdated].remove(seen.append)


def test_update_changes_only_the_given_fields_and_publishes_them(
    published, django_capture_on_commit_callbacks
):
    customer, _ = customer_get_or_create_by_email(email="ana@example.com", name="Ana")
    published.clear()
    before = Customer.objects.get(pk=customer.pk).updated_at
    with django_capture_on_commit_callbacks(execute=True):
        customer_update(
            customer=customer, changes={"language": "pt-BR", "time_zone": "Europe/Lisbon"}
        )
    customer.refresh_from_db()
    assert (customer.name, customer.language, customer.time_zone) == (
        "Ana",
        "pt-BR",
        "Europe/Lisbon",
    )
    assert customer.updated_at > before
    assert published == [
        events.CustomerUpdated(customer_id=customer.pk, fields=("language", "time_zone"))
    ]


def test_update_without_a_real_change_publishes_nothing(
    published, django_capture_on_commit_callbacks
):
    customer, _ = customer_get_or_create_by_email(email="ana@example.com", name="Ana")
    published.clear()
    with django_capture_on_commit_callbacks(execute=True):
        customer_update(customer=customer, changes={"name": "Ana"}, attributes={"gone": None})
    assert published == []


def test_attributes_merge_key_by_key_and_null_removes():
    customer, _ = customer_get_or_create_by_email(email="ana@example.com")
    customer_update(customer=customer, changes={}, attributes={"plan": "gold", "seats": 3})
    customer_update(
        customer=customer, changes={}, attributes={"seats": None, "vip": True, "mrr": 9.5}
    )
    customer.refresh_from_db()
    assert customer.attributes == {"plan": "gold", "vip": True, "mrr": 9.5}


@pytest.mark.parametrize(
    "attributes",
    [
        {"bad key": 1},
        {"1starts_with_digit": 1},
        {"k" * 65: 1},
        {"nested": {"a": 1}},
        {"listed": [1, 2]},
        {"long": "x" * 1001},
        {"huge": 2**60},
        {"nan": float("nan")},
    ],
)
def test_bad_attributes_are_refused_and_nothing_changes(attributes):
    customer, _ = customer_get_or_create_by_email(email="ana@example.com")
    customer_update(customer=customer, changes={}, attributes={"plan": "gold"})
    with pytest.raises(InvalidInput):
        customer_update(customer=customer, changes={"name": "New"}, attributes=attributes)
    customer.refresh_from_db()
    assert (customer.name, customer.attributes) == ("", {"plan": "gold"})


def test_at_most_100_attributes():
    customer, _ = customer_get_or_create_by_email(email="ana@example.com")
    customer_update(
        customer=customer, changes={}, attributes={f"k{i}": i for i in range(MAX_ATTRIBUTES)}
    )
    with pytest.raises(InvalidInput, match="at most 100"):
        customer_update(customer=customer, changes={}, attributes={"one_more": 1})
    # Replacing one key by another stays within the limit.
    customer_update(customer=customer, changes={}, attributes={"k0": None, "other": 1})


@pytest.mark.parametrize(
    "changes",
    [
        {"language": "not a language"},
        {"time_zone": "Mars/Olympus"},
        {"name": "x" * 201},
        {"is_internal": None},
        {"notes": 5},
        {"email": "x@example.com"},
    ],
)
def test_bad_profile_fields_are_refused(changes):
    customer, _ = customer_get_or_create_by_email(email="ana@example.com")
    with pytest.raises(InvalidInput):
        customer_update(customer=customer, changes=changes)


def test_create_makes_the_customer_and_their_first_identity(
    published, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        customer = customer_create(
            email=" Bo@Example.com ",
            name="Bo  Berg",
            language="sv",
            is_internal=True,
            attributes={"plan": "free"},
        )
    assert (customer.email, customer.name, customer.is_internal) == (
        "bo@example.com",
        "Bo Berg",
        True,
    )
    assert list(customer.identities.values_list("value", flat=True)) == ["bo@example.com"]
    assert published == [events.CustomerCreated(customer_id=customer.pk)]


def test_create_with_a_taken_address_is_a_conflict():
    customer_get_or_create_by_email(email="bo@example.com")
    with pytest.raises(Conflict):
        customer_create(email="BO@example.com")
    assert Customer.objects.count() == 1


def test_create_refuses_a_bad_address():
    with pytest.raises(InvalidInput):
        customer_create(email="not-an-address")
    assert Customer.objects.count() == 0


def test_adding_another_customers_address_is_a_conflict():
    customer_get_or_create_by_email(email="bo@example.com")
    ana, _ = customer_get_or_create_by_email(email="ana@example.com")
    with pytest.raises(Conflict):
        customer_add_email(customer=ana, email="bo@example.com")


def test_updated_at_is_aware():
    customer = customer_create(email="cy@example.com")
    assert customer.updated_at.tzinfo is not None
    assert customer.updated_at <= dt.datetime.now(dt.UTC)


def test_the_admin_form_checks_attributes_like_the_services():
    from django.core.exceptions import ValidationError

    customer = customer_create(email="dee@example.com")
    customer.attributes = {"nested": {"no": 1}}
    with pytest.raises(ValidationError) as info:
        customer.full_clean()
    assert "attributes" in info.value.message_dict
    customer.attributes = {"plan": "gold"}
    customer.full_clean()
