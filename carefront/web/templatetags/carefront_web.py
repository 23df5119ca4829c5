"""Small display helpers for the agent workspace."""

import datetime as dt

from django import template
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from carefront.web.rendering import message_srcdoc

register = template.Library()


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


@register.filter(name="score_label")
def score_label_filter(score: str | None) -> str:
    return score_label(score)


@register.simple_tag
def describe_event(event, team_names: dict) -> str:
    """One readable line for a timeline event."""
    from carefront.conversations.models import EventKind, Status

    data = event.data or {}
    labels = dict(Status.choices)
    who = _actor_name(event)
    if event.kind == EventKind.CREATED:
        return _("Conversation started")
    if event.kind == EventKind.ASSIGNED:
        team = team_names.get(data.get("team"))
        if data.get("assignee_name"):
            text = _("%(who)s assigned it to %(name)s") % {
                "who": who,
                "name": data["assignee_name"],
            }
        else:
            text = _("%(who)s unassigned it") % {"who": who}
        if team:
            text += " " + _("(team %(team)s)") % {"team": team}
        return text
    if event.kind == EventKind.STATUS_CHANGED:
        new = labels.get(data.get("new"), data.get("new", ""))
        if data.get("reason") == "customer replied":
            return _("Reopened: the customer replied")
        return _("%(who)s set the status to %(status)s") % {"who": who, "status": new}
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
