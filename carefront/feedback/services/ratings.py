"""Recording the customer's rating from a survey link."""

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from carefront.conversations.models import EventKind
from carefront.conversations.services import conversation_timeline_add
from carefront.core.events import publish
from carefront.core.exceptions import InvalidInput, NotFound

from .. import events, tokens
from ..models import Rating, Score, Survey, SurveyStatus
from ..models.ratings import MAX_COMMENT_LENGTH


class SurveyClosed(InvalidInput):
    """The survey's links have expired: the rating can no longer be given or changed."""

    code = "survey_closed"


def survey_for_token(*, token: str, now: dt.datetime | None = None) -> Survey:
    """The sent survey behind a link's token. NotFound for a token that is malformed or
    unknown; SurveyClosed once the links have expired."""
    now = now or timezone.now()
    if not tokens.is_well_formed(token):
        raise NotFound(_("This rating link is not valid."))
    survey = (
        Survey.objects.select_related("conversation__inbox", "customer")
        .filter(token_hash=tokens.token_hash(token))
        .first()
    )
    if survey is None or survey.status != SurveyStatus.SENT:
        raise NotFound(_("This rating link is not valid."))
    if survey.expires_at is not None and survey.expires_at <= now:
        raise SurveyClosed(_("This rating link has expired."))
    return survey


def clean_comment(comment: str) -> str:
    comment = (comment or "").replace("\x00", "").replace("\r\n", "\n").strip()
    if len(comment) > MAX_COMMENT_LENGTH:
        raise InvalidInput(_("A comment is at most %(n)s characters.") % {"n": MAX_COMMENT_LENGTH})
    return comment


def rating_record(
    *, survey: Survey, score: str, comment: str = "", now: dt.datetime | None = None
) -> Rating:
    """The customer's rating for a survey: created, or changed (one rating per survey) while
    the links work. Writes a timeline row and publishes `RatingReceived` when anything
    changed; sending the same answer twice changes nothing."""
    now = now or timezone.now()
    if score not in Score.values:
        raise InvalidInput(_("Choose great, okay or not good."))
    comment = clean_comment(comment)
    with transaction.atomic():
        survey = Survey.objects.select_for_update().get(pk=survey.pk)
        if survey.status != SurveyStatus.SENT:
            raise NotFound(_("This rating link is not valid."))
        if survey.expires_at is not None and survey.expires_at <= now:
            raise SurveyClosed(_("This rating link has expired."))
        rating = Rating.objects.filter(survey=survey).first()
        previous = None
        if rating is None:
            rating = Rating.objects.create(
                survey=survey,
                conversation_id=survey.conversation_id,
                customer_id=survey.customer_id,
                agent_id=survey.agent_id,
                score=score,
                comment=comment,
            )
        elif rating.score == score and rating.comment == comment:
            return rating
        else:
            previous = rating.score
            rating.score = score
            rating.comment = comment
            rating.save(update_fields=["score", "comment", "updated_at"])
        conversation_timeline_add(
            conversation_id=rating.conversation_id,
            kind=EventKind.RATED,
            rating=rating.pk,
            score=score,
            comment=comment,
            previous=previous,
        )
        publish(
            events.RatingReceived(
                rating_id=rating.pk,
                conversation_id=rating.conversation_id,
                score=score,
                previous_score=previous,
            )
        )
    return rating
