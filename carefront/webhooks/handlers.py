"""Subscribers to the domain events: each turns one event into webhook deliveries.

Registered in `WebhooksConfig.ready()`, inside the publishing transaction (`in_transaction`): the
delivery rows commit together with the change they report, so a process that dies right after
the commit loses no event (the flush sends rows whose task was never queued). They write
delivery rows, enqueue tasks after commit, and never make the HTTP call themselves.
"""

from carefront.automation import events as automation_events
from carefront.conversations import events as conversation_events
from carefront.core.events import subscribe
from carefront.customers import events as customer_events
from carefront.feedback import events as feedback_events
from carefront.knowledge import events as knowledge_events
from carefront.quality import events as quality_events
from carefront.sla import events as sla_events

from . import catalogue, payloads
from .services import webhook_event_record


def _conversation(conversation_id: int):
    def build() -> dict | None:
        conversation = payloads.conversation_for_payload(conversation_id)
        return None if conversation is None else payloads.conversation_data(conversation)

    return build


def _message(message_id: int):
    def build() -> dict | None:
        message = payloads.message_for_payload(message_id)
        if message is None:
            return None
        return payloads.message_data(message, message.conversation)

    return build


def _customer(customer_id: int):
    def build() -> dict | None:
        customer = payloads.customer_for_payload(customer_id)
        return None if customer is None else payloads.customer_data(customer)

    return build


def on_conversation_created(event: conversation_events.ConversationCreated) -> None:
    webhook_event_record(
        event_type=catalogue.CONVERSATION_CREATED, build=_conversation(event.conversation_id)
    )


def on_conversation_assigned(event: conversation_events.ConversationAssigned) -> None:
    webhook_event_record(
        event_type=catalogue.CONVERSATION_ASSIGNED, build=_conversation(event.conversation_id)
    )


def on_conversation_status_changed(event: conversation_events.ConversationStatusChanged) -> None:
    webhook_event_record(
        event_type=catalogue.CONVERSATION_STATUS_CHANGED,
        build=_conversation(event.conversation_id),
        extra={"changes": {"status": {"from": event.old_status, "to": event.new_status}}},
    )


def on_conversation_priority_changed(
    event: conversation_events.ConversationPriorityChanged,
) -> None:
    webhook_event_record(
        event_type=catalogue.CONVERSATION_PRIORITY_CHANGED,
        build=_conversation(event.conversation_id),
        extra={"changes": {"priority": {"from": event.old_priority, "to": event.new_priority}}},
    )


def on_message(
    event: conversation_events.MessageReceived
    | conversation_events.MessageSent
    | conversation_events.NoteAdded,
) -> None:
    webhook_event_record(event_type=catalogue.MESSAGE_CREATED, build=_message(event.message_id))


def on_customer_created(event: customer_events.CustomerCreated) -> None:
    webhook_event_record(event_type=catalogue.CUSTOMER_CREATED, build=_customer(event.customer_id))


def on_customer_updated(event: customer_events.CustomerUpdated) -> None:
    webhook_event_record(
        event_type=catalogue.CUSTOMER_UPDATED,
        build=_customer(event.customer_id),
        extra={"changes": {"fields": list(event.fields)}},
    )


def _rating(rating_id: int):
    def build() -> dict | None:
        rating = payloads.rating_for_payload(rating_id)
        return None if rating is None else payloads.rating_data(rating)

    return build


def on_rating_received(event: feedback_events.RatingReceived) -> None:
    extra = None
    if event.previous_score is not None:
        extra = {"changes": {"score": {"from": event.previous_score, "to": event.score}}}
    webhook_event_record(
        event_type=catalogue.RATING_RECEIVED, build=_rating(event.rating_id), extra=extra
    )


def _nps_response(response_id: int):
    def build() -> dict | None:
        response = payloads.nps_response_for_payload(response_id)
        return None if response is None else payloads.nps_response_data(response)

    return build


def _recovery(task_id: int):
    def build() -> dict | None:
        task = payloads.recovery_for_payload(task_id)
        return None if task is None else payloads.recovery_data(task)

    return build


def _sla_target(target_id: int):
    def build() -> dict | None:
        from django.utils import timezone

        target = payloads.sla_target_for_payload(target_id)
        return None if target is None else payloads.sla_target_data(target, timezone.now())

    return build


def on_nps_answered(event: feedback_events.NpsAnswered) -> None:
    extra = None
    if event.previous_score is not None:
        extra = {"changes": {"score": {"from": event.previous_score, "to": event.score}}}
    webhook_event_record(
        event_type=catalogue.NPS_ANSWERED, build=_nps_response(event.response_id), extra=extra
    )


def on_sla_at_risk(event: sla_events.SlaTargetAtRisk) -> None:
    webhook_event_record(event_type=catalogue.SLA_AT_RISK, build=_sla_target(event.target_id))


