"""What rules send outside Carefront, from tasks: an email to someone who is not the customer,
and a signed webhook call (the webhooks app's signature and transport)."""

import logging

from django.conf import settings
from django.core.mail import EmailMessage
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)


def rule_email_send(
    *, to: str, subject: str, body: str, conversation_id: int, rule_name: str
) -> str:
    base = settings.CAREFRONT.get("BASE_URL", "")
    footer = _("Sent by the rule “%(rule)s” about conversation #%(id)s %(url)s") % {
        "rule": rule_name,
        "id": conversation_id,
        "url": f"{base}/conversations/{conversation_id}/" if base else "",
    }
    message = EmailMessage(subject=subject[:200], body=f"{body}\n\n-- \n{footer}", to=[to])
    # Automatic mail (RFC 3834): the receiver's auto-responder must not answer it.
    message.extra_headers["Auto-Submitted"] = "auto-generated"
    message.send()
    return "sent"


def rule_webhook_secret(rule_id: int) -> str:
    """The key a rule's webhook calls are signed with (Carefront-Signature, as the webhooks
    app's); derived from SECRET_KEY, so nothing is stored, and shown to admins by the UI."""
    return salted_hmac(
        "carefront.automation.rule-webhook", str(rule_id), algorithm="sha256"
    ).hexdigest()


def rule_webhook_call(*, rule_id: int, url: str, body: str) -> str:
    from carefront.webhooks.signing import SIGNATURE_HEADER, signature_header
    from carefront.webhooks.transport import post

    data = body.encode()
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "Carefront-Rules",
        SIGNATURE_HEADER: signature_header(secret=rule_webhook_secret(rule_id), body=data),
    }
    result = post(
        url=url,
        body=data,
        headers=headers,
        timeout=float(getattr(settings, "CAREFRONT_WEBHOOKS_TIMEOUT_SECONDS", 10)),
        max_body=int(getattr(settings, "CAREFRONT_WEBHOOKS_MAX_RESPONSE_BYTES", 4096)),
    )
    if not result.ok:
        logger.warning(
            "Rule %s webhook to %s failed: %s %s", rule_id, url, result.status_code, result.error
        )
        return f"failed: {result.status_code or result.error}"
    return f"ok: {result.status_code}"
