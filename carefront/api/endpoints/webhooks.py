"""Webhook subscriptions and their deliveries (admins only; see docs/webhooks.md).

Schemas live here rather than in schemas.py: they serve only these endpoints.
"""

import datetime as dt
import json
import uuid
from typing import Literal

from django.http import HttpRequest
from ninja import Field, Path, Query, Router, Schema, Status

from carefront.webhooks.models import WebhookDelivery, WebhookSubscription
from carefront.webhooks.selectors import (
    webhook_delivery_get,
    webhook_delivery_list,
    webhook_subscription_get,
    webhook_subscription_list,
)
from carefront.webhooks.services import (
    webhook_delivery_redeliver,
    webhook_ping,
    webhook_subscription_create,
    webhook_subscription_delete,
    webhook_subscription_pause,
    webhook_subscription_resume,
    webhook_subscription_roll_secret,
    webhook_subscription_update,
)

from ..auth import caller
from ..pagination import keyset_page
from ..schemas import ErrorOut, PageIn

router = Router(tags=["webhooks"])

ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut}


class WebhookIn(Schema):
    url: str = Field(..., max_length=2000)
    description: str = Field("", max_length=200)
    event_types: list[str] = Field(..., max_length=50)


class WebhookPatchIn(Schema):
    url: str | None = Field(None, max_length=2000)
    description: str | None = Field(None, max_length=200)
    event_types: list[str] | None = Field(None, max_length=50)
    state: Literal["active", "paused"] | None = None


class WebhookOut(Schema):
    id: int
    url: str
    description: str
    event_types: list[str]
    secret: str
    previous_secret_expires_at: dt.datetime | None
    state: str
    paused_at: dt.datetime | None
    paused_reason: str
    consecutive_failures: int
    last_success_at: dt.datetime | None
    last_failure_at: dt.datetime | None
    last_failure_error: str
    created_at: dt.datetime
    updated_at: dt.datetime


class WebhookPage(Schema):
    items: list[WebhookOut]
    next_cursor: str | None


class DeliveryOut(Schema):
    id: int
    webhook_id: int
    event_type: str
    event_id: uuid.UUID
    is_redelivery: bool
    status: str
    attempts: int
    next_attempt_at: dt.datetime | None
    response_status_code: int | None
    error: str
    duration_ms: int | None
    created_at: dt.datetime
    last_attempt_at: dt.datetime | None


class DeliveryDetailOut(DeliveryOut):
    payload: dict
    request_headers: dict
    response_body: str


class DeliveryPage(Schema):
    items: list[DeliveryOut]
    next_cursor: str | None


def _webhook_out(s: WebhookSubscription) -> dict:
    return {
        "id": s.pk,
        "url": s.url,
        "description": s.description,
        "event_types": s.event_types,
        "secret": s.secret,
        "previous_secret_expires_at": (
            s.previous_secret_expires_at if s.previous_secret_active else None
        ),
        "state": s.state,
        "paused_at": s.paused_at,
        "paused_reason": s.paused_reason,
        "consecutive_failures": s.consecutive_failures,
        "last_success_at": s.last_success_at,
        "last_failure_at": s.last_failure_at,
        "last_failure_error": s.last_failure_error,
        "created_at": s.created_at,
        "updated_at": s.updated_at,
    }


def _delivery_out(d: WebhookDelivery) -> dict:
    return {
        "id": d.pk,
        "webhook_id": d.subscription_id,
        "event_type": d.event_type,
        "event_id": d.event_id,
        "is_redelivery": d.is_redelivery,
        "status": d.status,
        "attempts": d.attempts,
        "next_attempt_at": d.next_attempt_at,
        "response_status_code": d.response_status_code,
        "error": d.error,
        "duration_ms": d.duration_ms,
        "created_at": d.created_at,
        "last_attempt_at": d.last_attempt_at,
    }


def _delivery_detail_out(d: WebhookDelivery) -> dict:
    return {
        **_delivery_out(d),
        "payload": json.loads(d.payload),
        "request_headers": d.request_headers,
        "response_body": d.response_body,
    }


@router.get("/webhooks", response={200: WebhookPage, **ERRORS})
def list_webhooks(request: HttpRequest, page: Query[PageIn]):
    result = keyset_page(
        webhook_subscription_list(actor=caller(request)),
        key="id",
        kind="int",
        cursor=page.cursor,
        limit=page.limit,
    )
    return {"items": [_webhook_out(s) for s in result.items], "next_cursor": result.next_cursor}


