"""Recording a customer's NPS answer from the link in their invitation. Apart from the
campaign services because every message here reaches the customer (translated: carefront/locale)."""

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from carefront.core.events import publish
from carefront.core.exceptions import InvalidInput, NotFound

from .. import events, tokens
from ..models import InvitationStatus, NpsInvitation, NpsResponse
from ..models.nps import MAX_NPS_SCORE, month_start, week_start
from .ratings import SurveyClosed, clean_comment


def nps_invitation_for_token(*, token: str, now: dt.datetime | None = None) -> NpsInvitation:
    """The sent invitation behind a link's token. NotFound for a token that is malformed or
    unknown (a CSAT survey's token included); SurveyClosed once the link has expired."""
    now = now or timezone.now()
    if not tokens.is_well_formed(token):
        raise NotFound(_("This survey link is not valid."))
    invitation = (
        NpsInvitation.objects.select_related("campaign__sender_inbox", "customer")
        .filter(token_hash=tokens.token_hash(token))
        .first()
    )
    if invitation is None or invitation.status != InvitationStatus.SENT:
        raise NotFound(_("This survey link is not valid."))
    if invitation.expires_at is not None and invitation.expires_at <= now:
        raise SurveyClosed(_("This survey link has expired."))
    return invitation


def _clean_score(score: Any) -> int:
    if isinstance(score, str) and score.strip().isdigit():
        score = int(score.strip())
    if isinstance(score, bool) or not isinstance(score, int) or not 0 <= score <= MAX_NPS_SCORE:
        raise InvalidInput(_("Choose a score from 0 to 10."))
    return score


def nps_answer_record(
    *,
    invitation: NpsInvitation,
    score: int | str,
    comment: str = "",
    now: dt.datetime | None = None,
) -> NpsResponse:
    """The customer's answer to their invitation: created, or changed (one per invitation)
    while the link works. Publishes `NpsAnswered` when anything changed."""
    now = now or timezone.now()
    score = _clean_score(score)
    comment = clean_comment(comment)
    with transaction.atomic():
        invitation = NpsInvitation.objects.select_for_update().get(pk=invitation.pk)
        if invitation.status != InvitationStatus.SENT:
            raise NotFound(_("This survey link is not valid."))
        if invitation.expires_at is not None and invitation.expires_at <= now:
            raise SurveyClosed(_("This survey link has expired."))
        response = NpsResponse.objects.filter(invitation=invitation).first()
        previous = None
        if response is None:
            response = NpsResponse.objects.create(
                invitation=invitation,
                campaign_id=invitation.campaign_id,
                customer_id=invitation.customer_id,
                score=score,
                comment=comment,
                answered_at=now,
                answered_week=week_start(now),
                answered_month=month_start(now),
                updated_at=now,
            )
        elif response.score == score and response.comment == comment:
            return response
        else:
            previous = response.score
            response.score = score
            response.comment = comment
            response.updated_at = now
            response.save(update_fields=["score", "comment", "updated_at"])
        publish(
            events.NpsAnswered(
                response_id=response.pk,
                campaign_id=response.campaign_id,
                customer_id=response.customer_id,
                score=score,
                comment=comment,
                previous_score=previous,
            )
        )
    return response
