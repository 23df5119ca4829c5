"""Customer writes: PATCH (fields, attributes merge), create, identities; list filters/sorts."""

import datetime as dt

import pytest
from django.utils import timezone

from carefront.customers.models import Customer
from carefront.customers.services import customer_create, customer_update

pytestmark = pytest.mark.django_db


def patch(client, customer_id, payload):
    return client.patch(f"/api/v1/customers/{customer_id}", payload, "application/json")


def test_patch_changes_only_what_is_sent(api, conversation):
    customer = conversation.customer
    response = patch(api, customer.pk, {"language": "pt-BR", "notes": "Prefers mornings."})
    assert response.status_code == 200
    body = response.json()
    assert (body["name"], body["language"], body["notes"]) == (
        "Ana Lima",
        "pt-BR",
        "Prefers mornings.",
    )


def test_patch_merges_attributes_and_null_deletes(api, conversation):
    customer_id = conversation.customer_id
    patch(api, customer_id, {"attributes": {"plan": "gold", "seats": 5, "beta": True}})
    body = patch(api, customer_id, {"attributes": {"seats": None, "mrr": 49.5}}).json()
    assert body["attributes"] == {"plan": "gold", "beta": True, "mrr": 49.5}
    assert Customer.objects.get(pk=customer_id).attributes == body["attributes"]


@pytest.mark.parametrize(
    "payload",
    [
        {"attributes": {"has space": 1}},
        {"attributes": {"obj": {"a": 1}}},
        {"attributes": {"text": "x" * 1001}},
        {"time_zone": "Nowhere/Land"},
        {"language": "english please"},
        {"is_internal": None},
    ],
)
def test_patch_with_bad_values_is_400_and_changes_nothing(api, conversation, payload):
    before = Customer.objects.get(pk=conversation.customer_id)
    response = patch(api, conversation.customer_id, payload)
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    after = Customer.objects.get(pk=conversation.customer_id)
    assert (after.attributes, after.time_zone, after.language, after.updated_at) == (
        before.attributes,
        before.time_zone,
        before.language,
        before.updated_at,
    )


def test_patch_with_the_wrong_types_is_422(api, conversation):
    for payload in ({"attributes": ["a"]}, {"name": 5}, {"is_internal": "maybe"}):
        response = patch(api, conversation.customer_id, payload)
        assert response.status_code == 422, payload


def test_create_customer(api):
    response = api.post(
        "/api/v1/customers",
        {"email": "Bo@Example.com", "name": "Bo", "attributes": {"plan": "free"}},
        "application/json",
    )
    assert response.status_code == 201
    body = response.json()
    assert (body["email"], body["attributes"]) == ("bo@example.com", {"plan": "free"})
    assert body["identities"] == [{"kind": "email", "value": "bo@example.com"}]


def test_create_with_a_known_address_is_409(api, conversation):
    response = api.post("/api/v1/customers", {"email": "ana@example.com"}, "application/json")
    assert response.status_code == 409
    assert response.json()["code"] == "conflict"


def test_add_identity(api, conversation):
    url = f"/api/v1/customers/{conversation.customer_id}/identities"
    response = api.post(url, {"value": "Ana.Work@example.com"}, "application/json")
    assert response.status_code == 201
    assert {"kind": "email", "value": "ana.work@example.com"} in response.json()["identities"]
    customer_create(email="bo@example.com")
    taken = api.post(url, {"value": "bo@example.com"}, "application/json")
    assert taken.status_code == 409
    bad = api.post(url, {"value": "nope"}, "application/json")
    assert bad.status_code == 400


def test_customers_filter_by_name_prefix_and_updated_since(api, inbox):
    from carefront.conversations.tests.factories import conversation_for

    old = conversation_for(inbox, from_name="Abe Old").customer
    new = conversation_for(inbox, from_name="Abby New").customer
    conversation_for(inbox, from_name="Zed")
    names = [c["name"] for c in api.get("/api/v1/customers", {"name": "ab"}).json()["items"]]
    assert names == ["Abby New", "Abe Old"]
    since = timezone.now()
    customer_update(customer=new, changes={"notes": "changed"})
    items = api.get("/api/v1/customers", {"updated_since": since.isoformat()}).json()["items"]
    assert [c["id"] for c in items] == [new.pk]
    assert old.pk not in [c["id"] for c in items]


def test_customers_sorted_by_creation_both_ways_with_cursors(api, inbox):
    from carefront.conversations.tests.factories import conversation_for

    made = [conversation_for(inbox).customer_id for _ in range(5)]
    for sort, expected in (("created", made), ("-created", made[::-1])):
        seen, cursor = [], None
        while True:
            params = {"sort": sort, "limit": 2, **({"cursor": cursor} if cursor else {})}
            body = api.get("/api/v1/customers", params).json()
            seen += [c["id"] for c in body["items"]]
            cursor = body["next_cursor"]
            if cursor is None:
                break
        assert seen == expected, sort


def test_a_cursor_from_another_sort_is_400(api, inbox):
    from carefront.conversations.tests.factories import conversation_for

    for _ in range(3):
        conversation_for(inbox)
    cursor = api.get("/api/v1/customers", {"limit": 1}).json()["next_cursor"]
    response = api.get("/api/v1/customers", {"limit": 1, "sort": "-updated", "cursor": cursor})
    assert response.status_code == 400
    assert response.json()["detail"] == "The page cursor belongs to another sort order."


def test_naive_datetimes_are_422(api):
    response = api.get("/api/v1/customers", {"updated_since": "2026-01-01T00:00:00"})
    assert response.status_code == 422
    aware = (timezone.now() - dt.timedelta(days=1)).isoformat()
    assert api.get("/api/v1/customers", {"updated_since": aware}).status_code == 200
