"""Reviews against a scorecard: prefilled from auto-QA marks, scored and totalled, answered or
disputed by the reviewed agent, the dispute resolved by a lead; calibration sessions."""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from carefront.accounts.models import Agent
from carefront.accounts.services.permissions import require_lead_or_admin
from carefront.conversations.models import Conversation, Direction, Message
from carefront.core.events import publish
from carefront.core.exceptions import Conflict, InvalidInput, PermissionDenied

from .. import events, selectors
from ..behaviours import Outcome
from ..models import (
    CalibrationSession,
    Review,
    ReviewScore,
    ReviewState,
    ScorecardVersion,
)
from ..models.reviews import MAX_COMMENT_LENGTH, MAX_NAME_LENGTH

MAX_CALIBRATION_REVIEWERS = 20


@dataclass(frozen=True, slots=True)
class ScoreIn:
    category_id: int
    value: int | None  # None: not applicable
    comment: str = ""


@dataclass(frozen=True, slots=True)
class Prefill:
    """What auto-QA suggests for a category: a score (None: nothing to go on) and why."""

    value: int | None
    evidence: str


def _clean_text(text: str, *, what: str) -> str:
    text = (text or "").replace("\x00", "").replace("\r\n", "\n").strip()
    if len(text) > MAX_COMMENT_LENGTH:
        raise InvalidInput(
            _("%(what)s is at most %(n)s characters.") % {"what": what, "n": MAX_COMMENT_LENGTH}
        )
    return text


def review_prefill(
    *, version: ScorecardVersion, conversation_id: int, agent_id: int
) -> dict[int, Prefill]:
    """Suggested scores from the auto-QA marks of the agent's replies in the conversation, for
    each category mapped to a behaviour: a miss on any reply suggests the lowest score, passes
    only the highest; "not applicable" and "not checked" suggest nothing. The reviewer decides."""
    categories = [c for c in version.categories.all() if c.behaviour]
    if not categories:
        return {}
    marks_by_message = selectors.reply_marks_for_conversation(conversation_id)
    if not marks_by_message:
        return {}
    own = set(
        Message.objects.filter(
            conversation_id=conversation_id,
            direction=Direction.OUTGOING,
            author_id=agent_id,
            pk__in=list(marks_by_message),
        ).values_list("pk", flat=True)
    )
    prefill: dict[int, Prefill] = {}
    for category in categories:
        found = [
            mark
            for message_id in sorted(own)
            for mark in marks_by_message[message_id]
            if mark.behaviour == category.behaviour
        ]
        judged = [m for m in found if m.outcome in {Outcome.PASSED, Outcome.MISSED}]
        if not judged:
            continue
        missed = [m for m in judged if m.outcome == Outcome.MISSED]
        value = version.low if missed else version.high
        evidence = "; ".join(
            dict.fromkeys(m.evidence or m.hint for m in (missed or judged) if m.evidence or m.hint)
        )
        label = _("missed on %(n)s of %(total)s replies") % {
            "n": len(missed),
            "total": len(judged),
        }
        prefill[category.pk] = Prefill(value=value, evidence=f"{label}: {evidence}"[:1000])
    return prefill


def review_total(
    *, version: ScorecardVersion, values: dict[int, int | None]
) -> tuple[Decimal | None, bool]:
    """The weighted score in percent over the categories scored (None when none was), and
    whether the review failed (a critical category scored lowest)."""
    low, high = version.low, version.high
    weighted = weights = 0.0
    failed = False
    for category in version.categories.all():
        value = values.get(category.pk)
        if value is None:
            continue
        weighted += category.weight * (value - low) / (high - low)
        weights += category.weight
        if category.is_critical and value == low:
            failed = True
    if not weights:
        return None, failed
    return Decimal(round(100 * weighted / weights, 1)).quantize(Decimal("0.1")), failed


def _clean_scores(version: ScorecardVersion, scores: list[ScoreIn]) -> dict[int, ScoreIn]:
    categories = {c.pk: c for c in version.categories.all()}
    by_category: dict[int, ScoreIn] = {}
    for score in scores:
        if score.category_id not in categories:
            raise InvalidInput(_("A score is for a category this scorecard does not have."))
        if score.category_id in by_category:
            raise InvalidInput(_("A category was scored twice."))
        if score.value is not None and not (version.low <= score.value <= version.high):
            raise InvalidInput(
                _("Score %(name)s from %(low)s to %(high)s, or leave it not applicable.")
                % {
                    "name": categories[score.category_id].name,
                    "low": version.low,
                    "high": version.high,
                }
            )
        by_category[score.category_id] = ScoreIn(
            category_id=score.category_id,
            value=score.value,
            comment=_clean_text(score.comment, what=_("A comment")),
        )
    return by_category


