"""The agent's notifications: the page behind the bell, opening one, marking them read."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from carefront.notifications.models import NotificationKind
from carefront.notifications.selectors import notification_page, unread_badge
from carefront.notifications.services import (
    notification_mark_read,
    notifications_mark_all_read,
)
from carefront.notifications.texts import (
    notification_due_at,
    notification_headline,
    notification_note,
    notification_path,
)
from carefront.web.errors import agent_view


def _row(notification) -> dict:
    return {
        "notification": notification,
        "headline": notification_headline(notification),
        "due_at": notification_due_at(notification),
        "note": notification_note(notification),
    }


@require_GET
@agent_view
def notification_index(request: HttpRequest) -> HttpResponse:
    show = "all" if request.GET.get("show") == "all" else "unread"
    page = notification_page(
        actor=request.user, unread_only=show == "unread", cursor=request.GET.get("cursor") or None
    )
    context = {
        "rows": [_row(notification) for notification in page.items],
        "next_cursor": page.next_cursor,
        "first_page": not request.GET.get("cursor"),
        "show": show,
        # "Mark all read" marks what the agent saw, not one that arrived since.
        "newest_id": page.items[0].pk if page.items and not request.GET.get("cursor") else None,
    }
    template = "web/notifications.html"
    if request.htmx and request.GET.get("cursor"):
        template = "web/includes/notification_rows.html"
    return render(request, template, context)


@require_GET
@agent_view
def notification_open(request: HttpRequest, notification_id: int) -> HttpResponse:
    """Follow a notification (from the page or an email): it is read, and what it is about
    opens (the recovery task, the agent's profile with their praise, or the conversation)."""
    notification = notification_mark_read(actor=request.user, notification_id=notification_id)
    params = notification.params or {}
    if isinstance(params.get("review_id"), int):
        return redirect("web:quality_review", params["review_id"])
    if isinstance(params.get("coaching_session_id"), int):
        return redirect("web:quality_coaching_session", params["coaching_session_id"])
    if notification.kind == NotificationKind.RECOVERY_ASSIGNED and isinstance(
        params.get("recovery_task_id"), int
    ):
        return redirect("web:recovery_task", params["recovery_task_id"])
    if notification.kind == NotificationKind.PRAISE_RECEIVED:
        return redirect("web:profile")
    if notification.conversation_id is None:
        return redirect(notification_path(notification) or "web:notifications")
    return redirect("web:conversation", notification.conversation_id)


@require_POST
@agent_view
def notification_read(request: HttpRequest, notification_id: int) -> HttpResponse:
    notification = notification_mark_read(actor=request.user, notification_id=notification_id)
    if request.htmx:
        response = render(
            request, "web/includes/notification_row.html", {"row": _row(notification)}
        )
        response["HX-Trigger"] = "notifications-changed"
        return response
    return redirect("web:notifications")


@require_POST
@agent_view
def notification_read_all(request: HttpRequest) -> HttpResponse:
    raw = request.POST.get("up_to_id", "")
    up_to_id = int(raw) if raw.isdigit() else None
    count = notifications_mark_all_read(actor=request.user, up_to_id=up_to_id)
    messages.success(
        request,
        _("Nothing was unread.") if not count else _("%(n)s marked read.") % {"n": count},
    )
    return redirect("web:notifications")


@require_GET
def notification_bell(request: HttpRequest) -> HttpResponse:
    """The bell alone, for htmx to refresh it in place. Signed out meanwhile: 204, which
    htmx leaves as it is (a redirect would put the login page inside the top bar)."""
    if not request.user.is_authenticated or not request.user.is_active:
        return HttpResponse(status=204)
    return render(request, "web/includes/notification_bell.html", unread_badge(actor=request.user))
