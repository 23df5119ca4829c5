"""NPS campaigns: an admin defines a segment and sends; tasks invite and email in bounded
batches; customers answer through a signed link.

Inviting walks the segment's customers in id order, a batch per transaction, and saves how far
it got (`invite_cursor`) with the invitations it created: a worker that dies mid-way resumes
where the last batch committed, and (campaign, customer) is unique, so a batch run twice invites
nobody twice. Emailing is at least once, like CSAT surveys: an invitation the relay accepted is
recorded at once; one whose sender died is sent again by the flush, with the same Message-ID.
"""

import datetime as dt
import hashlib
import json
import logging
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from carefront.accounts.models import Agent
from carefront.accounts.services.permissions import require_admin
from carefront.conversations.models import Conversation
from carefront.conversations.services.actions import new_message_id
from carefront.core.exceptions import InvalidInput
from carefront.customers.attributes import ATTRIBUTE_KEY, MAX_ATTRIBUTE_KEY_LENGTH
from carefront.customers.models import Customer
from carefront.customers.services import customer_lock_for_contact
from carefront.inboxes.models import Channel, Inbox

from .. import tokens
from ..contact import recently_asked, recently_asked_in, why_not_ask
from ..models import (
    CampaignStatus,
    InvitationStatus,
    NpsCampaign,
    NpsInvitation,
)
from .surveys import backoff

logger = logging.getLogger(__name__)

INVITE_BATCH = 500
SEND_BATCH = 50
# Batches one task run does before it re-enqueues itself, leaving the worker to other tasks.
BATCHES_PER_RUN = 5
STALE_SENDING_AFTER = dt.timedelta(minutes=10)
# A sending campaign that has not moved for this long lost its task: the flush runs it.
STALLED_AFTER = dt.timedelta(minutes=2)
MAX_CONTACTED_WITHIN_DAYS = 3650


def nps_window() -> dt.timedelta:
    return dt.timedelta(days=settings.CAREFRONT.get("NPS_WINDOW_DAYS", 30))


# The segment ------------------------------------------------------------------------------------


