"""Admin area: webhook subscriptions, their secret, and their deliveries (admins only)."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from carefront.core.exceptions import InvalidInput
from carefront.web.errors import admin_view, form_error
from carefront.web.forms import WebhookForm
from carefront.webhooks.catalogue import EVENT_TYPES
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


@admin_view
def webhook_index(request: HttpRequest) -> HttpResponse:
    subscriptions = list(webhook_subscription_list(actor=request.user))
    paused = [s for s in subscriptions if not s.is_active]
    context = {"subscriptions": subscriptions, "paused": paused, "hide_webhook_notice": True}
    return render(request, "web/manage/webhooks.html", context)


@admin_view
def webhook_edit(request: HttpRequest, webhook_id: int | None = None) -> HttpResponse:
    subscription = (
        webhook_subscription_get(actor=request.user, subscription_id=webhook_id)
        if webhook_id
        else None
    )
    status = 200
    if request.method == "POST":
        form = WebhookForm(request.POST)
        if form.is_valid():
            try:
                if subscription is None:
                    subscription = webhook_subscription_create(
                        actor=request.user, **form.cleaned_data
                    )
                else:
                    subscription = webhook_subscription_update(
                        actor=request.user, subscription=subscription, **form.cleaned_data
                    )
            except InvalidInput as exc:
                form_error(form, exc)
            else:
                messages.success(request, _("The webhook is saved."))
                return redirect("web:manage_webhook", subscription.pk)
        status = 400
    else:
        initial = None
        if subscription is not None:
            initial = {
                "url": subscription.url,
                "description": subscription.description,
                "event_types": subscription.event_types,
            }
        form = WebhookForm(initial=initial)
    context = {"subscription": subscription, "form": form}
    return render(request, "web/manage/webhook_form.html", context, status=status)


@admin_view
def webhook_detail(request: HttpRequest, webhook_id: int) -> HttpResponse:
    subscription = webhook_subscription_get(actor=request.user, subscription_id=webhook_id)
    page = webhook_delivery_list(
        actor=request.user, subscription=subscription, cursor=request.GET.get("cursor") or None
    )
    context = {
        "subscription": subscription,
        "events": [(name, EVENT_TYPES.get(name, "")) for name in subscription.event_types],
        "deliveries": page.items,
        "next_cursor": page.next_cursor,
        "first_page": not request.GET.get("cursor"),
    }
    return render(request, "web/manage/webhook.html", context)


@admin_view
def webhook_delivery_detail(
    request: HttpRequest, webhook_id: int, delivery_id: int
) -> HttpResponse:
    subscription = webhook_subscription_get(actor=request.user, subscription_id=webhook_id)
    delivery = webhook_delivery_get(
        actor=request.user, subscription=subscription, delivery_id=delivery_id
    )
    context = {"subscription": subscription, "delivery": delivery}
    return render(request, "web/manage/webhook_delivery.html", context)


@require_POST
@admin_view
def webhook_pause(request: HttpRequest, webhook_id: int) -> HttpResponse:
    subscription = webhook_subscription_get(actor=request.user, subscription_id=webhook_id)
    webhook_subscription_pause(actor=request.user, subscription=subscription)
    messages.success(request, _("The webhook is paused: no events are sent to it."))
    return redirect("web:manage_webhook", subscription.pk)


@require_POST
@admin_view
def webhook_resume(request: HttpRequest, webhook_id: int) -> HttpResponse:
    subscription = webhook_subscription_get(actor=request.user, subscription_id=webhook_id)
    webhook_subscription_resume(actor=request.user, subscription=subscription)
    messages.success(request, _("The webhook is active again; pending deliveries go out now."))
    return redirect("web:manage_webhook", subscription.pk)


@require_POST
@admin_view
def webhook_ping_view(request: HttpRequest, webhook_id: int) -> HttpResponse:
    subscription = webhook_subscription_get(actor=request.user, subscription_id=webhook_id)
    delivery = webhook_ping(actor=request.user, subscription=subscription)
    messages.success(request, _("A test event is on its way."))
    return redirect("web:manage_webhook_delivery", subscription.pk, delivery.pk)


@require_POST
@admin_view
def webhook_roll_secret(request: HttpRequest, webhook_id: int) -> HttpResponse:
    subscription = webhook_subscription_get(actor=request.user, subscription_id=webhook_id)
    expire_now = request.POST.get("expire_previous_now") == "1"
    webhook_subscription_roll_secret(
        actor=request.user, subscription=subscription, expire_previous_now=expire_now
    )
    if expire_now:
        messages.success(
            request, _("The webhook has a new secret; the old one no longer signs anything.")
        )
    else:
        messages.success(
            request,
            _("The webhook has a new secret; the old one also signs requests for 24 hours."),
        )
    return redirect("web:manage_webhook", subscription.pk)


@require_POST
@admin_view
def webhook_delete(request: HttpRequest, webhook_id: int) -> HttpResponse:
    subscription = webhook_subscription_get(actor=request.user, subscription_id=webhook_id)
    webhook_subscription_delete(actor=request.user, subscription=subscription)
    messages.success(request, _("The webhook is deleted."))
    return redirect("web:manage_webhooks")


@require_POST
@admin_view
def webhook_redeliver(request: HttpRequest, webhook_id: int, delivery_id: int) -> HttpResponse:
    subscription = webhook_subscription_get(actor=request.user, subscription_id=webhook_id)
    delivery = webhook_delivery_get(
        actor=request.user, subscription=subscription, delivery_id=delivery_id
    )
    again = webhook_delivery_redeliver(actor=request.user, delivery=delivery)
    messages.success(request, _("The event is being sent again."))
    return redirect("web:manage_webhook_delivery", subscription.pk, again.pk)