def _check_may_review(*, actor: Agent, agent: Agent, conversation: Conversation) -> None:
    require_lead_or_admin(actor)
    if agent.pk == actor.pk:
        raise PermissionDenied(_("Nobody reviews their own conversations."))
    if not selectors.may_lead(actor=actor, agent_id=agent.pk):
        raise PermissionDenied(_("You may review only the agents of your teams."))
    took_part = (
        conversation.assignee_id == agent.pk
        or Message.objects.filter(
            conversation=conversation, direction=Direction.OUTGOING, author=agent
        ).exists()
    )
    if not took_part:
        raise InvalidInput(
            _("%(name)s did not reply in or own this conversation.") % {"name": agent.name}
        )


def review_create(
    *,
    actor: Agent,
    conversation: Conversation,
    agent: Agent,
    version: ScorecardVersion,
    scores: list[ScoreIn],
    comment: str = "",
    calibration: CalibrationSession | None = None,
) -> Review:
    """Score an agent's work in a conversation against a scorecard version. Categories not
    scored are "not applicable". Outside calibration the agent is told (a notification) and
    `ReviewCreated` is published; a calibration review stays between the reviewers."""
    comment = _clean_text(comment, what=_("A comment"))
    if calibration is not None:
        if calibration.version_id != version.pk or calibration.conversation_id != conversation.pk:
            raise InvalidInput(_("A calibration review uses the session's scorecard."))
        if not calibration.reviewers.filter(pk=actor.pk).exists():
            raise PermissionDenied(_("You are not a reviewer of this calibration session."))
    else:
        _check_may_review(actor=actor, agent=agent, conversation=conversation)
    cleaned = _clean_scores(version, scores)
    prefill = review_prefill(version=version, conversation_id=conversation.pk, agent_id=agent.pk)
    total, failed = review_total(version=version, values={pk: s.value for pk, s in cleaned.items()})
    try:
        with transaction.atomic():
            review = Review.objects.create(
                conversation=conversation,
                agent=agent,
                reviewer=actor,
                version=version,
                calibration=calibration,
                score=total,
                failed=failed,
                comment=comment,
            )
            ReviewScore.objects.bulk_create(
                ReviewScore(
                    review=review,
                    category=category,
                    value=cleaned[category.pk].value if category.pk in cleaned else None,
                    comment=cleaned[category.pk].comment if category.pk in cleaned else "",
                    prefill=prefill[category.pk].evidence if category.pk in prefill else "",
                )
                for category in version.categories.all()
            )
            if calibration is None:
                _notify(
                    recipient=agent,
                    kind="review_received",
                    review=review,
                    reviewer_name=actor.name,
                )
                publish(
                    events.ReviewCreated(
                        review_id=review.pk,
                        conversation_id=conversation.pk,
                        agent_id=agent.pk,
                        reviewer_id=actor.pk,
                    )
                )
    except IntegrityError as exc:
        raise Conflict(_("You have already reviewed this conversation for this agent.")) from exc
    return review


def _notify(*, recipient: Agent | None, kind: str, review: Review, **params: object) -> None:
    from carefront.notifications.services import notification_create

    if recipient is None:
        return
    notification_create(
        recipient=recipient,
        kind=kind,
        conversation_id=review.conversation_id,
        dedupe_key=f"{kind}:{review.pk}",
        review_id=review.pk,
        **params,
    )


def review_reply(
    *, actor: Agent, review: Review, text: str, now: dt.datetime | None = None
) -> Review:
    """The reviewed agent's answer to a review (thanks, context): shown under it."""
    text = _clean_text(text, what=_("An answer"))
    if not text:
        raise InvalidInput(_("Write an answer."))
    with transaction.atomic():
        review = Review.objects.select_for_update().get(pk=review.pk)
        if review.agent_id != actor.pk or review.is_calibration:
            raise PermissionDenied(_("Only the agent reviewed may answer a review."))
        review.agent_reply = text
        review.agent_replied_at = now or timezone.now()
        review.save(update_fields=["agent_reply", "agent_replied_at"])
    return review