def is_sampled(*, seed: str, customer_id: int, percent: int) -> bool:
    """Whether the customer falls in a campaign's sample: a hash of the campaign's seed and the
    customer id, so the same customers every time, independent of each other and of order."""
    if percent >= 100:
        return True
    digest = hashlib.sha256(f"{seed}:{customer_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % 10_000 < percent * 100


def _attribute_values(raw: str) -> list[Any]:
    """What an attribute value typed in a form matches: the text itself, and the number or
    true/false it spells (attributes set through the API keep their JSON type)."""
    values: list[Any] = [raw]
    try:
        parsed = json.loads(raw)
    except ValueError:
        return values
    if isinstance(parsed, bool | int | float) and parsed != raw:
        values.append(parsed)
    return values


def nps_segment(*, campaign: NpsCampaign, now: dt.datetime | None = None) -> QuerySet[Customer]:
    """The customers the campaign's filters select (before opt-outs, throttle and sample)."""
    now = now or timezone.now()
    qs = Customer.objects.exclude(email="").filter(sender_unknown=False, is_internal=False)
    if campaign.segment_attribute:
        match = Q()
        for value in _attribute_values(campaign.segment_value):
            match |= Q(**{f"attributes__{campaign.segment_attribute}": value})
        qs = qs.filter(match)
    if campaign.segment_inbox_id or campaign.contacted_within_days:
        conversations = Conversation.objects.filter(customer=OuterRef("pk"))
        if campaign.segment_inbox_id:
            conversations = conversations.filter(inbox_id=campaign.segment_inbox_id)
        if campaign.contacted_within_days:
            since = now - dt.timedelta(days=campaign.contacted_within_days)
            conversations = conversations.filter(last_message_at__gte=since)
        qs = qs.filter(Exists(conversations))
    return qs


def _eligible(
    campaign: NpsCampaign, now: dt.datetime, *, whole_segment: bool = False
) -> QuerySet[Customer]:
    asked = recently_asked_in(now) if whole_segment else recently_asked(now)
    return (
        nps_segment(campaign=campaign, now=now)
        .filter(surveys_opted_out_at__isnull=True)
        .exclude(asked)
    )


def nps_campaign_preview(*, campaign: NpsCampaign, now: dt.datetime | None = None) -> dict:
    """How many customers the campaign would invite if sent now, and why the others not."""
    now = now or timezone.now()
    segment = nps_segment(campaign=campaign, now=now)
    in_segment = segment.count()
    opted_out = segment.filter(surveys_opted_out_at__isnull=False).count()
    eligible_ids = (
        _eligible(campaign, now, whole_segment=True).values_list("pk", flat=True).iterator()
    )
    eligible = sampled = 0
    for customer_id in eligible_ids:
        eligible += 1
        sampled += is_sampled(
            seed=campaign.sample_seed, customer_id=customer_id, percent=campaign.sample_percent
        )
    return {
        "segment": in_segment,
        "opted_out": opted_out,
        "recently_asked": in_segment - opted_out - eligible,
        "eligible": eligible,
        "sampled": sampled,
    }


# Creating and starting ---------------------------------------------------------------------------


def _clean_campaign(
    *,
    name: str,
    question: str,
    sender_inbox: Inbox,
    segment_attribute: str,
    segment_value: str,
    contacted_within_days: int | None,
    sample_percent: int,
) -> dict[str, Any]:
    name = " ".join((name or "").split())
    if not name:
        raise InvalidInput(_("Give the campaign a name."))
    if len(name) > 200:
        raise InvalidInput(_("A name is at most 200 characters."))
    question = " ".join((question or "").replace("\x00", "").split())
    if len(question) > 300:
        raise InvalidInput(_("The question is at most 300 characters."))
    if sender_inbox.channel != Channel.EMAIL or not sender_inbox.is_active:
        raise InvalidInput(_("NPS surveys are sent by email: choose an active email inbox."))
    segment_attribute = (segment_attribute or "").strip()
    segment_value = (segment_value or "").replace("\x00", "").strip()
    if segment_attribute and (
        len(segment_attribute) > MAX_ATTRIBUTE_KEY_LENGTH
        or not ATTRIBUTE_KEY.match(segment_attribute)
    ):
        raise InvalidInput(
            _("%(key)r is not a custom attribute name.") % {"key": segment_attribute}
        )
    if segment_value and not segment_attribute:
        raise InvalidInput(_("Name the custom attribute the value is for."))
    if segment_attribute and not segment_value:
        raise InvalidInput(_("Give the value the custom attribute must have."))
    if contacted_within_days is not None and not (
        1 <= contacted_within_days <= MAX_CONTACTED_WITHIN_DAYS
    ):
        raise InvalidInput(
            _("Last contact within: between 1 and %(n)s days.") % {"n": MAX_CONTACTED_WITHIN_DAYS}
        )
    if not 1 <= sample_percent <= 100:
        raise InvalidInput(_("The sample is between 1 and 100 percent."))
    return {
        "name": name,
        "question": question,
        "sender_inbox": sender_inbox,
        "segment_attribute": segment_attribute,
        "segment_value": segment_value,
        "contacted_within_days": contacted_within_days,
        "sample_percent": sample_percent,
    }


def nps_campaign_create(
    *,
    actor: Agent,
    name: str,
    sender_inbox: Inbox,
    question: str = "",
    segment_attribute: str = "",
    segment_value: str = "",
    segment_inbox: Inbox | None = None,
    contacted_within_days: int | None = None,
    sample_percent: int = 100,
) -> NpsCampaign:
    """A draft campaign (admins only): nothing is sent until `nps_campaign_start`."""
    require_admin(actor)
    clean = _clean_campaign(
        name=name,
        question=question,
        sender_inbox=sender_inbox,
        segment_attribute=segment_attribute,
        segment_value=segment_value,
        contacted_within_days=contacted_within_days,
        sample_percent=sample_percent,
    )
    return NpsCampaign.objects.create(**clean, segment_inbox=segment_inbox, created_by=actor)


def nps_campaign_update(
    *,
    actor: Agent,
    campaign: NpsCampaign,
    name: str,
    sender_inbox: Inbox,
    question: str = "",
    segment_attribute: str = "",
    segment_value: str = "",
    segment_inbox: Inbox | None = None,
    contacted_within_days: int | None = None,
    sample_percent: int = 100,
) -> NpsCampaign:
    """Change a draft; a campaign that was sent keeps what it was sent with."""
    require_admin(actor)
    clean = _clean_campaign(
        name=name,
        question=question,
        sender_inbox=sender_inbox,
        segment_attribute=segment_attribute,
        segment_value=segment_value,
        contacted_within_days=contacted_within_days,
        sample_percent=sample_percent,
    )
    with transaction.atomic():
        campaign = NpsCampaign.objects.select_for_update().get(pk=campaign.pk)
        if campaign.status != CampaignStatus.DRAFT:
            raise InvalidInput(_("This campaign was sent: it can no longer be changed."))
        for field, value in {**clean, "segment_inbox": segment_inbox}.items():
            setattr(campaign, field, value)
        campaign.save()
    return campaign


def nps_campaign_start(
    *, actor: Agent, campaign: NpsCampaign, now: dt.datetime | None = None
) -> NpsCampaign:
    """Send a draft: it becomes `sending`, and a task invites and emails its segment."""
    require_admin(actor)
    now = now or timezone.now()
    with transaction.atomic():
        campaign = NpsCampaign.objects.select_for_update().get(pk=campaign.pk)
        if campaign.status != CampaignStatus.DRAFT:
            raise InvalidInput(_("This campaign was already sent."))
        campaign.status = CampaignStatus.SENDING
        campaign.started_at = now
        campaign.progressed_at = now
        campaign.save(update_fields=["status", "started_at", "progressed_at", "updated_at"])
        campaign_id = campaign.pk
        transaction.on_commit(lambda: _enqueue_run(campaign_id, now, now=now))
    return campaign


# Inviting and sending ----------------------------------------------------------------------------


def nps_campaign_invite_batch(
    *, campaign_id: int, now: dt.datetime | None = None, batch_size: int = INVITE_BATCH
) -> int:
    """Invite the next `batch_size` customers of a sending campaign's segment (those sampled
    and allowed to be asked). One transaction: the invitations and the cursor commit together.
    Returns how many invitations were created."""
    now = now or timezone.now()
    with transaction.atomic():
        campaign = NpsCampaign.objects.select_for_update().filter(pk=campaign_id).first()
        if campaign is None or campaign.status != CampaignStatus.SENDING or campaign.segment_done:
            return 0
        ids = list(
            _eligible(campaign, now)
            .filter(pk__gt=campaign.invite_cursor)
            .order_by("pk")
            .values_list("pk", flat=True)[:batch_size]
        )
        chosen = [
            customer_id
            for customer_id in ids
            if is_sampled(
                seed=campaign.sample_seed, customer_id=customer_id, percent=campaign.sample_percent
            )
        ]
        rows = []
        for customer_id in chosen:
            salt = tokens.new_salt()
            rows.append(
                NpsInvitation(
                    campaign=campaign,
                    customer_id=customer_id,
                    token_salt=salt,
                    token_hash=tokens.token_hash(tokens.nps_token(salt)),
                )
            )
        # A rerun of a batch whose cursor was lost finds its invitations there already (and
        # the campaign's row lock keeps two runs from inserting at once).
        existing = NpsInvitation.objects.filter(campaign=campaign, customer_id__in=chosen).count()
        NpsInvitation.objects.bulk_create(rows, ignore_conflicts=True)
        if ids:
            campaign.invite_cursor = ids[-1]
        campaign.segment_done = len(ids) < batch_size
        campaign.progressed_at = now
        campaign.save(update_fields=["invite_cursor", "segment_done", "progressed_at"])
    return len(chosen) - existing


def nps_invitations_send_batch(
    *, campaign_id: int, now: dt.datetime | None = None, batch_size: int = SEND_BATCH
) -> int:
    """Email the campaign's next pending invitations that are due. Returns how many were tried."""
    now = now or timezone.now()
    due = list(
        NpsInvitation.objects.filter(campaign_id=campaign_id, status=InvitationStatus.PENDING)
        .filter(Q(send_after__isnull=True) | Q(send_after__lte=now))
        .order_by("pk")
        .values_list("pk", flat=True)[:batch_size]
    )
    for invitation_id in due:
        nps_invitation_send(invitation_id=invitation_id, now=now)
    if due:
        NpsCampaign.objects.filter(pk=campaign_id).update(progressed_at=now)
    return len(due)


def _finish_if_done(campaign_id: int, now: dt.datetime) -> bool:
    """Mark the campaign sent once its segment is walked and no invitation waits."""
    waiting = NpsInvitation.objects.filter(
        campaign_id=campaign_id,
        status__in=[InvitationStatus.PENDING, InvitationStatus.SENDING],
    )
    return bool(
        NpsCampaign.objects.filter(pk=campaign_id, status=CampaignStatus.SENDING, segment_done=True)
        .exclude(Exists(waiting))
        .update(status=CampaignStatus.SENT, finished_at=now, updated_at=now)
    )


def nps_campaign_run(
    *, campaign_id: int, now: dt.datetime | None = None, max_batches: int = BATCHES_PER_RUN
) -> dt.datetime | None:
    """Up to `max_batches` rounds of inviting and emailing. Returns when to run again (`now`
    when there is more to do at once), or None when the campaign is done or not sending."""
    now = now or timezone.now()
    for _round in range(max_batches):
        invited = nps_campaign_invite_batch(
            campaign_id=campaign_id, now=now, batch_size=INVITE_BATCH
        )
        sent = nps_invitations_send_batch(campaign_id=campaign_id, now=now, batch_size=SEND_BATCH)
        campaign = NpsCampaign.objects.filter(pk=campaign_id).only("status", "segment_done").first()
        if campaign is None or campaign.status != CampaignStatus.SENDING:
            return None
        if _finish_if_done(campaign_id, now):
            return None
        if campaign.segment_done and not invited and not sent:
            # Only retries (backoff) or sends in progress are left.
            retry = (
                NpsInvitation.objects.filter(
                    campaign_id=campaign_id,
                    status=InvitationStatus.PENDING,
                    send_after__gt=now,
                )
                .order_by("send_after")
                .values_list("send_after", flat=True)
                .first()
            )
            return retry or now + STALE_SENDING_AFTER
    return now


def _enqueue_run(campaign_id: int, when: dt.datetime, *, now: dt.datetime) -> None:
    from ..tasks import nps_campaign_run_task

    try:
        if when <= now:
            nps_campaign_run_task.enqueue(campaign_id)
        elif nps_campaign_run_task.get_backend().supports_defer:
            nps_campaign_run_task.using(run_after=when).enqueue(campaign_id)
    except Exception:
        # The campaign is saved as sending: the flush runs it when it sees it stalled.
        logger.exception("Could not enqueue NPS campaign %s", campaign_id)


def nps_campaign_run_and_continue(*, campaign_id: int) -> None:
    """What the task does: a bounded run, then the next one enqueued. Without a queue that
    defers (the immediate backend), it keeps going here until only waiting is left."""
    from ..tasks import nps_campaign_run_task

    defers = nps_campaign_run_task.get_backend().supports_defer
    while True:
        now = timezone.now()
        again = nps_campaign_run(campaign_id=campaign_id, now=now)
        if again is None:
            return
        if defers:
            _enqueue_run(campaign_id, again, now=now)
            return
        if again > now:
            return  # the flush continues it when due


def nps_invitation_send(*, invitation_id: int, now: dt.datetime | None = None) -> str:
    """Email one pending invitation, unless the customer may not be asked now (opted out, or
    asked within the throttle window: then it is skipped). Returns its status after."""
    from carefront.inboxes.email.outbound import PermanentDeliveryError, send_built_email

    from ..emails import build_nps_email

    now = now or timezone.now()
    with transaction.atomic():
        invitation = NpsInvitation.objects.select_for_update().filter(pk=invitation_id).first()
        if invitation is None:
            return "missing"
        if invitation.status != InvitationStatus.PENDING or (
            invitation.send_after is not None and invitation.send_after > now
        ):
            return invitation.status
        campaign = NpsCampaign.objects.select_related("sender_inbox").get(pk=invitation.campaign_id)
        # Held until commit: a CSAT survey for the same customer waits for this decision.
        customer = customer_lock_for_contact(customer_id=invitation.customer_id)
        if customer is None or not customer.email:
            reason = "the customer has no email address"
        else:
            reason = why_not_ask(customer=customer, now=now, invitation_id=invitation.pk)
        if reason:
            logger.info("NPS invitation %s skipped: %s", invitation.pk, reason)
            invitation.status = InvitationStatus.SKIPPED
            invitation.skip_reason = reason
            invitation.save(update_fields=["status", "skip_reason", "updated_at"])
            return invitation.status
        invitation.status = InvitationStatus.SENDING
        invitation.attempts += 1
        invitation.sending_since = now
        invitation.message_id = invitation.message_id or new_message_id()
        invitation.save(
            update_fields=["status", "attempts", "sending_since", "message_id", "updated_at"]
        )
    sent_at = None

    def accepted() -> None:
        # The relay's 250, recorded at once: a crash after this never sends it again.
        nonlocal sent_at
        sent_at = timezone.now()
        NpsInvitation.objects.filter(pk=invitation.pk, status=InvitationStatus.SENDING).update(
            status=InvitationStatus.SENT,
            sent_at=sent_at,
            expires_at=sent_at + nps_window(),
            last_error="",
            updated_at=sent_at,
        )

    try:
        send_built_email(
            build_nps_email(invitation=invitation, campaign=campaign, customer=customer),
            on_accepted=accepted,
        )
    except Exception as exc:
        if sent_at is None:
            return _record_failure(
                invitation=invitation,
                error=f"{type(exc).__name__}: {exc}",
                permanent=isinstance(exc, PermanentDeliveryError),
                now=now,
            )
        logger.exception("After NPS invitation %s was handed to the relay", invitation.pk)
    return InvitationStatus.SENT


def _record_failure(
    *, invitation: NpsInvitation, error: str, permanent: bool, now: dt.datetime
) -> str:
    logger.warning(
        "NPS invitation %s not sent (attempt %s): %s", invitation.pk, invitation.attempts, error
    )
    if permanent or invitation.attempts >= settings.CAREFRONT["OUTBOX_MAX_ATTEMPTS"]:
        NpsInvitation.objects.filter(pk=invitation.pk).update(
            status=InvitationStatus.FAILED, last_error=error, updated_at=timezone.now()
        )
        return InvitationStatus.FAILED
    NpsInvitation.objects.filter(pk=invitation.pk).update(
        status=InvitationStatus.PENDING,
        send_after=now + backoff(invitation.attempts),
        sending_since=None,
        last_error=error,
        updated_at=timezone.now(),
    )
    return InvitationStatus.PENDING


def nps_flush(*, now: dt.datetime | None = None) -> int:
    """Revive invitations whose sender died, and run sending campaigns that stopped moving
    (their task was lost, or the queue runs no deferred tasks). Safe to run any time; returns
    how many campaigns it ran."""
    now = now or timezone.now()
    NpsInvitation.objects.filter(
        status=InvitationStatus.SENDING, sending_since__lte=now - STALE_SENDING_AFTER
    ).update(status=InvitationStatus.PENDING, sending_since=None)
    stalled = list(
        NpsCampaign.objects.filter(status=CampaignStatus.SENDING)
        .filter(Q(progressed_at__isnull=True) | Q(progressed_at__lte=now - STALLED_AFTER))
        .values_list("pk", flat=True)
    )
    for campaign_id in stalled:
        nps_campaign_run(campaign_id=campaign_id, now=now)
    return len(stalled)
