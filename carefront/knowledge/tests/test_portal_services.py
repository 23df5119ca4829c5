"""The portal's services on their own: sign-in links and replies are scoped to one customer."""

import datetime as dt

import pytest
from django.utils import timezone

from carefront.conversations.tests.factories import conversation_for
from carefront.core.exceptions import InvalidInput, NotFound
from carefront.customers.tests.factories import CustomerFactory
from carefront.knowledge.models import PortalSignIn
from carefront.knowledge.portal_selectors import portal_conversation_get
from carefront.knowledge.services.portal import (
    portal_reply,
    portal_sign_in_complete,
    portal_sign_in_request,
)

pytestmark = pytest.mark.django_db


def test_a_reply_to_someone_elses_conversation_is_refused(inbox):
    ana = CustomerFactory(email="ana@example.com")
    bob_conversation = conversation_for(inbox, from_address="bob@example.com", subject="Bob")
    with pytest.raises(NotFound):
        portal_reply(
            customer=ana, email="ana@example.com", conversation=bob_conversation, body="hi"
        )
    with pytest.raises(NotFound):
        portal_conversation_get(customer_id=ana.pk, conversation_id=bob_conversation.pk)


def test_a_link_is_used_once_and_only_in_time(inbox, django_capture_on_commit_callbacks):
    CustomerFactory(email="ana@example.com")
    from django.core import mail

    with django_capture_on_commit_callbacks(execute=True):
        portal_sign_in_request(email="ana@example.com")
    token = mail.outbox[-1].body.split("/portal/sign-in/")[1].split("/")[0]
    later = timezone.now() + dt.timedelta(minutes=21)
    with pytest.raises(NotFound):
        portal_sign_in_complete(token=token, now=later)
    assert portal_sign_in_complete(token=token).customer.email == "ana@example.com"
    with pytest.raises(NotFound):
        portal_sign_in_complete(token=token)
    assert PortalSignIn.objects.get().used_at is not None


def test_an_invalid_address_is_a_clear_error_and_stores_nothing(db):
    with pytest.raises(InvalidInput):
        portal_sign_in_request(email="not an address")
    assert not PortalSignIn.objects.exists()


def test_a_reply_whose_address_moved_to_another_customer_is_not_stored(inbox):
    from carefront.conversations.models import Conversation, Message
    from carefront.customers.models import CustomerIdentity

    ana = CustomerFactory(email="ana@example.com")
    conversation = conversation_for(inbox, from_address="ana@example.com", subject="Parcel")
    other = CustomerFactory(email="someone@example.com")
    CustomerIdentity.objects.filter(value="ana@example.com").update(customer=other)
    with pytest.raises(NotFound):
        portal_reply(customer=ana, email="ana@example.com", conversation=conversation, body="x")
    assert Conversation.objects.count() == 1
    assert not Message.objects.filter(body_text="x").exists()


def test_no_link_is_mailed_without_the_sites_address(settings):
    from carefront.inboxes.email.outbound import PermanentDeliveryError
    from carefront.knowledge.emails import portal_link_send

    CustomerFactory(email="ana@example.com")
    portal_sign_in_request(email="ana@example.com")
    settings.CAREFRONT = {**settings.CAREFRONT, "BASE_URL": ""}
    with pytest.raises(PermanentDeliveryError):
        portal_link_send(sign_in_id=PortalSignIn.objects.get().pk, token="t")
