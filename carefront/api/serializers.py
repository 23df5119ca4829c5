"""Models to response dicts. Each function takes a whole page and fetches what it needs in bulk,
so a list costs the same number of queries for 3 items as for 100."""

from django.urls import reverse

from carefront.accounts.models import Team
from carefront.conversations.models import Attachment, Conversation, Message
from carefront.conversations.representations import conversation_repr, message_repr, ref
from carefront.customers.models import Customer
from carefront.customers.representations import customer_repr
from carefront.inboxes.models import Inbox
from carefront.sla.representations import sla_blocks
from carefront.sla.selectors import KEPT_RATE_DAYS, KeptRate, acknowledgement_kept_rates


def conversations_out(conversations: list[Conversation]) -> list[dict]:
    """Expects customer, assignee, inbox selected and `tag_names` attached (as
    `conversation_list` and `attach_tag_names` do); teams are fetched here in one query, and
    the SLA targets in another."""
    team_ids = {c.team_id for c in conversations if c.team_id}
    teams = Team.objects.in_bulk(team_ids) if team_ids else {}
    slas = sla_blocks(conversations)
    return [
        {
            **conversation_repr(c, team=teams.get(c.team_id), tags=c.tag_names),
            "sla": slas[c.pk],
        }
        for c in conversations
    ]


def _download_url(attachment: Attachment) -> str:
    return reverse("api:attachment_download", args=[attachment.pk])


def messages_out(messages: list[Message]) -> list[dict]:
    """Expects author selected and attachments prefetched."""
    return [message_repr(m, download_url=_download_url) for m in messages]


def customers_out(customers: list[Customer]) -> list[dict]:
    """Expects identities prefetched."""
    return [customer_repr(c, notes=True) for c in customers]


def inboxes_out(inboxes: list[Inbox]) -> list[dict]:
    """One query for the acknowledgements' kept rates of the whole page."""
    rates = acknowledgement_kept_rates(inbox_ids=[i.pk for i in inboxes])
    return [
        {
            "id": i.pk,
            "name": i.name,
            "channel": i.channel,
            "email_address": i.email_address,
            "is_active": i.is_active,
            "default_language": i.default_language,
            "send_acknowledgement": i.send_acknowledgement,
            "acknowledgements": _kept_rate_out(rates.get(i.pk)),
        }
        for i in inboxes
    ]


def _kept_rate_out(rate: KeptRate | None) -> dict:
    if rate is None:
        return {"days": KEPT_RATE_DAYS, "kept": 0, "judged": 0, "kept_percent": None}
    return {
        "days": KEPT_RATE_DAYS,
        "kept": rate.kept,
        "judged": rate.judged,
        "kept_percent": rate.percent,
    }


def ratings_out(ratings: list) -> list[dict]:
    """Expects conversation, customer, agent and survey selected (`ratings_visible_to`)."""
    return [
        {
            "id": r.pk,
            "score": r.score,
            "comment": r.comment,
            "conversation": {"id": r.conversation_id, "subject": r.conversation.subject},
            "customer": {"id": r.customer.pk, "name": r.customer.name, "email": r.customer.email},
            "agent": ref(r.agent),
            "survey_sent_at": r.survey.sent_at,
            "created_at": r.created_at,
            "updated_at": r.updated_at,
        }
        for r in ratings
    ]
