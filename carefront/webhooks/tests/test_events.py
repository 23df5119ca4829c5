"""Real service calls publish domain events; webhooks turn them into the right deliveries."""

import json

import pytest
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection
from django.test.utils import CaptureQueriesContext

from carefront.conversations.events import MessageReceived
from carefront.conversations.inbound import InboundAttachment
from carefront.conversations.services import (
    conversation_add_note,
    conversation_assign,
    conversation_reply,
    conversation_set_status,
)
from carefront.conversations.tests.factories import receive
from carefront.customers.events import CustomerUpdated
from carefront.customers.services import customer_add_email
from carefront.webhooks import catalogue, payloads
from carefront.webhooks.handlers import on_customer_updated, on_message
from carefront.webhooks.models import DeliveryStatus, WebhookDelivery
from carefront.webhooks.services import webhook_subscription_create, webhook_subscription_pause

pytestmark = pytest.mark.django_db


@pytest.fixture
def everything(admin, receiver):
    return webhook_subscription_create(
        actor=admin, url=receiver.url, event_types=list(catalogue.EVENT_TYPES)
    )


def sent(receiver) -> list[dict]:
    return [json.loads(r.body) for r in receiver.requests]


def types(receiver) -> list[str]:
    return [p["type"] for p in sent(receiver)]


