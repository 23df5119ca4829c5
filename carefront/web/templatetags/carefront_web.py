"""Small display helpers for the agent workspace."""

import datetime as dt

from django import template
from django.utils import formats, timezone
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from carefront.web.rendering import message_srcdoc

register = template.Library()


def local_datetime_text(value: dt.datetime | dt.date, *, date_only: bool = False) -> str:
    """The one way Carefront writes a date: in the viewer's time zone (activated per request from
    the agent's profile) and the active language's format, e.g. "March 1, 2026, 1 p.m."."""
    if isinstance(value, dt.datetime) and timezone.is_aware(value):
        value = timezone.localtime(value)
    if date_only or not isinstance(value, dt.datetime):
        return formats.date_format(value, "DATE_FORMAT")
    return formats.date_format(value, "DATETIME_FORMAT")


def time_element(
    value: dt.datetime | dt.date | None, *, date_only: bool = False, css_class: str = ""
) -> SafeString | str:
    """A `<time>` element: machine-readable instant, human text from `local_datetime_text`."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime) and timezone.is_aware(value):
        value = timezone.localtime(value)
    text = local_datetime_text(value, date_only=date_only)
    if css_class:
        return format_html(
            '<time datetime="{}" class="{}">{}</time>', value.isoformat(), css_class, text
        )
    return format_html('<time datetime="{}">{}</time>', value.isoformat(), text)


WHEN_OPTIONS = {"date", "muted"}


@register.filter(name="when")
def when_filter(value: dt.datetime | dt.date | None, options: str = "") -> SafeString | str:
    """`{{ message.created_at|when }}`, `{{ customer.created_at|when:"date" }}`,
    `{{ x|when:"muted" }}`: every date in the UI goes through here, so all read alike."""
    chosen = set(options.split())
    unknown = chosen - WHEN_OPTIONS
    if unknown:
        raise template.TemplateSyntaxError(f"Unknown |when options: {sorted(unknown)}")
    return time_element(
        value, date_only="date" in chosen, css_class="muted" if "muted" in chosen else ""
    )


@register.filter
def duration_since(value: dt.datetime | None) -> str:
    """A short, rounded duration: "4 min", "3 h", "2 d"."""
    if value is None:
        return ""
    seconds = max(int((timezone.now() - value).total_seconds()), 0)
    if seconds < 60:
        return _("less than a minute")
    minutes = seconds // 60
    if minutes < 60:
        return _("%(n)s min") % {"n": minutes}
    hours = minutes // 60
    if hours < 48:
        return _("%(n)s h") % {"n": hours}
    return _("%(n)s d") % {"n": hours // 24}


@register.filter
def waiting_for(value: dt.datetime | None) -> str:
    """ "waiting 3 h": one gettext call instead of a blocktranslate block (hot in list rows)."""
    if value is None:
        return ""
    return _("waiting %(duration)s") % {"duration": duration_since(value)}


@register.filter
def srcdoc(message) -> str:
    return message_srcdoc(message)


@register.simple_tag(takes_context=True)
def query_with(context, **changes) -> str:
    """The current query string with some parameters changed (None or "" removes one)."""
    params = context["request"].GET.copy()
    params.pop("cursor", None)
    for key, value in changes.items():
        if value in (None, ""):
            params.pop(key, None)
        else:
            params[key] = value
    encoded = urlencode(sorted(params.lists()), doseq=True)
    return f"?{encoded}" if encoded else "?"


def _actor_name(event) -> str:
    return event.actor.name if event.actor else _("Carefront")


def score_label(score: str | None) -> str:
    from carefront.feedback.models import Score

    return dict(Score.choices).get(score or "", score or "")


def _describe_rating(data: dict) -> str:
    values = {"score": score_label(data.get("score")), "comment": data.get("comment", "")}
    if data.get("previous"):
        values["previous"] = score_label(data["previous"])
        if values["comment"]:
            return (
                _("The customer changed their rating from %(previous)s to %(score)s: “%(comment)s”")
                % values
            )
        return _("The customer changed their rating from %(previous)s to %(score)s") % values
    if values["comment"]:
        return _("Customer rated: %(score)s — “%(comment)s”") % values
    return _("Customer rated: %(score)s") % values


RECOVERY_EVENT_KINDS = {"recovery_opened", "recovery_reassigned", "recovery_closed"}


def _describe_recovery(kind: str, who: str, data: dict) -> str:
    from carefront.feedback.models import RecoveryOutcome, RecoveryReason

    if kind == "recovery_opened":
        values = {
            "reason": dict(RecoveryReason.choices).get(data.get("reason", ""), ""),
            "name": data.get("owner_name", ""),
        }
        if values["name"]:
            return _("Recovery task opened (%(reason)s) for %(name)s") % values
        return _("Recovery task opened (%(reason)s), nobody owns it yet") % values
    if kind == "recovery_reassigned":
        if data.get("owner_name"):
            return _("%(who)s gave the recovery task to %(name)s") % {
                "who": who,
                "name": data["owner_name"],
            }
        return _("%(who)s left the recovery task unowned") % {"who": who}
    values = {
        "who": who,
        "outcome": dict(RecoveryOutcome.choices).get(data.get("outcome", ""), ""),
        "note": data.get("note", ""),
    }
    if values["note"]:
        return _("%(who)s closed the recovery task: %(outcome)s — “%(note)s”") % values
    return _("%(who)s closed the recovery task: %(outcome)s") % values


@register.filter(name="score_label")
def score_label_filter(score: str | None) -> str:
    return score_label(score)


def _describe_priority_change(who: str, data: dict) -> str:
    from carefront.conversations.models import PRIORITY_BY_NAME

    old, new = PRIORITY_BY_NAME.get(data.get("old", "")), PRIORITY_BY_NAME.get(data.get("new", ""))
    if new is None:
        return _("%(who)s changed the priority") % {"who": who}
    values = {"who": who, "priority": new.label.lower()}
    if old is not None and new < old:
        return _("%(who)s lowered the priority to %(priority)s") % values
    return _("%(who)s raised the priority to %(priority)s") % values


def _assignment_reason(data: dict) -> str:
    """Why automatic routing assigned it (carefront/automation/routing.py)."""
    reason = data.get("reason")
    if reason == "round_robin":
        return _("— assigned by round-robin: next in turn")
    if reason == "least_loaded":
        return _("— assigned by round-robin: least loaded")
    if reason == "chat_accepted":
        return _("— accepted the chat")
    if reason == "away_reassigned":
        return _("— reassigned: %(name)s was away for %(minutes)s minutes") % {
            "name": data.get("away_name", ""),
            "minutes": data.get("away_minutes", ""),
        }
    return ""


@register.simple_tag
def describe_event(event, team_names: dict) -> str:
    """One readable line for a timeline event."""
    from carefront.conversations.models import EventKind, Status

    data = event.data or {}
    labels = dict(Status.choices)
    who = _actor_name(event)
    if event.kind == EventKind.CREATED:
        if data.get("channel") == "web":
            return _("Conversation started from the contact form")
        if data.get("channel") == "portal":
            return _("Conversation started in the customer portal")
        return _("Conversation started")
    if event.kind == EventKind.ASSIGNED:
        team = team_names.get(data.get("team"))
        if data.get("assignee_name") and event.actor_id and data.get("assignee") == event.actor_id:
            text = _("%(who)s took it") % {"who": who}
        elif data.get("assignee_name"):
            text = _("%(who)s assigned it to %(name)s") % {
                "who": who,
                "name": data["assignee_name"],
            }
        else:
            text = _("%(who)s unassigned it") % {"who": who}
        if team:
            text += " " + _("(team %(team)s)") % {"team": team}
        why = _assignment_reason(data)
        if why:
            text += " " + why
        return text
    if event.kind == EventKind.STATUS_CHANGED:
        new = labels.get(data.get("new"), data.get("new", ""))
        if data.get("reason") == "customer replied":
            return _("Reopened: the customer replied")
        if data.get("reason") == "snooze ended":
            return _("The snooze ended: open again")
        if data.get("reason") == "woken":
            return _("%(who)s woke it: open again") % {"who": who}
        if data.get("until"):
            try:
                until = local_datetime_text(dt.datetime.fromisoformat(data["until"]))
            except (TypeError, ValueError):
                until = data["until"]
            return _("%(who)s snoozed it until %(when)s") % {"who": who, "when": until}
        return _("%(who)s set the status to %(status)s") % {"who": who, "status": new}
    if event.kind == EventKind.PRIORITY_CHANGED:
        return _describe_priority_change(who, data)
    if event.kind == EventKind.TAGGED:
        parts = []
        if data.get("added"):
            parts.append(_("added %(tags)s") % {"tags": ", ".join(data["added"])})
        if data.get("removed"):
            parts.append(_("removed %(tags)s") % {"tags": ", ".join(data["removed"])})
        return _("%(who)s %(changes)s") % {"who": who, "changes": _(" and ").join(parts)}
    if event.kind == EventKind.MERGED:
        return _("Conversation #%(id)s was merged into this one") % {"id": data.get("merged")}
    if event.kind == EventKind.DELIVERY_FAILED:
        return _("A reply could not be delivered: %(reason)s") % {"reason": data.get("reason", "")}
    if event.kind == EventKind.RATING_REQUESTED:
        return _("Satisfaction survey sent to %(address)s") % {"address": data.get("to", "")}
    if event.kind == EventKind.RATED:
        return _describe_rating(data)
    if event.kind == EventKind.SLA_BREACHED:
        from carefront.sla.models import TargetKind

        target = dict(TargetKind.choices).get(data.get("target"), data.get("target", ""))
        return _("SLA missed: %(target)s target breached") % {"target": target}
    if event.kind in RECOVERY_EVENT_KINDS:
        return _describe_recovery(event.kind, who, data)
    if event.kind == EventKind.IMPROVEMENT_LINKED:
        return _("%(who)s linked it to the improvement “%(title)s”") % {
            "who": who,
            "title": data.get("title", ""),
        }
    if event.kind == EventKind.IMPROVEMENT_TOLD:
        return _("The customer was told the improvement “%(title)s” shipped") % {
            "title": data.get("title", "")
        }
    if event.kind == EventKind.ROUTING:
        if data.get("reason") == "chat_to_email":
            return _(
                "Nobody accepted the chat in %(minutes)s minutes: it continues by email, unassigned"
            ) % {"minutes": data.get("wait_minutes", "")}
        return event.get_kind_display()
    if event.kind == EventKind.CUSTOMER_CHANGED:
        return _("%(who)s changed the customer from %(old)s to %(new)s") % {
            "who": who,
            "old": data.get("old", ""),
            "new": data.get("new", ""),
        }
    return event.get_kind_display()


@register.simple_tag(takes_context=True)
def paused_webhook_count(context) -> int:
    """For the notice at the top of the admin area (admins only; one small query)."""
    from carefront.webhooks.selectors import webhook_paused_count

    user = context["request"].user
    if not (user.is_authenticated and user.is_admin):
        return 0
    return webhook_paused_count(actor=user)


@register.inclusion_tag("web/includes/notification_bell.html", takes_context=True)
def unread_notification_bell(context) -> dict:
    """The bell in the top bar with the agent's unread count (cached: no query while nothing
    changed; otherwise one bounded count)."""
    from carefront.notifications.selectors import unread_badge

    request = context["request"]
    return {"request": request, **unread_badge(actor=request.user)}


@register.simple_tag
def folder_count(counts: dict | None, folder: str) -> SafeString | str:
    """The count after a folder's name ("Mine 12", "All open 999+"); nothing for uncounted ones."""
    count = (counts or {}).get(folder)
    if count is None:
        return ""
    return format_html(' <span class="folder-count">{}</span>', str(count))
