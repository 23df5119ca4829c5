"""Turn an outgoing Message into an RFC 5322 email with the headers customers' clients thread on."""

from email.utils import format_datetime, formataddr

from django.core.mail import EmailMessage, mailers

from carefront.conversations.models import Message
from carefront.conversations.reply_tokens import reply_address, subject_with_token


def build_email(message: Message) -> EmailMessage:
    conversation = message.conversation
    inbox = conversation.inbox
    address = inbox.email_address or message.from_address
    token = conversation.reply_token
    headers = {
        "Message-ID": f"<{message.message_id}>",
        "Date": format_datetime(message.created_at),
        "Auto-Submitted": "no",
    }
    if message.in_reply_to:
        headers["In-Reply-To"] = f"<{message.in_reply_to}>"
    if message.references:
        headers["References"] = " ".join(f"<{ref}>" for ref in message.references.split())
    body = message.body_text
    if message.author and message.author.signature:
        body = f"{body}\n\n-- \n{message.author.signature}"
    return EmailMessage(
        subject=subject_with_token(message.subject or conversation.subject, token),
        body=body,
        from_email=formataddr((message.from_name, address)),
        to=message.to,
        cc=message.cc or None,
        reply_to=[reply_address(address, token)],
        headers=headers,
    )


def send_email_message(message: Message) -> None:
    """Send now; raises on any delivery error so the outbox can retry."""
    with mailers.default as connection:
        connection.send_messages([build_email(message)])
