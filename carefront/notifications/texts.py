"""How each kind of notification reads. Texts are made when shown, in the reader's language,
from the kind and the parameters stored with the notification."""

import datetime as dt
from collections.abc import Callable

from django.conf import settings
from django.utils.translation import gettext as _

from carefront.accounts.models import Agent

from .models import Notification, NotificationKind


def recipient_language(agent: Agent) -> str:
    """The language an agent reads Carefront in. The agent UI is in LANGUAGE_CODE for now
    (core.middleware.SiteLanguageMiddleware); when agents get a language of their own, this is
    the one place to read it, and every notification and digest follows."""
    return settings.LANGUAGE_CODE


def _target_label(params: dict) -> str:
    from carefront.sla.models import TargetKind

    labels = dict(TargetKind.choices)
    target = params.get("target", "")
    return str(labels.get(target, target or _("SLA")))


def _sla_at_risk(params: dict) -> str:
    return _("%(target)s target at risk") % {"target": _target_label(params)}


def _sla_breached(params: dict) -> str:
    return _("%(target)s target breached") % {"target": _target_label(params)}


def _follow_up_due(params: dict) -> str:
    return _("Your follow-up is due")


def _follow_up_broken(params: dict) -> str:
    return _("A follow-up promise was not kept")


def _review_received(params: dict) -> str:
    return _("Your conversation was reviewed")


def _review_disputed(params: dict) -> str:
    return _("%(agent)s disputed a review") % {"agent": params.get("agent_name", "")}


def _review_dispute_resolved(params: dict) -> str:
    return _("Your dispute of a review was resolved")


def _coaching_follow_up(params: dict) -> str:
    return _("Coaching follow-up with %(name)s is due") % {"name": params.get("with_name", "")}


def _recovery_assigned(params: dict) -> str:
    return _("A recovery task is yours: follow up on a bad experience")


def _praise_received(params: dict) -> str:
    return _("A customer praised you")


def _training_assigned(params: dict) -> str:
    return _("New training: %(title)s") % {"title": params.get("title", "")}


def _training_due_soon(params: dict) -> str:
    return _("Training due soon: %(title)s") % {"title": params.get("title", "")}


def _kudos_received(params: dict) -> str:
    return _("%(name)s sent you kudos") % {"name": params.get("giver", "")}


def _pulse_open(params: dict) -> str:
    return _("How are you doing? The anonymous pulse survey is open")


def _rule(params: dict) -> str:
    return _("The rule “%(rule)s” asks for your attention") % {"rule": params.get("rule_name", "")}


# A later feature that adds a kind adds its text here.
HEADLINES: dict[str, Callable[[dict], str]] = {
    NotificationKind.SLA_AT_RISK: _sla_at_risk,
    NotificationKind.SLA_BREACHED: _sla_breached,
    NotificationKind.FOLLOW_UP_DUE: _follow_up_due,
    NotificationKind.FOLLOW_UP_BROKEN: _follow_up_broken,
    NotificationKind.REVIEW_RECEIVED: _review_received,
    NotificationKind.REVIEW_DISPUTED: _review_disputed,
    NotificationKind.REVIEW_DISPUTE_RESOLVED: _review_dispute_resolved,
    NotificationKind.COACHING_FOLLOW_UP: _coaching_follow_up,
    NotificationKind.RECOVERY_ASSIGNED: _recovery_assigned,
    NotificationKind.PRAISE_RECEIVED: _praise_received,
    NotificationKind.TRAINING_ASSIGNED: _training_assigned,
    NotificationKind.TRAINING_DUE_SOON: _training_due_soon,
    NotificationKind.KUDOS_RECEIVED: _kudos_received,
    NotificationKind.PULSE_OPEN: _pulse_open,
    NotificationKind.RULE: _rule,
}


def notification_headline(notification: Notification) -> str:
    """One short line in the active language: "First reply target breached"."""
    make = HEADLINES.get(notification.kind)
    if make is None:
        return notification.get_kind_display()
    return make(notification.params or {})


def notification_due_at(notification: Notification) -> dt.datetime | None:
    """The due time the notification is about, if any (shown with `|when`)."""
    value = (notification.params or {}).get("due_at")
    if not isinstance(value, str):
        return None
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def notification_note(notification: Notification) -> str:
    """Free text that came with it (a follow-up's note), shown as written."""
    note = (notification.params or {}).get("note", "")
    return note if isinstance(note, str) else ""


def notification_path(notification: Notification) -> str:
    """Where a notification without a conversation leads (a page of the app), or ""."""
    path = (notification.params or {}).get("path", "")
    # A path on this site only: "//host" and "/\\host" lead browsers elsewhere.
    if isinstance(path, str) and path.startswith("/") and path[1:2] not in {"/", "\\"}:
        return path
    return ""
