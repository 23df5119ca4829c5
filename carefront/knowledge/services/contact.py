"""The contact form: a customer's message through the same `message_receive` as email, with
spam protection of our own (a honeypot, a minimum fill time, rate limits per IP and address),
the address confirmed by a link before the customer counts as its owner, and deflections."""

import datetime as dt
import hashlib
import json
import logging
import secrets
import time
from dataclasses import dataclass

from django.core import signing
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from carefront.conversations.inbound import InboundAttachment, InboundMessage
from carefront.conversations.models import Conversation, Message
from carefront.conversations.services import Outcome, message_receive
from carefront.core.events import publish
from carefront.core.exceptions import InvalidInput, NotFound
from carefront.customers.services import email_key
from carefront.inboxes.models import RawInbound, RawStatus

from ..events import ContactDeflected, ContactFormSubmitted
from ..models import ContactDeflection, ContactForm, ContactSubmission

logger = logging.getLogger(__name__)

CHANNEL = "web"
RAW_SOURCE = "contact-form"
_STAMP_SALT = "carefront.knowledge.contact-form"
MIN_FILL_SECONDS = 3
STAMP_MAX_AGE = dt.timedelta(days=1)
RATE_WINDOW = dt.timedelta(minutes=10)
MAX_PER_ADDRESS = 3
MAX_PER_IP = 10
DEFLECTIONS_PER_IP_PER_HOUR = 20
CONFIRMATION_VALID = dt.timedelta(days=7)
SUBJECT_MAX = 200
DESCRIPTION_MAX = 20_000
MAX_VIEWED = 20


class RateLimited(InvalidInput):
    code = "rate_limited"


class SpamSuspected(InvalidInput):
    code = "spam"


@dataclass(frozen=True, slots=True)
class ContactSubmitted:
    submission: ContactSubmission
    conversation: Conversation
    confirmed: bool


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def contact_form_get(*, key: str, enabled_only: bool = True) -> ContactForm:
    """The form at /help/contact/<key>/: by its slug or its inbox's id. NotFound when there is
    none, or it is switched off, or its inbox is."""
    forms = ContactForm.objects.select_related("inbox")
    form = forms.filter(slug=key).first()
    if form is None and key.isdigit() and len(key) < 19:
        form = forms.filter(inbox_id=int(key)).first()
    if form is None or (enabled_only and not (form.is_enabled and form.inbox.is_active)):
        raise NotFound(_("This contact form does not exist."))
    return form


def contact_stamp(*, now: float | None = None) -> str:
    """A signed "form shown at" time, put in the form: sent back too soon, it is a robot."""
    moment = now if now is not None else time.time()
    return signing.Signer(salt=_STAMP_SALT).sign(f"{moment:.3f}")


def _check_stamp(stamp: str, *, now: float) -> None:
    try:
        shown_at = float(signing.Signer(salt=_STAMP_SALT).unsign(stamp))
    except (signing.BadSignature, ValueError) as exc:
        raise SpamSuspected(
            _("The form has expired. Please check your message and send it again.")
        ) from exc
    if now - shown_at < MIN_FILL_SECONDS:
        raise SpamSuspected(_("That was very quick. Please check your message and send it again."))
    if now - shown_at > STAMP_MAX_AGE.total_seconds():
        raise SpamSuspected(_("The form has expired. Please check your message and send it again."))


def _check_rate(*, email: str, ip_address: str | None, now: dt.datetime) -> None:
    since = now - RATE_WINDOW
    recent = ContactSubmission.objects.filter(created_at__gte=since)
    too_many = recent.filter(email=email).count() >= MAX_PER_ADDRESS or (
        ip_address is not None and recent.filter(ip_address=ip_address).count() >= MAX_PER_IP
    )
    if too_many:
        raise RateLimited(
            _(
                "You have sent several messages in the last few minutes. Please wait a little "
                "before sending another one: we have your earlier messages."
            )
        )


def _clean_viewed(ids: list) -> tuple[int, ...]:
    clean: dict[int, None] = {}
    for value in ids[:MAX_VIEWED]:
        try:
            number = int(value)
        except (TypeError, ValueError):
            continue
        if 0 < number < 2**63:
            clean[number] = None
    return tuple(clean)


