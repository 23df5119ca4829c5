"""Writes of the webhooks app: managing subscriptions, recording events, delivering them."""

import datetime as dt
import json
import logging
import random
import time
import uuid
from collections.abc import Callable

from django.conf import settings
from django.core.mail import EmailMessage
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from carefront.accounts.models import Agent, Role
from carefront.accounts.services.permissions import require_admin
from carefront.core.exceptions import InvalidInput

from . import catalogue, transport
from .models import (
    DeliveryStatus,
    SubscriptionState,
    WebhookDelivery,
    WebhookSubscription,
    new_webhook_secret,
)
from .signing import SIGNATURE_HEADER, signature_header

logger = logging.getLogger(__name__)

USER_AGENT = "Carefront-Webhooks/1"
MAX_DESCRIPTION_LENGTH = 200
BACKOFF_BASE_SECONDS = 60
BACKOFF_FACTOR = 4
BACKOFF_MAX_SECONDS = 8 * 3600
BACKOFF_JITTER = 0.1
# An attempt holds its delivery this long; a worker that dies mid-attempt leaves it to the flush.
ATTEMPT_LEASE = dt.timedelta(minutes=5)
# With a queue that runs deferred tasks, retries are tasks; the flush only picks up those that
# are this late (their task was lost), so it does not race them.
FLUSH_GRACE_WITH_QUEUE = dt.timedelta(minutes=2)
FLUSH_BATCH = 100
ROLL_OVERLAP = dt.timedelta(hours=24)
PRUNE_BATCH = 1000


def _setting(name: str, default):
    return getattr(settings, f"CAREFRONT_WEBHOOKS_{name}", default)


def max_attempts() -> int:
    return int(_setting("MAX_ATTEMPTS", 8))


def pause_after_failures() -> int:
    return int(_setting("PAUSE_AFTER_FAILURES", 10))


def backoff(attempts: int) -> dt.timedelta:
    """The wait after the `attempts`-th failed attempt: 1 min, 4, 16, 64, 256, then 8 h (+0-10%)."""
    base = min(BACKOFF_BASE_SECONDS * BACKOFF_FACTOR ** max(attempts - 1, 0), BACKOFF_MAX_SECONDS)
    return dt.timedelta(seconds=base * (1 + random.random() * BACKOFF_JITTER))  # noqa: S311


# Which subscriptions are active, cached per process ------------------------------------------
# Every message received publishes up to three events; asking the database each time whether
# anyone subscribes cost about a third of the ingest CPU (bench/ingest.py). The list is kept for
# CAREFRONT_WEBHOOKS_SUBSCRIPTION_CACHE_SECONDS: this process forgets it as soon as it changes a
# subscription, other processes (scale-out) see the change within that time.

_active_cache: tuple[float, list[tuple[int, tuple[str, ...]]]] | None = None


def _active_subscriptions(*, fresh: bool = False) -> list[tuple[int, tuple[str, ...]]]:
    global _active_cache
    ttl = float(_setting("SUBSCRIPTION_CACHE_SECONDS", 10))
    now = time.monotonic()
    cached = _active_cache
    if not fresh and ttl > 0 and cached is not None and cached[0] > now:
        return cached[1]
    rows = [
        (pk, tuple(event_types))
        for pk, event_types in WebhookSubscription.objects.filter(
            state=SubscriptionState.ACTIVE
        ).values_list("pk", "event_types")
    ]
    _active_cache = (now + ttl, rows)
    return rows


def _subscriptions_changed() -> None:
    """Forget the cached list now, and again after commit (a reader in between may have cached
    the old rows)."""
    global _active_cache
    _active_cache = None

    def forget() -> None:
        global _active_cache
        _active_cache = None

    transaction.on_commit(forget)


# Managing subscriptions ---------------------------------------------------------------------


