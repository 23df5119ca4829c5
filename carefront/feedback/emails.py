"""The survey emails, in the customer's language: CSAT (one link per score, threaded under the
conversation in the customer's mail client) and NPS (one link per point, 0 to 10). Every one
carries the customer's unsubscribe link, in the body and as List-Unsubscribe (RFC 8058)."""

from email.utils import format_datetime, formataddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from carefront.conversations.inbound import normalize_message_id
from carefront.conversations.language import customer_language
from carefront.conversations.models import Conversation, Message
from carefront.conversations.reply_tokens import reply_address, subject_with_token
from carefront.customers.models import Customer
from carefront.inboxes.models import Inbox

from . import tokens
from .models import NpsCampaign, NpsInvitation, Score, Survey


def survey_url(survey: Survey, *, score: str | None = None) -> str:
    base = settings.CAREFRONT.get("BASE_URL", "")
    path = reverse("web:rate", args=[tokens.survey_token(survey.token_salt)])
    query = f"?{urlencode({'score': score})}" if score else ""
    return f"{base}{path}{query}"


def unsubscribe_url(customer_id: int) -> str:
    base = settings.CAREFRONT.get("BASE_URL", "")
    return (
        f"{base}{reverse('web:survey_unsubscribe', args=[tokens.unsubscribe_token(customer_id)])}"
    )


def _unsubscribe_headers(customer_id: int) -> dict[str, str]:
    """One-click unsubscribe from the mail client (Gmail, Apple Mail, Outlook): the client
    POSTs `List-Unsubscribe=One-Click` to the link (RFC 8058)."""
    return {
        "List-Unsubscribe": f"<{unsubscribe_url(customer_id)}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


def nps_url(invitation: NpsInvitation, *, score: int | None = None) -> str:
    base = settings.CAREFRONT.get("BASE_URL", "")
    path = reverse("web:nps_answer", args=[tokens.nps_token(invitation.token_salt)])
    query = f"?{urlencode({'score': score})}" if score is not None else ""
    return f"{base}{path}{query}"


def company_name(inbox: Inbox) -> str:
    return inbox.from_name or inbox.name


def nps_question(campaign: NpsCampaign) -> str:
    """The campaign's question with {company} filled in; its own text if the admin wrote one
    (in the admin's words), else the default, translated (call in the customer's language)."""
    company = company_name(campaign.sender_inbox)
    if campaign.question:
        return campaign.question.replace("{company}", company)
    return _("How likely are you to recommend %(company)s to a friend or colleague?") % {
        "company": company
    }


def build_nps_email(
    *, invitation: NpsInvitation, campaign: NpsCampaign, customer: Customer
) -> EmailMultiAlternatives:
    """Raises `PermanentDeliveryError` when the links could not work (no CAREFRONT_BASE_URL)."""
    from carefront.inboxes.email.outbound import PermanentDeliveryError

    if not settings.CAREFRONT.get("BASE_URL"):
        raise PermanentDeliveryError(
            _("CAREFRONT_BASE_URL is not set: a survey's links need Carefront's address.")
        )
    inbox = campaign.sender_inbox
    address = inbox.email_address or settings.DEFAULT_FROM_EMAIL
    link = nps_url(invitation)
    with translation.override(customer_language(customer=customer, inbox=inbox)):
        context = {
            "customer": customer,
            "inbox": inbox,
            "question": nps_question(campaign),
            "scores": [(score, f"{link}?{urlencode({'score': score})}") for score in range(11)],
            "unsubscribe_url": unsubscribe_url(customer.pk),
        }
        subject = _("A quick question from %(company)s") % {"company": company_name(inbox)}
        text = render_to_string("feedback/email/nps.txt", context)
        html = render_to_string("feedback/email/nps.html", context)
    headers = {
        "Message-ID": f"<{invitation.message_id}>",
        "Date": format_datetime(timezone.now()),
        "Auto-Submitted": "auto-generated",
        **_unsubscribe_headers(customer.pk),
    }
    email = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=formataddr((company_name(inbox), address)),
        to=[customer.email],
        reply_to=[address],
        headers=headers,
    )
    email.attach_alternative(html, "text/html")
    return email


def _threading(conversation: Conversation) -> dict[str, str]:
    """In-Reply-To / References of the conversation's last emailed message, so the survey
    lands in the same thread as the conversation in the customer's client."""
    last = (
        Message.objects.filter(conversation=conversation)
        .exclude(message_id="")
        .exclude(direction="note")
        .order_by("-created_at", "-id")
        .only("message_id", "references")
        .first()
    )
    if last is None:
        return {}
    references = [normalize_message_id(r) for r in last.references.split()]
    references = [*[r for r in references if r][-19:], normalize_message_id(last.message_id)]
    return {
        "In-Reply-To": f"<{references[-1]}>",
        "References": " ".join(f"<{r}>" for r in references),
    }


def build_survey_email(*, survey: Survey, conversation: Conversation) -> EmailMultiAlternatives:
    """Raises `PermanentDeliveryError` when the links could not work (no CAREFRONT_BASE_URL)."""
    from carefront.inboxes.email.outbound import PermanentDeliveryError

    if not settings.CAREFRONT.get("BASE_URL"):
        raise PermanentDeliveryError(
            _("CAREFRONT_BASE_URL is not set: a survey's links need Carefront's address.")
        )
    inbox = conversation.inbox
    customer = conversation.customer
    address = inbox.email_address or settings.DEFAULT_FROM_EMAIL
    token = conversation.reply_token
    with translation.override(customer_language(customer=customer, inbox=inbox)):
        context = {
            "customer": customer,
            "conversation": conversation,
            "inbox": inbox,
            "choices": [
                (value, label, survey_url(survey, score=value)) for value, label in Score.choices
            ],
            "unsubscribe_url": unsubscribe_url(customer.pk),
        }
        subject = conversation.subject or _("Your conversation with us")
        subject = subject_with_token(_("Re: %(subject)s") % {"subject": subject}, token)
        text = render_to_string("feedback/email/survey.txt", context)
        html = render_to_string("feedback/email/survey.html", context)
    headers = {
        "Message-ID": f"<{survey.message_id}>",
        "Date": format_datetime(timezone.now()),
        # RFC 3834: automatic, so that auto-responders stay quiet (and their answers, marked
        # auto-submitted themselves, never reopen the conversation).
        "Auto-Submitted": "auto-generated",
        **_unsubscribe_headers(customer.pk),
        **_threading(conversation),
    }
    email = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=formataddr((inbox.from_name or inbox.name, address)),
        to=[customer.email],
        reply_to=[reply_address(address, token)],
        headers=headers,
    )
    email.attach_alternative(html, "text/html")
    return email