def contact_form_submit(
    *,
    form: ContactForm,
    subject: str,
    description: str,
    email: str,
    name: str = "",
    attachments: list[InboundAttachment] | None = None,
    viewed_article_ids: list | tuple = (),
    ip_address: str | None = None,
    stamp: str,
    honeypot: str = "",
    signed_in_customer_id: int | None = None,
    now: dt.datetime | None = None,
) -> ContactSubmitted:
    """Turn a sent contact form into a conversation (through `message_receive`).

    The same form sent twice (a double click, a resend after a lost answer) is stored once: its
    signed stamp and the address make its message id. The sender must confirm the address by
    the emailed link before the conversation shows in that customer's portal, unless they are
    signed in to the portal as that customer already.
    """
    now = now or timezone.now()
    if honeypot:
        raise SpamSuspected(_("Your message could not be sent. Please try again."))
    _check_stamp(stamp, now=now.timestamp())
    subject = " ".join((subject or "").split())[:SUBJECT_MAX]
    description = (description or "").strip()
    address = email_key(email or "")
    try:
        validate_email(address)
    except ValidationError as exc:
        raise InvalidInput(_("Enter a valid email address.")) from exc
    if not description:
        raise InvalidInput(_("Please describe what you need."))
    if len(description) > DESCRIPTION_MAX:
        raise InvalidInput(_("The description is too long."))
    viewed = _clean_viewed(list(viewed_article_ids))
    message_id = "contact.{}@carefront.invalid".format(
        hashlib.sha256(f"{stamp}\x00{address}".encode()).hexdigest()[:32]
    )
    existing = (
        ContactSubmission.objects.select_related("conversation")
        .filter(
            form=form,
            email=address,
            conversation__in=Message.objects.filter(message_id=message_id)
            .exclude(message_id="")  # lets SQLite use the partial unique index
            .values("conversation_id"),
        )
        .first()
    )
    if existing is not None and existing.conversation is not None:
        return ContactSubmitted(
            submission=existing,
            conversation=existing.conversation,
            confirmed=existing.confirmed_at is not None,
        )
    _check_rate(email=address, ip_address=ip_address, now=now)
    inbound = InboundMessage(
        channel=CHANNEL,
        from_address=address,
        from_name=" ".join((name or "").split())[:200],
        to=[form.inbox.email_address] if form.inbox.email_address else [],
        subject=subject,
        message_id=message_id,
        body_text=description,
        attachments=list(attachments or []),
    )
    token = secrets.token_urlsafe(32)
    raw = RawInbound(
        source=RAW_SOURCE,
        source_ref=f"form:{form.pk}",
        data=json.dumps(
            {
                "subject": subject,
                "description": description,
                "email": address,
                "name": inbound.from_name,
                "attachments": [a.filename for a in inbound.attachments],
            },
            ensure_ascii=False,
        ).encode(),
        size=len(description.encode()),
        status=RawStatus.PROCESSED,
        inbox=form.inbox,
        processed_at=now,
        from_address=address[:320],
        subject=subject[:255],
        message_id=message_id,
    )
    with transaction.atomic():
        raw.save()
        result = message_receive(inbox=form.inbox, inbound=inbound, raw=raw)
        if result.outcome not in (Outcome.CREATED, Outcome.THREADED) or not result.conversation:
            raise InvalidInput(_("Your message could not be sent. Please try again."))
        conversation = result.conversation
        confirmed = (
            signed_in_customer_id is not None and conversation.customer_id == signed_in_customer_id
        )
        submission = ContactSubmission.objects.create(
            form=form,
            conversation=conversation,
            email=address,
            ip_address=ip_address,
            token_hash=token_hash(token),
            viewed_article_ids=list(viewed),
            confirmed_at=now if confirmed else None,
        )
        ContactForm.objects.filter(pk=form.pk).update(submission_count=F("submission_count") + 1)
        publish(
            ContactFormSubmitted(
                inbox_id=form.inbox_id,
                conversation_id=conversation.pk,
                query=f"{subject}\n{description}".strip(),
                viewed_article_ids=viewed,
            )
        )
        if not confirmed:
            from ..contact_tasks import contact_confirmation_send_task

            transaction.on_commit(
                lambda: contact_confirmation_send_task.enqueue(submission.pk, token)
            )
    return ContactSubmitted(submission=submission, conversation=conversation, confirmed=confirmed)


