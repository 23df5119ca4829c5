"""The emails of the contact form and the portal, in the customer's language: the link that
confirms a contact form's address (and signs in to the portal), and the portal's sign-in
link. Tokens travel only in these emails; the database keeps their hashes."""

import logging
from email.utils import format_datetime, formataddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from carefront.conversations.language import customer_language
from carefront.core.i18n import first_supported_language
from carefront.inboxes.models import Inbox

from .models import ContactForm, ContactSubmission, PortalSignIn

logger = logging.getLogger(__name__)


def _absolute(path: str) -> str:
    return f"{settings.CAREFRONT.get('BASE_URL', '')}{path}"


def _sender(inbox: Inbox | None) -> tuple[str, str]:
    address = (inbox.email_address if inbox else "") or settings.DEFAULT_FROM_EMAIL
    name = (inbox.from_name or inbox.name) if inbox else ""
    return name, address


def _send(*, subject: str, to: str, template: str, context: dict, inbox: Inbox | None) -> bool:
    """Raises `PermanentDeliveryError` when the link could not work (no CAREFRONT_BASE_URL)."""
    from carefront.inboxes.email.outbound import PermanentDeliveryError, send_built_email

    if not settings.CAREFRONT.get("BASE_URL"):
        raise PermanentDeliveryError(
            _("CAREFRONT_BASE_URL is not set: the link in this email needs Carefront's address.")
        )

    name, address = _sender(inbox)
    email = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string(f"knowledge/email/{template}.txt", context),
        from_email=formataddr((name, address)) if name else address,
        to=[to],
        headers={"Date": format_datetime(timezone.now()), "Auto-Submitted": "auto-generated"},
    )
    send_built_email(email)
    return True


def contact_confirmation_send(*, submission_id: int, token: str) -> bool:
    submission = (
        ContactSubmission.objects.select_related("form__inbox", "conversation__customer")
        .filter(pk=submission_id)
        .first()
    )
    if submission is None or submission.confirmed_at is not None or not submission.conversation:
        return False
    inbox = submission.form.inbox
    customer = submission.conversation.customer
    with translation.override(customer_language(customer=customer, inbox=inbox)):
        context = {
            "customer": customer,
            "inbox": inbox,
            "conversation": submission.conversation,
            "url": _absolute(reverse("web:contact_confirm", args=[token])),
        }
        subject = _("We received your message: please confirm your address")
        return _send(
            subject=subject,
            to=submission.email,
            template="contact_confirm",
            context=context,
            inbox=inbox,
        )


def portal_link_send(*, sign_in_id: int, token: str) -> bool:
    sign_in = PortalSignIn.objects.select_related("customer").filter(pk=sign_in_id).first()
    if sign_in is None or sign_in.customer is None or sign_in.used_at is not None:
        return False
    customer = sign_in.customer
    form = ContactForm.objects.select_related("inbox").filter(is_enabled=True).first()
    inbox = form.inbox if form else None
    language = (
        customer_language(customer=customer, inbox=inbox)
        if inbox
        else first_supported_language(customer.language)
    )
    with translation.override(language):
        context = {
            "customer": customer,
            "inbox": inbox,
            "url": _absolute(reverse("web:portal_sign_in_link", args=[token])),
        }
        return _send(
            subject=_("Your sign-in link"),
            to=sign_in.email,
            template="portal_link",
            context=context,
            inbox=inbox,
        )