@router.post("/webhooks", response={201: WebhookOut, **ERRORS})
def create_webhook(request: HttpRequest, payload: WebhookIn):
    subscription = webhook_subscription_create(
        actor=caller(request),
        url=payload.url,
        description=payload.description,
        event_types=payload.event_types,
    )
    return Status(201, _webhook_out(subscription))


@router.get("/webhooks/{webhook_id}", response={200: WebhookOut, **ERRORS})
def get_webhook(request: HttpRequest, webhook_id: Path[int]):
    return _webhook_out(webhook_subscription_get(actor=caller(request), subscription_id=webhook_id))


@router.patch("/webhooks/{webhook_id}", response={200: WebhookOut, **ERRORS})
def update_webhook(request: HttpRequest, webhook_id: Path[int], payload: WebhookPatchIn):
    """Change any of url, description, event_types; `state` pauses or resumes it."""
    actor = caller(request)
    subscription = webhook_subscription_get(actor=actor, subscription_id=webhook_id)
    if any(v is not None for v in (payload.url, payload.description, payload.event_types)):
        subscription = webhook_subscription_update(
            actor=actor,
            subscription=subscription,
            url=payload.url if payload.url is not None else subscription.url,
            description=(
                payload.description if payload.description is not None else subscription.description
            ),
            event_types=(
                payload.event_types if payload.event_types is not None else subscription.event_types
            ),
        )
    if payload.state == "paused":
        subscription = webhook_subscription_pause(actor=actor, subscription=subscription)
    elif payload.state == "active" and not subscription.is_active:
        subscription = webhook_subscription_resume(actor=actor, subscription=subscription)
    return _webhook_out(subscription)


@router.delete("/webhooks/{webhook_id}", response={204: None, **ERRORS})
def delete_webhook(request: HttpRequest, webhook_id: Path[int]):
    actor = caller(request)
    subscription = webhook_subscription_get(actor=actor, subscription_id=webhook_id)
    webhook_subscription_delete(actor=actor, subscription=subscription)
    return Status(204, None)


@router.post("/webhooks/{webhook_id}/roll-secret", response={200: WebhookOut, **ERRORS})
def roll_webhook_secret(
    request: HttpRequest, webhook_id: Path[int], expire_previous_now: Query[bool] = False
):
    """A new secret; the old one also signs for 24 hours unless `?expire_previous_now=true`."""
    actor = caller(request)
    subscription = webhook_subscription_get(actor=actor, subscription_id=webhook_id)
    subscription = webhook_subscription_roll_secret(
        actor=actor,
        subscription=subscription,
        expire_previous_now=expire_previous_now,
    )
    return _webhook_out(subscription)


@router.post("/webhooks/{webhook_id}/ping", response={202: DeliveryOut, **ERRORS})
def ping_webhook(request: HttpRequest, webhook_id: Path[int]):
    """Send a `ping` test event now; its delivery shows the outcome."""
    actor = caller(request)
    subscription = webhook_subscription_get(actor=actor, subscription_id=webhook_id)
    return Status(202, _delivery_out(webhook_ping(actor=actor, subscription=subscription)))


@router.get("/webhooks/{webhook_id}/deliveries", response={200: DeliveryPage, **ERRORS})
def list_deliveries(request: HttpRequest, webhook_id: Path[int], page: Query[PageIn]):
    """Newest first."""
    actor = caller(request)
    subscription = webhook_subscription_get(actor=actor, subscription_id=webhook_id)
    result = webhook_delivery_list(
        actor=actor, subscription=subscription, cursor=page.cursor, limit=page.limit
    )
    return {"items": [_delivery_out(d) for d in result.items], "next_cursor": result.next_cursor}


@router.get(
    "/webhooks/{webhook_id}/deliveries/{delivery_id}", response={200: DeliveryDetailOut, **ERRORS}
)
def get_delivery(request: HttpRequest, webhook_id: Path[int], delivery_id: Path[int]):
    actor = caller(request)
    subscription = webhook_subscription_get(actor=actor, subscription_id=webhook_id)
    delivery = webhook_delivery_get(actor=actor, subscription=subscription, delivery_id=delivery_id)
    return _delivery_detail_out(delivery)


@router.post(
    "/webhooks/{webhook_id}/deliveries/{delivery_id}/redeliver",
    response={202: DeliveryOut, **ERRORS},
)
def redeliver(request: HttpRequest, webhook_id: Path[int], delivery_id: Path[int]):
    """Send the same event (same id and body) once more, now."""
    actor = caller(request)
    subscription = webhook_subscription_get(actor=actor, subscription_id=webhook_id)
    delivery = webhook_delivery_get(actor=actor, subscription=subscription, delivery_id=delivery_id)
    return Status(202, _delivery_out(webhook_delivery_redeliver(actor=actor, delivery=delivery)))
