"""The customer portal: sign-in by a one-time link (no password), and a signed-in customer's
replies and new conversations, which enter through `message_receive` like email."""

import datetime as dt
import logging
import secrets
import uuid

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from carefront.conversations.inbound import InboundMessage
from carefront.conversations.models import Conversation
from carefront.conversations.reply_tokens import conversation_subject
from carefront.conversations.services import Outcome, ReceiveResult, message_receive
from carefront.core.exceptions import InvalidInput, NotFound
from carefront.customers.models import Customer
from carefront.customers.services import customers_by_email, email_key

from ..models import ContactForm, PortalSignIn
from .contact import RateLimited, token_hash

logger = logging.getLogger(__name__)

CHANNEL = "portal"
LINK_VALID = dt.timedelta(minutes=20)
RATE_WINDOW = dt.timedelta(minutes=15)
MAX_PER_ADDRESS = 3
MAX_PER_IP = 10
BODY_MAX = 20_000
SUBJECT_MAX = 200


def portal_sign_in_request(
    *,
    email: str,
    ip_address: str | None = None,
    next_path: str = "",
    now: dt.datetime | None = None,
) -> None:
    """Email a sign-in link to `email` if a customer is known by it. The answer, the rows
    written and the limits are the same whether or not the address is known, so nobody can
    learn from this which addresses are customers."""
    now = now or timezone.now()
    address = email_key(email or "")
    try:
        validate_email(address)
    except ValidationError as exc:
        raise InvalidInput(_("Enter a valid email address.")) from exc
    since = now - RATE_WINDOW
    recent = PortalSignIn.objects.filter(created_at__gte=since)
    if recent.filter(email=address).count() >= MAX_PER_ADDRESS or (
        ip_address is not None and recent.filter(ip_address=ip_address).count() >= MAX_PER_IP
    ):
        raise RateLimited(
            _("Too many sign-in links were asked for. Please wait a few minutes and try again.")
        )
    customer = customers_by_email(emails=[address]).get(address)
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        sign_in = PortalSignIn.objects.create(
            email=address,
            customer=customer,
            token_hash=token_hash(token) if customer is not None else None,
            ip_address=ip_address,
            next_path=next_path[:200] if next_path.startswith("/portal/") else "",
            expires_at=now + LINK_VALID,
        )
        if customer is not None:
            from ..contact_tasks import portal_link_send_task

            transaction.on_commit(lambda: portal_link_send_task.enqueue(sign_in.pk, token))


def portal_sign_in_for_token(*, token: str, now: dt.datetime | None = None) -> PortalSignIn:
    """The unused, unexpired sign-in behind a link; NotFound otherwise (one message for all
    cases: wrong, used or expired)."""
    now = now or timezone.now()
    sign_in = (
        PortalSignIn.objects.select_related("customer")
        .filter(token_hash=token_hash(token or ""), customer__isnull=False)
        .first()
    )
    if sign_in is None or sign_in.used_at is not None or sign_in.expires_at <= now:
        raise NotFound(
            _("This sign-in link is not valid any more. Links work once, for 20 minutes.")
        )
    return sign_in


def portal_sign_in_complete(*, token: str, now: dt.datetime | None = None) -> PortalSignIn:
    """Use the link: once only, even when two requests race for it."""
    now = now or timezone.now()
    sign_in = portal_sign_in_for_token(token=token, now=now)
    used = PortalSignIn.objects.filter(pk=sign_in.pk, used_at__isnull=True).update(used_at=now)
    if not used:
        raise NotFound(
            _("This sign-in link is not valid any more. Links work once, for 20 minutes.")
        )
    sign_in.used_at = now
    return sign_in


def _receive(*, inbound: InboundMessage, conversation_inbox) -> ReceiveResult:
    result = message_receive(inbox=conversation_inbox, inbound=inbound)
    if result.outcome not in (Outcome.CREATED, Outcome.THREADED, Outcome.DUPLICATE):
        raise InvalidInput(_("Your message could not be sent. Please try again."))
    return result


def _message_id(key: str) -> str:
    """The message id of a portal message, from the form's one-time key: the same form sent
    twice (a double click) is stored once."""
    try:
        key = str(uuid.UUID(key))
    except (ValueError, TypeError, AttributeError):
        key = str(uuid.uuid4())
    return f"portal.{key}@carefront.invalid"


def _body(body: str) -> str:
    body = (body or "").strip()
    if not body:
        raise InvalidInput(_("Please write a message."))
    if len(body) > BODY_MAX:
        raise InvalidInput(_("The message is too long."))
    return body


def portal_reply(
    *, customer: Customer, email: str, conversation: Conversation, body: str, key: str = ""
) -> ReceiveResult:
    """The customer's reply from the portal, as a customer message of `conversation` (which
    the caller fetched through `portal_conversation_get`, so it is theirs)."""
    if conversation.customer_id != customer.pk:
        raise NotFound(_("This conversation does not exist."))
    inbound = InboundMessage(
        channel=CHANNEL,
        from_address=email,
        from_name=customer.name,
        subject=conversation_subject(conversation.subject),
        message_id=_message_id(key),
        body_text=_body(body),
        reply_tokens=[conversation.reply_token],
    )
    with transaction.atomic():
        result = _receive(inbound=inbound, conversation_inbox=conversation.inbox)
        moved = result.conversation is None or result.conversation.pk != conversation.pk
        if result.outcome != Outcome.DUPLICATE and moved:
            # The address no longer leads to this conversation's customer (an agent moved it
            # meanwhile): message_receive would have started a conversation for someone else.
            # Roll it back rather than store a message the customer did not mean to send there.
            raise NotFound(_("This conversation does not exist."))
    return result


def portal_conversation_start(
    *, customer: Customer, email: str, form: ContactForm, subject: str, body: str, key: str = ""
) -> ReceiveResult:
    """A new conversation from the portal, in the inbox of one of the enabled contact forms."""
    if not (form.is_enabled and form.inbox.is_active):
        raise NotFound(_("This contact form does not exist."))
    subject = " ".join((subject or "").split())[:SUBJECT_MAX]
    if not subject:
        raise InvalidInput(_("Please enter a subject."))
    inbound = InboundMessage(
        channel=CHANNEL,
        from_address=email,
        from_name=customer.name,
        subject=subject,
        message_id=_message_id(key),
        body_text=_body(body),
    )
    return _receive(inbound=inbound, conversation_inbox=form.inbox)