def review_dispute(
    *, actor: Agent, review: Review, reason: str, now: dt.datetime | None = None
) -> Review:
    """The reviewed agent disputes a review, saying why; the reviewer is told. Once."""
    reason = _clean_text(reason, what=_("A dispute"))
    if not reason:
        raise InvalidInput(_("Say what you disagree with."))
    with transaction.atomic():
        review = Review.objects.select_for_update().get(pk=review.pk)
        if review.agent_id != actor.pk or review.is_calibration:
            raise PermissionDenied(_("Only the agent reviewed may dispute a review."))
        if review.state != ReviewState.SUBMITTED:
            raise InvalidInput(_("This review was already disputed."))
        review.state = ReviewState.DISPUTED
        review.dispute_reason = reason
        review.disputed_at = now or timezone.now()
        review.save(update_fields=["state", "dispute_reason", "disputed_at"])
        reviewer = Agent.objects.filter(pk=review.reviewer_id, is_active=True).first()
        _notify(recipient=reviewer, kind="review_disputed", review=review, agent_name=actor.name)
        publish(events.ReviewDisputed(review_id=review.pk, agent_id=review.agent_id))
    return review


def review_resolve(
    *,
    actor: Agent,
    review: Review,
    accept: bool,
    resolution: str = "",
    scores: list[ScoreIn] | None = None,
    now: dt.datetime | None = None,
) -> Review:
    """A lead of the agent (or an admin) accepts the dispute (with revised scores, when given)
    or rejects it, saying why. The agent is told."""
    require_lead_or_admin(actor)
    resolution = _clean_text(resolution, what=_("A resolution"))
    if not accept and not resolution:
        raise InvalidInput(_("Say why the dispute is rejected."))
    with transaction.atomic():
        review = Review.objects.select_for_update().select_related("version").get(pk=review.pk)
        if review.agent_id == actor.pk or not selectors.may_lead(
            actor=actor, agent_id=review.agent_id
        ):
            raise PermissionDenied(_("Only a lead of the agent may resolve this dispute."))
        if review.state != ReviewState.DISPUTED:
            raise InvalidInput(_("This review is not disputed."))
        update = ["state", "resolution", "resolved_by", "resolved_at"]
        if accept and scores:
            cleaned = _clean_scores(review.version, scores)
            rows = {s.category_id: s for s in review.scores.all()}
            for category_id, score in cleaned.items():
                row = rows[category_id]
                row.value = score.value
                row.comment = score.comment or row.comment
            ReviewScore.objects.bulk_update(list(rows.values()), ["value", "comment"])
            review.score, review.failed = review_total(
                version=review.version, values={pk: r.value for pk, r in rows.items()}
            )
            update += ["score", "failed"]
        review.state = ReviewState.DISPUTE_ACCEPTED if accept else ReviewState.DISPUTE_REJECTED
        review.resolution = resolution
        review.resolved_by = actor
        review.resolved_at = now or timezone.now()
        review.save(update_fields=update)
        agent = Agent.objects.filter(pk=review.agent_id).first()
        _notify(recipient=agent, kind="review_dispute_resolved", review=review)
        publish(events.ReviewDisputeResolved(review_id=review.pk, state=review.state))
    return review


# Calibration --------------------------------------------------------------------------------


def calibration_create(
    *,
    actor: Agent,
    conversation: Conversation,
    version: ScorecardVersion,
    reviewers: list[Agent],
    name: str = "",
) -> CalibrationSession:
    """Ask several leads (or admins) to score the same conversation. Leads and admins only;
    the reviewers must be active leads or admins."""
    require_lead_or_admin(actor)
    name = (name or "").replace("\x00", "").strip()[:MAX_NAME_LENGTH]
    reviewers = list({r.pk: r for r in reviewers}.values())
    if len(reviewers) < 2:
        raise InvalidInput(_("A calibration session needs at least two reviewers."))
    if len(reviewers) > MAX_CALIBRATION_REVIEWERS:
        raise InvalidInput(
            _("A calibration session has at most %(n)s reviewers.")
            % {"n": MAX_CALIBRATION_REVIEWERS}
        )
    for reviewer in reviewers:
        if not reviewer.is_active or not reviewer.sees_all_inboxes:
            raise InvalidInput(
                _("%(name)s is not an active lead or admin.") % {"name": reviewer.name}
            )
    with transaction.atomic():
        session = CalibrationSession.objects.create(
            conversation=conversation, version=version, name=name, created_by=actor
        )
        session.reviewers.set(reviewers)
    return session
