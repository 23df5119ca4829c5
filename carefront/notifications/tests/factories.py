"""Build notifications the way production does: through the services and the SLA events."""

import datetime as dt
import itertools

from django.test import TestCase
from django.utils import timezone

from carefront.core.events import publish
from carefront.sla.events import SlaTargetAtRisk, SlaTargetBreached

_target_ids = itertools.count(1000)


def after_commit():
    """Run the after-commit callbacks (tasks, events) inside the test's transaction."""
    return TestCase.captureOnCommitCallbacks(execute=True)


def later(minutes: float) -> dt.datetime:
    return timezone.now() + dt.timedelta(minutes=minutes)


def sla_at_risk(conversation, *, target_id: int | None = None, notify: bool = True, **extra):
    event = SlaTargetAtRisk(
        target_id=target_id or next(_target_ids),
        conversation_id=conversation.pk,
        kind=extra.pop("kind", "first_reply"),
        due_at=extra.pop("due_at", later(30)),
        policy_id=None,
        notify=notify,
    )
    with after_commit():
        publish(event)
    return event


def sla_breached(conversation, *, target_id: int | None = None, notify: bool = True, **extra):
    event = SlaTargetBreached(
        target_id=target_id or next(_target_ids),
        conversation_id=conversation.pk,
        kind=extra.pop("kind", "first_reply"),
        due_at=extra.pop("due_at", timezone.now()),
        policy_id=None,
        notify=notify,
    )
    with after_commit():
        publish(event)
    return event