def _clean(*, url: str, event_types: list[str], description: str) -> tuple[str, list[str], str]:
    url = transport.url_check(url)
    description = " ".join((description or "").split())
    if len(description) > MAX_DESCRIPTION_LENGTH:
        raise InvalidInput(
            _("A description is at most %(n)s characters.") % {"n": MAX_DESCRIPTION_LENGTH}
        )
    unknown = [name for name in event_types if name not in catalogue.EVENT_TYPES]
    if unknown:
        raise InvalidInput(_("Unknown event: %(name)s.") % {"name": ", ".join(unknown)})
    chosen = [name for name in catalogue.EVENT_TYPES if name in set(event_types)]
    if not chosen:
        raise InvalidInput(_("Choose at least one event."))
    return url, chosen, description


def webhook_subscription_create(
    *, actor: Agent, url: str, event_types: list[str], description: str = ""
) -> WebhookSubscription:
    require_admin(actor)
    url, event_types, description = _clean(
        url=url, event_types=event_types, description=description
    )
    subscription = WebhookSubscription.objects.create(
        url=url, event_types=event_types, description=description, created_by=actor
    )
    _subscriptions_changed()
    return subscription


def webhook_subscription_update(
    *,
    actor: Agent,
    subscription: WebhookSubscription,
    url: str,
    event_types: list[str],
    description: str = "",
) -> WebhookSubscription:
    require_admin(actor)
    url, event_types, description = _clean(
        url=url, event_types=event_types, description=description
    )
    subscription.url = url
    subscription.event_types = event_types
    subscription.description = description
    subscription.save(update_fields=["url", "event_types", "description", "updated_at"])
    _subscriptions_changed()
    return subscription


def webhook_subscription_delete(*, actor: Agent, subscription: WebhookSubscription) -> None:
    """Delete the subscription and its delivery history."""
    require_admin(actor)
    subscription.delete()
    _subscriptions_changed()


def webhook_subscription_roll_secret(
    *, actor: Agent, subscription: WebhookSubscription, expire_previous_now: bool = False
) -> WebhookSubscription:
    """A new signing secret. Requests are signed with the old one too for 24 hours (a second
    `v1=`), so the receiver can switch without refusing events; unless it leaked:
    `expire_previous_now`."""
    require_admin(actor)
    now = timezone.now()
    subscription.previous_secret = "" if expire_previous_now else subscription.secret
    subscription.previous_secret_expires_at = None if expire_previous_now else now + ROLL_OVERLAP
    subscription.secret = new_webhook_secret()
    subscription.save(
        update_fields=["secret", "previous_secret", "previous_secret_expires_at", "updated_at"]
    )
    return subscription


def webhook_subscription_pause(
    *, actor: Agent, subscription: WebhookSubscription
) -> WebhookSubscription:
    require_admin(actor)
    if subscription.state == SubscriptionState.PAUSED:
        return subscription
    _pause(subscription, reason=_("Paused by %(name)s.") % {"name": actor.name or actor.email})
    subscription.refresh_from_db()
    return subscription


def webhook_subscription_resume(
    *, actor: Agent, subscription: WebhookSubscription
) -> WebhookSubscription:
    """Active again: new events are delivered, and pending retries go out now."""
    require_admin(actor)
    now = timezone.now()
    with transaction.atomic():
        WebhookSubscription.objects.filter(pk=subscription.pk).update(
            state=SubscriptionState.ACTIVE,
            paused_at=None,
            paused_reason="",
            consecutive_failures=0,
            updated_at=now,
        )
        _subscriptions_changed()
        pending = list(
            WebhookDelivery.objects.filter(
                subscription=subscription, status=DeliveryStatus.PENDING
            ).values_list("pk", flat=True)[:FLUSH_BATCH]
        )
        WebhookDelivery.objects.filter(pk__in=pending).update(next_attempt_at=now)
        transaction.on_commit(lambda: _enqueue(pending))
    subscription.refresh_from_db()
    return subscription


def _pause(subscription: WebhookSubscription, *, reason: str) -> None:
    WebhookSubscription.objects.filter(pk=subscription.pk).update(
        state=SubscriptionState.PAUSED,
        paused_at=timezone.now(),
        paused_reason=reason,
        updated_at=timezone.now(),
    )
    _subscriptions_changed()


# Recording events ---------------------------------------------------------------------------