def test_a_first_email_creates_customer_conversation_and_message_events(
    everything, receiver, inbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        result = receive(
            inbox,
            from_address="ana@example.com",
            from_name="Ana Lima",
            subject="Where is my parcel?",
            body_text="Hello, my parcel has not arrived.",
            attachments=[InboundAttachment("invoice.pdf", "application/pdf", b"%PDF-1.4 x")],
        )
    assert sorted(types(receiver)) == [
        "conversation.created",
        "customer.created",
        "message.created",
    ]
    by_type = {p["type"]: p for p in sent(receiver)}
    conversation = result.conversation
    customer = by_type["customer.created"]["data"]
    assert customer["id"] == conversation.customer_id
    assert customer["email"] == "ana@example.com"
    assert customer["name"] == "Ana Lima"
    assert customer["identities"] == [{"kind": "email", "value": "ana@example.com"}]

    created = by_type["conversation.created"]["data"]
    assert created["id"] == conversation.pk
    assert created["subject"] == "Where is my parcel?"
    assert created["status"] == "open"
    assert created["priority"] == "normal"
    assert created["inbox"] == {"id": inbox.pk, "name": inbox.name}
    assert created["customer"] == {
        "id": conversation.customer_id,
        "name": "Ana Lima",
        "email": "ana@example.com",
    }
    assert created["assignee"] is None
    assert created["tags"] == []
    assert created["message_count"] == 1

    message = by_type["message.created"]["data"]
    assert message["id"] == result.message.pk
    assert message["direction"] == "incoming"
    assert message["private"] is False
    assert message["from_address"] == "ana@example.com"
    assert message["body_text"] == "Hello, my parcel has not arrived."
    assert [a["filename"] for a in message["attachments"]] == ["invoice.pdf"]
    assert message["conversation"]["id"] == conversation.pk
    assert WebhookDelivery.objects.filter(status=DeliveryStatus.SUCCEEDED).count() == 3


def test_assigning_changing_status_replying_and_noting_send_their_events(
    everything, receiver, inbox, agent, team, django_capture_on_commit_callbacks
):
    conversation = receive(inbox, subject="Refund").conversation
    receiver.requests.clear()
    with django_capture_on_commit_callbacks(execute=True):
        conversation_assign(conversation=conversation, assignee=agent, actor=agent, team=team)
    with django_capture_on_commit_callbacks(execute=True):
        conversation_add_note(conversation=conversation, author=agent, body="Check the order")
    with django_capture_on_commit_callbacks(execute=True):
        conversation_reply(conversation=conversation, author=agent, body="Refunded today.")
    with django_capture_on_commit_callbacks(execute=True):
        conversation_set_status(conversation=conversation, status="solved", actor=agent)

    payloads = sent(receiver)
    assert types(receiver) == [
        "conversation.assigned",
        "message.created",
        "message.created",
        "qa.reply_checked",  # the reply's auto-QA check (a task after the commit)
        "conversation.status_changed",
    ]
    assigned, note, reply, checked, solved = payloads
    assert checked["data"]["message_id"] == reply["data"]["id"]
    assert assigned["data"]["assignee"] == {"id": agent.pk, "name": agent.name}
    assert assigned["data"]["team"] == {"id": team.pk, "name": team.name}
    assert note["data"]["direction"] == "note"
    assert note["data"]["private"] is True
    assert note["data"]["author"] == {"id": agent.pk, "name": agent.name}
    assert reply["data"]["direction"] == "outgoing"
    assert reply["data"]["private"] is False
    assert reply["data"]["body_text"].startswith("Refunded today.")
    assert solved["data"]["status"] == "solved"
    assert solved["changes"] == {"status": {"from": "open", "to": "solved"}}


def test_customer_update_sends_the_changed_fields(
    everything, receiver, inbox, django_capture_on_commit_callbacks
):
    customer = receive(inbox, from_address="bo@example.com").conversation.customer
    receiver.requests.clear()
    with django_capture_on_commit_callbacks(execute=True):
        customer_add_email(customer=customer, email="bo.work@example.com")
    [payload] = sent(receiver)
    assert payload["type"] == "customer.updated"
    assert payload["changes"] == {"fields": ["identities"]}
    assert [i["value"] for i in payload["data"]["identities"]] == [
        "bo@example.com",
        "bo.work@example.com",
    ]


def test_only_subscribed_events_are_sent(
    admin, receiver, inbox, django_capture_on_commit_callbacks
):
    webhook_subscription_create(
        actor=admin, url=receiver.url, event_types=[catalogue.CONVERSATION_CREATED]
    )
    with django_capture_on_commit_callbacks(execute=True):
        receive(inbox)
    assert types(receiver) == ["conversation.created"]


def test_a_paused_subscription_gets_no_deliveries(
    everything, admin, receiver, inbox, django_capture_on_commit_callbacks
):
    webhook_subscription_pause(actor=admin, subscription=everything)
    with django_capture_on_commit_callbacks(execute=True):
        receive(inbox)
    assert receiver.requests == []
    assert not WebhookDelivery.objects.exists()


def test_nothing_is_recorded_when_the_work_is_rolled_back(
    everything, receiver, inbox, agent, django_capture_on_commit_callbacks
):
    from django.db import transaction

    conversation = receive(inbox).conversation
    receiver.requests.clear()
    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                conversation_set_status(conversation=conversation, status="solved", actor=agent)
                raise RuntimeError("rolled back")
        except RuntimeError:
            pass
    assert receiver.requests == []


# Query counts: the handler runs inside the test's transaction here, so its on_commit (the
# delivery task) does not run: what is measured is the handler alone.


def _handler_queries(handler, event) -> int:
    with CaptureQueriesContext(connection) as ctx:
        handler(event)
    return len(ctx.captured_queries)


def test_an_event_nobody_subscribes_to_costs_one_query(inbox):
    result = receive(inbox)
    event = MessageReceived(
        conversation_id=result.conversation.pk, message_id=result.message.pk, reopened=False
    )
    assert _handler_queries(on_message, event) == 1
    assert not WebhookDelivery.objects.exists()


def test_message_event_queries_do_not_grow_with_subscriptions_or_content(
    admin, receiver, inbox, agent
):
    def new_event(n_attachments: int) -> MessageReceived:
        result = receive(
            inbox,
            attachments=[
                InboundAttachment(f"f{i}.txt", "text/plain", b"x") for i in range(n_attachments)
            ],
        )
        conversation_assign(conversation=result.conversation, assignee=agent, actor=agent)
        return MessageReceived(
            conversation_id=result.conversation.pk, message_id=result.message.pk, reopened=False
        )

    webhook_subscription_create(
        actor=admin, url=receiver.url, event_types=[catalogue.MESSAGE_CREATED]
    )
    one = _handler_queries(on_message, new_event(1))
    for _ in range(4):
        webhook_subscription_create(
            actor=admin, url=receiver.url, event_types=[catalogue.MESSAGE_CREATED]
        )
    five = _handler_queries(on_message, new_event(6))
    assert one == five
    # subscriptions, savepoint, message (+author, conversation...), attachments, tags, SLA
    # targets, savepoint, insert, release, release (the handler runs inside the publisher's
    # transaction, in a savepoint of its own).
    assert five == 10
    # Each message twice: as its service published it, and by the measured call; 1 + 5 subs.
    assert WebhookDelivery.objects.count() == 2 * (1 + 5)


def test_customer_event_queries_are_constant(admin, receiver, inbox):
    webhook_subscription_create(
        actor=admin, url=receiver.url, event_types=[catalogue.CUSTOMER_UPDATED]
    )
    small = receive(inbox).conversation.customer
    big = receive(inbox).conversation.customer
    for i in range(5):
        customer_add_email(customer=big, email=f"alias{i}@example.com")
    first = _handler_queries(
        on_customer_updated, CustomerUpdated(customer_id=small.pk, fields=("name",))
    )
    second = _handler_queries(
        on_customer_updated, CustomerUpdated(customer_id=big.pk, fields=("name",))
    )
    assert first == second == 8  # with the handler's own savepoint


def test_a_rating_is_delivered_as_rating_received_and_a_change_with_its_changes(
    everything, receiver, inbox, agent
):
    from carefront.feedback.services import rating_record
    from carefront.feedback.tests.factories import after_commit, sent_survey

    survey, _token = sent_survey(inbox, agent)
    receiver.requests.clear()
    with after_commit():
        rating = rating_record(survey=survey, score="okay", comment="Slow, but fine.")
    with after_commit():
        rating_record(survey=survey, score="great", comment="Slow, but fine.")
    first, second = sent(receiver)
    assert [first["type"], second["type"]] == ["rating.received", "rating.received"]
    data = first["data"]
    assert data["id"] == rating.pk
    assert data["score"] == "okay"
    assert data["comment"] == "Slow, but fine."
    assert data["agent"] == {"id": agent.pk, "name": agent.name}
    assert data["customer"]["email"] == "ana@example.com"
    assert data["conversation"]["id"] == survey.conversation_id
    assert data["conversation"]["status"] == "solved"
    assert "changes" not in first
    assert second["data"]["score"] == "great"
    assert second["changes"] == {"score": {"from": "okay", "to": "great"}}
    assert receiver.requests[0].headers["Carefront-Event"] == "rating.received"


def test_deliveries_are_written_with_the_change_not_after_its_commit(
    everything, receiver, inbox, agent
):
    """A process that dies right after committing a change loses none of its events: the
    delivery rows are part of the change's own transaction (the flush sends them)."""
    conversation = receive(inbox).conversation
    before = WebhookDelivery.objects.count()
    # Inside the test's transaction: nothing after-commit runs here, as in a crash at commit.
    conversation_set_status(conversation=conversation, status="solved", actor=agent)
    delivery = WebhookDelivery.objects.order_by("pk").last()
    assert WebhookDelivery.objects.count() == before + 1
    assert delivery.event_type == catalogue.CONVERSATION_STATUS_CHANGED
    assert delivery.status == DeliveryStatus.PENDING
    assert receiver.requests == []


def test_payloads_carry_the_apis_shapes(everything, receiver, inbox, admin, agent):
    """A webhook's conversation, message and customer are what the REST API answers for them
    (a message adds `private` and its conversation; a customer leaves out the agents' notes)."""
    from django.test import Client

    from carefront.accounts.services import api_token_create

    _token, plain = api_token_create(agent=admin, name="check", scope="read")
    api = Client(headers={"Authorization": f"Bearer {plain}"})
    result = receive(
        inbox,
        attachments=[InboundAttachment("invoice.pdf", "application/pdf", b"%PDF-1.4 x")],
    )
    conversation_assign(conversation=result.conversation, assignee=agent, actor=agent)
    webhook_data = {
        "conversation": payloads.conversation_data(
            payloads.conversation_for_payload(result.conversation.pk)
        ),
        "message": payloads.message_data(
            payloads.message_for_payload(result.message.pk), result.conversation
        ),
        "customer": payloads.customer_data(
            payloads.customer_for_payload(result.conversation.customer_id)
        ),
    }
    as_json = json.loads(json.dumps(webhook_data, cls=DjangoJSONEncoder))
    conversation = api.get(f"/api/v1/conversations/{result.conversation.pk}").json()
    [message] = api.get(f"/api/v1/conversations/{result.conversation.pk}/messages").json()["items"]
    customer = api.get(f"/api/v1/customers/{result.conversation.customer_id}").json()

    assert as_json["conversation"] == conversation
    webhook_message = as_json["message"]
    assert webhook_message.pop("private") is False
    webhook_message.pop("conversation")
    for attachment in message["attachments"]:
        attachment.pop("download_url")
    assert webhook_message == message
    customer.pop("notes")
    assert as_json["customer"] == customer


def test_a_priority_change_sends_its_event_with_the_priority_in_the_conversation(
    everything, receiver, inbox, agent, django_capture_on_commit_callbacks
):
    from carefront.conversations.services import conversation_set_priority

    conversation = receive(inbox, subject="Outage").conversation
    receiver.requests.clear()
    with django_capture_on_commit_callbacks(execute=True):
        conversation_set_priority(conversation=conversation, priority="urgent", actor=agent)
    with django_capture_on_commit_callbacks(execute=True):  # unchanged: no event
        conversation_set_priority(conversation=conversation, priority="urgent", actor=agent)
    [payload] = sent(receiver)
    assert payload["type"] == "conversation.priority_changed"
    assert payload["data"]["id"] == conversation.pk
    assert payload["data"]["priority"] == "urgent"
    assert payload["changes"] == {"priority": {"from": "normal", "to": "urgent"}}
    assert receiver.requests[0].headers["Carefront-Event"] == "conversation.priority_changed"


def test_an_nps_answer_is_delivered_as_nps_answered_and_a_change_with_its_changes(
    everything, receiver, inbox, admin
):
    from carefront.feedback.services import nps_answer_record
    from carefront.feedback.tests.factories import after_commit, sent_invitation

    invitation, _token = sent_invitation(admin, inbox, email="ana@example.com")
    receiver.requests.clear()
    with after_commit():
        response = nps_answer_record(invitation=invitation, score=4, comment="Slow replies")
    with after_commit():
        nps_answer_record(invitation=invitation, score=9, comment="Slow replies")
    # (A detractor's answer also opens a recovery task: `recovery.opened`, tested elsewhere.)
    first, second = [p for p in sent(receiver) if p["type"] == "nps.answered"]
    assert [first["type"], second["type"]] == ["nps.answered", "nps.answered"]
    data = first["data"]
    assert (data["id"], data["score"], data["category"]) == (response.pk, 4, "detractor")
    assert data["comment"] == "Slow replies"
    assert data["campaign"] == {"id": invitation.campaign_id, "name": "NPS for ana@example.com"}
    assert data["customer"]["email"] == "ana@example.com"
    assert "changes" not in first
    assert second["data"]["category"] == "promoter"
    assert second["changes"] == {"score": {"from": 4, "to": 9}}


def test_a_bad_rating_delivers_recovery_opened_and_closing_it_recovery_closed(
    everything, receiver, inbox, agent, admin
):
    from carefront.feedback.models import RecoveryTask
    from carefront.feedback.services import rating_record, recovery_close
    from carefront.feedback.tests.factories import after_commit, sent_survey

    survey, _token = sent_survey(inbox, agent)
    receiver.requests.clear()
    with after_commit():
        rating_record(survey=survey, score="not_good", comment="Never arrived")
    # Separate deliveries: receivers must not rely on their order.
    assert sorted(types(receiver)) == ["rating.received", "recovery.opened"]
    [opened] = [p["data"] for p in sent(receiver) if p["type"] == "recovery.opened"]
    task = RecoveryTask.objects.get()
    assert opened["id"] == task.pk
    assert opened["state"] == "open"
    assert opened["reason"] == "bad_rating"
    assert opened["source"] == {"kind": "csat", "id": task.source_id}
    assert opened["comment"] == "Never arrived"
    assert opened["agent"] == {"id": agent.pk, "name": agent.name}
    assert opened["conversation"]["id"] == survey.conversation_id
    receiver.requests.clear()
    with after_commit():
        recovery_close(task=task, actor=admin, outcome="resolved", note="Refunded")
    [closed] = sent(receiver)
    assert closed["type"] == "recovery.closed"
    assert closed["data"]["outcome"] == "resolved"
    assert closed["data"]["note"] == "Refunded"
    assert closed["data"]["closed_by"] == {"id": admin.pk, "name": admin.name}


def test_shipping_an_improvement_delivers_improvement_shipped_once(
    everything, receiver, inbox, admin
):
    from carefront.conversations.tests.factories import conversation_for
    from carefront.feedback.services import (
        improvement_create,
        improvement_link,
        improvement_ship,
    )
    from carefront.feedback.tests.factories import after_commit

    conversation = conversation_for(inbox, from_address="ana@example.com")
    improvement = improvement_create(
        actor=admin, title="CSV export", customer_message="You can export CSV now."
    )
    improvement_link(actor=admin, improvement_id=improvement.pk, conversation_ids=[conversation.pk])
    receiver.requests.clear()
    with after_commit():
        improvement_ship(actor=admin, improvement_id=improvement.pk)
    with after_commit():
        improvement_ship(actor=admin, improvement_id=improvement.pk)
    shipped = [p for p in sent(receiver) if p["type"] == "improvement.shipped"]
    assert len(shipped) == 1
    data = shipped[0]["data"]
    assert data["id"] == improvement.pk
    assert data["status"] == "shipped"
    assert data["customers_linked"] == 1
    assert data["shipped_by"] == {"id": admin.pk, "name": admin.name}
