import pytest

from carefront.conversations.tests.factories import conversation_for
from carefront.customers.services import customer_add_email
from carefront.inboxes.tests.factories import InboxFactory

pytestmark = pytest.mark.django_db


def test_customer_detail_has_identities_and_attributes(api, conversation):
    customer = conversation.customer
    customer.attributes = {"plan": "gold"}
    customer.save(update_fields=["attributes"])
    customer_add_email(customer=customer, email="ana.work@example.com")
    body = api.get(f"/api/v1/customers/{customer.pk}").json()
    assert body["email"] == "ana@example.com"
    assert body["attributes"] == {"plan": "gold"}
    assert body["identities"] == [
        {"kind": "email", "value": "ana@example.com"},
        {"kind": "email", "value": "ana.work@example.com"},
    ]


def test_customers_list_by_name_and_paged(api, inbox):
    for name in ["Cleo", "Abe", "Bea"]:
        conversation_for(inbox, from_name=name)
    first = api.get("/api/v1/customers", {"limit": 2}).json()
    rest = api.get("/api/v1/customers", {"limit": 2, "cursor": first["next_cursor"]}).json()
    assert [c["name"] for c in first["items"] + rest["items"]] == ["Abe", "Bea", "Cleo"]
    assert rest["next_cursor"] is None


def test_customers_list_finds_by_any_email(api, conversation):
    customer_add_email(customer=conversation.customer, email="ana.work@example.com")
    items = api.get("/api/v1/customers", {"email": "ANA.WORK@example.com"}).json()["items"]
    assert [c["id"] for c in items] == [conversation.customer_id]


def test_customer_of_another_inbox_is_not_found(api, db):
    other = conversation_for(InboxFactory())
    assert api.get(f"/api/v1/customers/{other.customer_id}").status_code == 404
    assert api.get("/api/v1/customers").json()["items"] == []


def test_inboxes_list_shows_only_the_agents_inboxes(api, inbox):
    InboxFactory()
    items = api.get("/api/v1/inboxes").json()["items"]
    assert [(i["id"], i["name"]) for i in items] == [(inbox.pk, inbox.name)]


def test_admin_sees_every_inbox(admin_api, inbox):
    other = InboxFactory()
    ids = {i["id"] for i in admin_api.get("/api/v1/inboxes").json()["items"]}
    assert ids == {inbox.pk, other.pk}


def test_inboxes_filter_by_channel_and_active(admin_api, inbox):
    from carefront.inboxes.models import Channel

    api_inbox = InboxFactory(channel=Channel.API, email_address=None)
    closed = InboxFactory(is_active=False)

    def ids(**params):
        return {i["id"] for i in admin_api.get("/api/v1/inboxes", params).json()["items"]}

    assert ids(channel="api") == {api_inbox.pk}
    assert ids(is_active="false") == {closed.pk}
    assert ids(channel="email", is_active="true") == {inbox.pk}
    assert admin_api.get("/api/v1/inboxes", {"channel": "fax"}).status_code == 422