def _body(*, event_id: uuid.UUID, event_type: str, data: dict, extra: dict | None) -> str:
    payload = {
        "id": str(event_id),
        "type": event_type,
        "created_at": timezone.now(),
        "data": data,
        **(extra or {}),
    }
    return json.dumps(payload, cls=DjangoJSONEncoder, ensure_ascii=False)


def webhook_event_record(
    *, event_type: str, build: Callable[[], dict | None], extra: dict | None = None
) -> list[WebhookDelivery]:
    """One delivery per active subscription to `event_type`, then a task for each after commit.

    Runs inside the publisher's transaction, in a savepoint of its own: if building or writing
    fails, only the deliveries are undone. `build` returns the event's data (or None if the
    object is gone); it is called only when somebody subscribes. Costs at most one query
    without subscribers (none while the list of active subscriptions is cached), and a fixed
    number with any.
    """
    wanted = [pk for pk, types in _active_subscriptions() if event_type in types]
    if not wanted:
        return []
    with transaction.atomic():
        data = build()
        if data is None:
            return []
        event_id = uuid.uuid4()
        body = _body(event_id=event_id, event_type=event_type, data=data, extra=extra)
        return _deliveries_create(wanted, event_type=event_type, event_id=event_id, body=body)


def _deliveries_create(
    subscription_ids: list[int], *, event_type: str, event_id: uuid.UUID, body: str
) -> list[WebhookDelivery]:
    if not subscription_ids:
        return []
    now = timezone.now()
    with transaction.atomic():
        deliveries = WebhookDelivery.objects.bulk_create(
            [
                WebhookDelivery(
                    subscription_id=pk,
                    event_type=event_type,
                    event_id=event_id,
                    payload=body,
                    next_attempt_at=now,
                )
                for pk in subscription_ids
            ]
        )
        ids = [d.pk for d in deliveries]
        transaction.on_commit(lambda: _enqueue(ids))
    return deliveries


def webhook_ping(*, actor: Agent, subscription: WebhookSubscription) -> WebhookDelivery:
    """Send a `ping` event to this subscription only, now (even while it is paused)."""
    require_admin(actor)
    event_id = uuid.uuid4()
    data = {
        "subscription": {
            "id": subscription.pk,
            "url": subscription.url,
            "events": subscription.event_types,
        },
        "message": "Hello from Carefront. This is a test event.",
    }
    with transaction.atomic():
        delivery = WebhookDelivery.objects.create(
            subscription=subscription,
            event_type=catalogue.PING,
            event_id=event_id,
            payload=_body(event_id=event_id, event_type=catalogue.PING, data=data, extra=None),
            next_attempt_at=timezone.now(),
        )
        transaction.on_commit(lambda: _enqueue([delivery.pk]))
    return delivery


def webhook_delivery_redeliver(*, actor: Agent, delivery: WebhookDelivery) -> WebhookDelivery:
    """Send the same event (same id and body, new signature) once more, now."""
    require_admin(actor)
    with transaction.atomic():
        again = WebhookDelivery.objects.create(
            subscription_id=delivery.subscription_id,
            event_type=delivery.event_type,
            event_id=delivery.event_id,
            payload=delivery.payload,
            is_redelivery=True,
            next_attempt_at=timezone.now(),
        )
        transaction.on_commit(lambda: _enqueue([again.pk]))
    return again


def _enqueue(delivery_ids: list[int]) -> None:
    from .tasks import webhook_deliver_task

    for delivery_id in delivery_ids:
        try:
            webhook_deliver_task.enqueue(delivery_id)
        except Exception:
            # The row is saved and due: the flush sends it if the queue is out of reach.
            logger.exception("Could not enqueue webhook delivery %s", delivery_id)


def _schedule(delivery_id: int, when: dt.datetime) -> None:
    from .tasks import webhook_deliver_task

    if webhook_deliver_task.get_backend().supports_defer:
        webhook_deliver_task.using(run_after=when).enqueue(delivery_id)
    # Without deferred tasks (tests, the immediate backend) `webhook_flush` sends it when due.


# Delivering ---------------------------------------------------------------------------------


