"""Turn an outgoing Message into an RFC 5322 email with the headers customers' clients thread on."""

import logging
import smtplib
from collections.abc import Callable
from email.utils import format_datetime, formataddr

from django.conf import settings
from django.core.mail import EmailMessage, mailers
from django.utils.translation import gettext as _

from carefront.conversations.inbound import normalize_message_id
from carefront.conversations.models import Message
from carefront.conversations.reply_tokens import reply_address, subject_with_token

logger = logging.getLogger(__name__)


class PermanentDeliveryError(Exception):
    """Retrying cannot help: there is no recipient, or every recipient was refused for good."""


def build_email(message: Message) -> EmailMessage:
    conversation = message.conversation
    inbox = conversation.inbox
    # An API-created inbox may have no address; the reply still needs a valid sender.
    address = inbox.email_address or message.from_address or settings.DEFAULT_FROM_EMAIL
    token = conversation.reply_token
    headers = {
        "Message-ID": f"<{message.message_id}>",
        "Date": format_datetime(message.created_at),
        # RFC 3834: written by a person, so auto-responders may answer it; an automatic message
        # (an acknowledgement) says so, and auto-responders stay quiet.
        "Auto-Submitted": "auto-replied" if message.is_auto_submitted else "no",
    }
    # Ids are stored bare, but a channel may have handed them over with brackets: never double.
    if message.in_reply_to:
        headers["In-Reply-To"] = f"<{normalize_message_id(message.in_reply_to)}>"
    references = [normalize_message_id(ref) for ref in message.references.split()]
    if any(references):
        headers["References"] = " ".join(f"<{ref}>" for ref in references if ref)
    email = EmailMessage(
        subject=subject_with_token(message.subject or conversation.subject, token),
        # Exactly the stored text, so the timeline shows what the customer got. The signature
        # is already in it: the web composer pre-fills it, where the agent can see and edit it.
        body=message.body_text,
        from_email=formataddr((message.from_name, address)),
        to=message.to,
        cc=message.cc or None,
        reply_to=[reply_address(address, token)],
        headers=headers,
    )
    for attachment in message.attachments.order_by("id"):
        # A missing file raises: the outbox retries, then shows the reply as failed, rather
        # than sending it without the file the agent attached.
        with attachment.file.open("rb") as handle:
            content = handle.read()
        # Django parses message/* content as an email; send such files as opaque bytes.
        content_type = attachment.content_type
        if content_type.startswith("message/") or "/" not in content_type:
            content_type = "application/octet-stream"
        email.attach(attachment.filename, content, content_type)
    return email


def send_email_message(
    message: Message,
    *,
    before_transmit: Callable[[], None] | None = None,
    on_accepted: Callable[[], None] | None = None,
) -> None:
    """Send now. Raises on any delivery error so the outbox can retry;
    `PermanentDeliveryError` when a retry cannot succeed. See `send_built_email` for the hooks."""
    send_built_email(build_email(message), before_transmit=before_transmit, on_accepted=on_accepted)


def send_built_email(
    email: EmailMessage,
    *,
    before_transmit: Callable[[], None] | None = None,
    on_accepted: Callable[[], None] | None = None,
) -> None:
    """Send an email Carefront wrote (a reply, a satisfaction survey) through the outbound
    relay. Raises on any delivery error so the caller can retry; `PermanentDeliveryError` when
    a retry cannot succeed.

    `before_transmit` runs once the connection is open, just before the SMTP transaction
    (MAIL FROM ... DATA); `on_accepted` runs as soon as the relay has answered 250 to the
    message, before the connection is closed (QUIT), so the caller can record the hand-over
    while the window in which a crash makes it send the message again is shortest. Once the
    relay has accepted, an error closing the connection is logged, not raised: the mail is sent.
    """
    if not email.recipients():
        raise PermanentDeliveryError(_("The reply has no recipient address."))
    connection = mailers.default
    accepted = False
    try:
        connection.open()
        if before_transmit is not None:
            before_transmit()
        try:
            sent = connection.send_messages([email])
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _reply in exc.recipients.values()]
            if codes and all(code >= 500 for code in codes):
                refused = ", ".join(
                    f"{address} ({code} {reply.decode(errors='replace')})"
                    for address, (code, reply) in exc.recipients.items()
                )
                raise PermanentDeliveryError(
                    _("The mail server refused every recipient: %(refused)s") % {"refused": refused}
                ) from exc
            raise
        if not sent:
            # A backend that swallows errors (fail_silently) must not make a reply look sent.
            raise RuntimeError(_("The mail backend did not send the reply."))
        accepted = True
        if on_accepted is not None:
            on_accepted()
    finally:
        try:
            connection.close()
        except Exception:
            # Never hides the send's own error, nor undoes an accepted mail.
            logger.warning("Closing the relay connection failed (accepted: %s)", accepted)