def on_sla_breached(event: sla_events.SlaTargetBreached) -> None:
    webhook_event_record(event_type=catalogue.SLA_BREACHED, build=_sla_target(event.target_id))


def on_sla_met(event: sla_events.SlaTargetMet) -> None:
    webhook_event_record(event_type=catalogue.SLA_MET, build=_sla_target(event.target_id))


def on_recovery_opened(event: feedback_events.RecoveryOpened) -> None:
    webhook_event_record(
        event_type=catalogue.RECOVERY_OPENED, build=_recovery(event.recovery_task_id)
    )


def on_recovery_closed(event: feedback_events.RecoveryClosed) -> None:
    webhook_event_record(
        event_type=catalogue.RECOVERY_CLOSED, build=_recovery(event.recovery_task_id)
    )


def _qa_marks(message_id: int):
    def build() -> dict | None:
        from carefront.quality.representations import reply_marks_payload

        return reply_marks_payload(message_id)

    return build


def on_qa_reply_checked(event: quality_events.ReplyChecked) -> None:
    webhook_event_record(event_type=catalogue.QA_REPLY_CHECKED, build=_qa_marks(event.message_id))


def _review(review_id: int):
    def build() -> dict | None:
        from carefront.quality.models import Review
        from carefront.quality.representations import review_data

        review = (
            Review.objects.select_related("agent", "reviewer", "version__scorecard")
            .filter(pk=review_id)
            .first()
        )
        if review is None:
            return None
        return review_data(review, list(review.scores.select_related("category")))

    return build


def on_review_created(event: quality_events.ReviewCreated) -> None:
    webhook_event_record(event_type=catalogue.REVIEW_CREATED, build=_review(event.review_id))


def on_review_disputed(event: quality_events.ReviewDisputed) -> None:
    webhook_event_record(event_type=catalogue.REVIEW_DISPUTED, build=_review(event.review_id))


def _article(article_id: int):
    def build() -> dict | None:
        from carefront.knowledge.models import Article

        article = Article.objects.filter(pk=article_id).first()
        if article is None:
            return None
        return {
            "id": article.pk,
            "title": article.title,
            "language": article.language,
            "visibility": article.visibility,
            "status": article.status,
            "revision": article.revision,
            "url": article.get_absolute_url(),
            "category_id": article.category_id,
            "source_id": article.source_id,
            "published_at": article.published_at,
        }

    return build


def on_article_published(event: knowledge_events.ArticlePublished) -> None:
    webhook_event_record(event_type=catalogue.ARTICLE_PUBLISHED, build=_article(event.article_id))


def on_improvement_shipped(event: feedback_events.ImprovementShipped) -> None:
    def build() -> dict | None:
        improvement = payloads.improvement_for_payload(event.improvement_id)
        return None if improvement is None else payloads.improvement_data(improvement)

    webhook_event_record(event_type=catalogue.IMPROVEMENT_SHIPPED, build=build)


def on_rule_changed(event: automation_events.RuleChanged) -> None:
    def build() -> dict | None:
        change = payloads.rule_change_for_payload(event.change_id)
        return None if change is None else payloads.rule_change_data(change)

    webhook_event_record(
        event_type=catalogue.RULE_CHANGED, build=build, extra={"action": event.action}
    )


def connect() -> None:
    for event_type, handler in (
        (conversation_events.ConversationCreated, on_conversation_created),
        (conversation_events.ConversationAssigned, on_conversation_assigned),
        (conversation_events.ConversationStatusChanged, on_conversation_status_changed),
        (conversation_events.ConversationPriorityChanged, on_conversation_priority_changed),
        (conversation_events.MessageReceived, on_message),
        (conversation_events.MessageSent, on_message),
        (conversation_events.NoteAdded, on_message),
        (customer_events.CustomerCreated, on_customer_created),
        (customer_events.CustomerUpdated, on_customer_updated),
        (feedback_events.RatingReceived, on_rating_received),
        (feedback_events.NpsAnswered, on_nps_answered),
        (sla_events.SlaTargetAtRisk, on_sla_at_risk),
        (sla_events.SlaTargetBreached, on_sla_breached),
        (sla_events.SlaTargetMet, on_sla_met),
        (feedback_events.RecoveryOpened, on_recovery_opened),
        (feedback_events.RecoveryClosed, on_recovery_closed),
        (quality_events.ReplyChecked, on_qa_reply_checked),
        (quality_events.ReviewCreated, on_review_created),
        (quality_events.ReviewDisputed, on_review_disputed),
        (knowledge_events.ArticlePublished, on_article_published),
        (feedback_events.ImprovementShipped, on_improvement_shipped),
        (automation_events.RuleChanged, on_rule_changed),
    ):
        subscribe(event_type, handler, in_transaction=True)