def _is_manual(delivery: WebhookDelivery) -> bool:
    """Test events and redeliveries: asked for by an admin, tried once, never pause anything."""
    return delivery.is_redelivery or delivery.event_type == catalogue.PING


def _headers(*, delivery: WebhookDelivery, secrets: list[str], body: bytes) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "Carefront-Event": delivery.event_type,
        "Carefront-Delivery": str(delivery.event_id),
        SIGNATURE_HEADER: signature_header(
            secret=secrets[0], also=secrets[1:], body=body, timestamp=int(time.time())
        ),
    }


def webhook_deliver(*, delivery_id: int, now: dt.datetime | None = None) -> str:
    """Make one attempt at a due delivery. Returns its status afterwards.

    Safe to call twice at once or for a delivery that is not due: only one caller wins the
    attempt (it holds a lease on the row), the others return without sending.
    """
    now = now or timezone.now()
    with transaction.atomic():
        delivery = (
            WebhookDelivery.objects.select_for_update(of=("self",))
            .select_related("subscription")
            .filter(pk=delivery_id)
            .first()
        )
        if delivery is None:
            # Gone, or an orphan: its subscription was deleted by another process while this
            # event was recorded (see WebhookDelivery.subscription). Nobody wants it any more.
            WebhookDelivery.objects.filter(pk=delivery_id).delete()
            return "missing"
        if delivery.status != DeliveryStatus.PENDING or (
            delivery.next_attempt_at is not None and delivery.next_attempt_at > now
        ):
            return delivery.status
        subscription = delivery.subscription
        if not subscription.is_active and not _is_manual(delivery):
            # Kept pending; resuming the subscription sends it.
            return "paused"
        delivery.attempts += 1
        WebhookDelivery.objects.filter(pk=delivery.pk).update(
            attempts=delivery.attempts, next_attempt_at=now + ATTEMPT_LEASE, last_attempt_at=now
        )
    body = delivery.payload.encode()
    headers = _headers(
        delivery=delivery, secrets=subscription.signing_secrets(timezone.now()), body=body
    )
    result = transport.post(
        url=subscription.url,
        body=body,
        headers=headers,
        timeout=float(_setting("TIMEOUT_SECONDS", 10)),
        max_body=int(_setting("MAX_RESPONSE_BYTES", 4096)),
    )
    error = result.error
    if not error and not result.ok:
        error = _("The receiver answered %(code)s; only 2xx counts as delivered.") % {
            "code": result.status_code
        }
    return _record_attempt(
        delivery=delivery,
        headers=headers,
        result=result,
        error=error,
        now=now,
    )


def _record_attempt(
    *,
    delivery: WebhookDelivery,
    headers: dict[str, str],
    result: transport.PostResult,
    error: str,
    now: dt.datetime,
) -> str:
    finished = timezone.now()
    outcome = {
        "request_headers": headers,
        "response_status_code": result.status_code,
        "response_body": result.body,
        "error": error,
        "duration_ms": result.duration_ms,
    }
    manual = _is_manual(delivery)
    with transaction.atomic():
        subscription = (
            WebhookSubscription.objects.select_for_update().filter(pk=delivery.subscription_id)
        ).first()
        if subscription is None:
            return "missing"
        if result.ok:
            WebhookDelivery.objects.filter(pk=delivery.pk).update(
                status=DeliveryStatus.SUCCEEDED,
                next_attempt_at=None,
                completed_at=finished,
                **outcome,
            )
            if delivery.event_type != catalogue.PING:
                WebhookSubscription.objects.filter(pk=subscription.pk).update(
                    consecutive_failures=0, last_success_at=finished
                )
            return DeliveryStatus.SUCCEEDED
        logger.warning(
            "Webhook delivery %s to subscription %s failed (attempt %s): %s",
            delivery.pk,
            subscription.pk,
            delivery.attempts,
            error,
        )
        if not manual:
            WebhookSubscription.objects.filter(pk=subscription.pk).update(
                last_failure_at=finished, last_failure_error=error[:1000]
            )
        if manual or delivery.attempts >= max_attempts():
            WebhookDelivery.objects.filter(pk=delivery.pk).update(
                status=DeliveryStatus.FAILED, next_attempt_at=None, completed_at=finished, **outcome
            )
            if not manual:
                _count_failed_delivery(subscription, error=error)
            return DeliveryStatus.FAILED
        next_attempt_at = now + backoff(delivery.attempts)
        WebhookDelivery.objects.filter(pk=delivery.pk).update(
            next_attempt_at=next_attempt_at, **outcome
        )
        transaction.on_commit(lambda: _schedule(delivery.pk, next_attempt_at))
    return DeliveryStatus.PENDING