def contact_submission_for_token(
    *, token: str, now: dt.datetime | None = None
) -> ContactSubmission:
    """The submission behind a confirmation link; NotFound for a wrong or expired one."""
    now = now or timezone.now()
    submission = (
        ContactSubmission.objects.select_related("conversation", "form__inbox")
        .filter(token_hash=token_hash(token or ""))
        .first()
    )
    if submission is None or submission.conversation is None:
        raise NotFound(_("This link is not valid."))
    if submission.confirmed_at is None and submission.created_at < now - CONFIRMATION_VALID:
        raise NotFound(_("This link has expired."))
    return submission


def contact_confirm(
    *, token: str, now: dt.datetime | None = None
) -> tuple[ContactSubmission, bool]:
    """Confirm the address of a sent form. Returns the submission and whether this call
    confirmed it (True once: only then may the caller sign the customer in to the portal)."""
    now = now or timezone.now()
    submission = contact_submission_for_token(token=token, now=now)
    changed = ContactSubmission.objects.filter(pk=submission.pk, confirmed_at__isnull=True).update(
        confirmed_at=now
    )
    if changed:
        submission.confirmed_at = now
    return submission, bool(changed)


def contact_deflect(
    *,
    form: ContactForm,
    article_id: int,
    query: str,
    ip_address: str | None = None,
    now: dt.datetime | None = None,
) -> bool:
    """Record that a suggested article answered the visitor. Returns False (nothing recorded)
    past the per-IP limit, so one visitor cannot inflate the count."""
    now = now or timezone.now()
    if not 0 < article_id < 2**63:
        raise InvalidInput(_("Unknown article."))
    if ip_address is not None and (
        ContactDeflection.objects.filter(
            ip_address=ip_address, created_at__gte=now - dt.timedelta(hours=1)
        ).count()
        >= DEFLECTIONS_PER_IP_PER_HOUR
    ):
        return False
    query = (query or "").strip()[:2000]
    with transaction.atomic():
        ContactDeflection.objects.create(
            form=form, article_id=article_id, query=query, ip_address=ip_address
        )
        ContactForm.objects.filter(pk=form.pk).update(deflection_count=F("deflection_count") + 1)
        publish(ContactDeflected(inbox_id=form.inbox_id, article_id=article_id, query=query))
    return True


def contact_form_save(
    *,
    inbox,
    slug: str,
    is_enabled: bool,
    title: str = "",
    intro: str = "",
    allow_attachments: bool = True,
    embed_origins: str = "",
) -> ContactForm:
    """Create or change an inbox's contact form (admins). Origins must be http(s) origins."""
    from urllib.parse import urlsplit

    from django.utils.text import slugify

    slug = slugify(slug or inbox.name)[:60]
    if not slug or slug.isdigit():
        raise InvalidInput(_("The address needs at least one letter."))
    taken = ContactForm.objects.filter(slug=slug).exclude(inbox=inbox).exists()
    if taken:
        raise InvalidInput(_("Another inbox's form already uses this address."))
    origins = []
    for line in (embed_origins or "").splitlines():
        line = line.strip().rstrip("/")
        if not line:
            continue
        parts = urlsplit(line)
        if parts.scheme not in ("http", "https") or not parts.netloc or parts.path:
            raise InvalidInput(
                _("%(origin)s is not an origin such as https://www.example.com.")
                % {"origin": line[:100]}
            )
        origins.append(f"{parts.scheme}://{parts.netloc}")
    form, _created = ContactForm.objects.update_or_create(
        inbox=inbox,
        defaults={
            "slug": slug,
            "is_enabled": is_enabled,
            "title": title.strip()[:120],
            "intro": intro.strip()[:2000],
            "allow_attachments": allow_attachments,
            "embed_origins": "\n".join(origins),
        },
    )
    return form