def _count_failed_delivery(subscription: WebhookSubscription, *, error: str) -> None:
    """A delivery used all its attempts: count it, and pause the subscription after too many."""
    WebhookSubscription.objects.filter(pk=subscription.pk).update(
        consecutive_failures=F("consecutive_failures") + 1
    )
    subscription.refresh_from_db(fields=["consecutive_failures", "state"])
    limit = pause_after_failures()
    if subscription.state != SubscriptionState.ACTIVE or subscription.consecutive_failures < limit:
        return
    reason = _(
        "Paused automatically after %(n)s deliveries in a row failed. Last error: %(error)s"
    ) % {"n": subscription.consecutive_failures, "error": error[:300]}
    _pause(subscription, reason=reason)
    subscription_id = subscription.pk
    transaction.on_commit(lambda: _notify_admins_of_pause(subscription_id))


def _notify_admins_of_pause(subscription_id: int) -> None:
    subscription = WebhookSubscription.objects.filter(pk=subscription_id).first()
    if subscription is None:
        return
    recipients = list(
        Agent.objects.filter(role=Role.ADMIN, is_active=True)
        .exclude(email="")
        .values_list("email", flat=True)
    )
    if not recipients:
        return
    path = settings.CAREFRONT.get("BASE_URL", "") + reverse(
        "web:manage_webhook", args=[subscription.pk]
    )
    body = _(
        "Carefront stopped sending events to %(url)s because its deliveries kept failing.\n\n"
        "%(reason)s\n\n"
        "Events that happen while it is paused are not sent. When the receiver works again, "
        "open Admin → Webhooks (%(path)s) and choose Resume: pending retries go out at once."
    ) % {"url": subscription.url, "reason": subscription.paused_reason, "path": path}
    try:
        EmailMessage(
            subject=_("Webhook paused: %(url)s") % {"url": subscription.url[:150]},
            body=body,
            to=recipients,
        ).send()
    except Exception:
        logger.exception("Could not email the admins about paused webhook %s", subscription_id)


def webhook_flush(*, now: dt.datetime | None = None) -> int:
    """Attempt every due delivery whose task was lost or never scheduled. Safe to run any time.

    Also revives deliveries whose worker died mid-attempt (their lease ran out).
    """
    from .tasks import webhook_deliver_task

    now = now or timezone.now()
    cutoff = now
    if webhook_deliver_task.get_backend().supports_defer:
        cutoff = now - FLUSH_GRACE_WITH_QUEUE
    due = list(
        WebhookDelivery.objects.filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=cutoff)
        .filter(
            Q(subscription__state=SubscriptionState.ACTIVE)
            | Q(is_redelivery=True)
            | Q(event_type=catalogue.PING)
            | Q(subscription__state__isnull=True)  # orphans, which the attempt drops
        )
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:FLUSH_BATCH]
    )
    for delivery_id in due:
        webhook_deliver(delivery_id=delivery_id, now=now)
    webhook_deliveries_prune(now=now)
    return len(due)


def webhook_deliveries_prune(*, now: dt.datetime | None = None) -> int:
    """Forget finished deliveries older than CAREFRONT_WEBHOOKS_KEEP_DAYS, a batch at a time."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=int(_setting("KEEP_DAYS", 30)))
    old = list(
        WebhookDelivery.objects.filter(completed_at__lt=cutoff).values_list("pk", flat=True)[
            :PRUNE_BATCH
        ]
    )
    if old:
        WebhookDelivery.objects.filter(pk__in=old).delete()
    return len(old)
