"""Writing SLA policies (admins): create, update, delete and reorder, everything checked before
anything is written, with errors that say which setting is wrong. Also the "2h 30m" duration
format the admin pages and the API read and write."""

import re
from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from carefront.accounts.models import Agent, Team
from carefront.accounts.services.permissions import require_admin
from carefront.conversations.models import Priority, Tag
from carefront.core.exceptions import InvalidInput
from carefront.inboxes.models import Channel, Inbox
from carefront.sla.models import EscalateWhen, Requester, SlaPolicy, TimeBasis

# A target longer than a year is a typo, not a promise.
MAX_TARGET_MINUTES = 366 * 24 * 60
TAG_MAX_LENGTH = 64
TARGET_FIELDS = ("first_reply", "next_reply", "resolution")

_DURATION_PART = re.compile(
    r"(\d+)\s*(d|days?|h|hours?|hrs?|m|mins?|minutes?)?(?=[\s,]|$|\d)", re.IGNORECASE
)
_UNIT_MINUTES = {"d": 24 * 60, "h": 60, "m": 1}


def parse_duration_minutes(text: str) -> int | None:
    """Minutes from what an admin types: "90", "90m", "2h", "2h 30m", "1d 4h", "1:30".

    Empty text is None (no target); anything else unreadable is an InvalidInput."""
    text = (text or "").strip()
    if not text:
        return None
    clock = re.fullmatch(r"(\d{1,4}):([0-5]\d)", text)
    if clock:
        return int(clock[1]) * 60 + int(clock[2])
    total, position, seen = 0, 0, False
    for match in _DURATION_PART.finditer(text):
        if text[position : match.start()].strip(" ,"):
            break
        unit = (match[2] or "m")[0].lower()
        total += int(match[1]) * _UNIT_MINUTES[unit]
        position, seen = match.end(), True
    if not seen or text[position:].strip(" ,"):
        raise InvalidInput(
            _('"%(text)s" is not a duration: write minutes ("90") or "2h 30m", "1d 4h".')
            % {"text": text}
        )
    return total


def format_duration_minutes(minutes: int | None) -> str:
    """The input form back: 150 -> "2h 30m", 1440 -> "1d"."""
    if minutes is None:
        return ""
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    parts = [f"{days}d" if days else "", f"{hours}h" if hours else "", f"{mins}m" if mins else ""]
    return " ".join(p for p in parts if p) or "0m"


def _check(
    *,
    first_reply_minutes: int | None,
    next_reply_minutes: int | None,
    resolution_minutes: int | None,
    bases: dict[str, str],
    priorities: list[int],
    channels: list[str],
    customer_attribute: str,
    customer_attribute_value: str,
    requester: str,
    at_risk_minutes: int,
    raise_priority: str,
    reassign_team: Team | None,
    reassign_when: str,
) -> None:
    targets = {
        "first_reply": (first_reply_minutes, _("First reply")),
        "next_reply": (next_reply_minutes, _("Next reply")),
        "resolution": (resolution_minutes, _("Resolution")),
    }
    given = [m for m, _label in targets.values() if m is not None]
    if not given:
        raise InvalidInput(
            _("Give at least one target: first reply, next reply or resolution."),
            extra={"field": "first_reply_minutes"},
        )
    for kind, (minutes, label) in targets.items():
        if minutes is not None and not 1 <= minutes <= MAX_TARGET_MINUTES:
            raise InvalidInput(
                _("%(target)s: a target is between 1 minute and 366 days.") % {"target": label},
                extra={"field": f"{kind}_minutes"},
            )
        if bases.get(kind, TimeBasis.BUSINESS) not in TimeBasis.values:
            raise InvalidInput(
                _("%(target)s: choose business hours or calendar time.") % {"target": label},
                extra={"field": f"{kind}_basis"},
            )
    if at_risk_minutes < 0 or at_risk_minutes >= min(given):
        raise InvalidInput(
            _(
                "The at-risk warning must come before the shortest target (%(shortest)s): "
                "give fewer minutes, or 0 for no warning."
            )
            % {"shortest": format_duration_minutes(min(given))},
            extra={"field": "at_risk_minutes"},
        )
    unknown = [p for p in priorities if p not in Priority.values]
    if unknown:
        raise InvalidInput(
            _("%(value)s is not a priority.") % {"value": unknown[0]},
            extra={"field": "priorities"},
        )
    unknown_channels = [c for c in channels if c not in Channel.values]
    if unknown_channels:
        raise InvalidInput(
            _("%(value)s is not a channel.") % {"value": unknown_channels[0]},
            extra={"field": "channels"},
        )
    if customer_attribute_value and not customer_attribute:
        raise InvalidInput(
            _("Name the customer attribute the value belongs to (such as plan)."),
            extra={"field": "customer_attribute"},
        )
    if customer_attribute and not customer_attribute_value:
        raise InvalidInput(
            _("Give the value the customer attribute %(name)s must have.")
            % {"name": customer_attribute},
            extra={"field": "customer_attribute_value"},
        )
    if requester not in Requester.values:
        raise InvalidInput(_("Choose who the requester is."), extra={"field": "requester"})
    if raise_priority not in EscalateWhen.values:
        raise InvalidInput(
            _("Choose when to raise the priority."), extra={"field": "raise_priority"}
        )
    if reassign_when not in EscalateWhen.values:
        raise InvalidInput(_("Choose when to reassign."), extra={"field": "reassign_when"})
    if reassign_when and reassign_team is None:
        raise InvalidInput(
            _("Choose the team to reassign to, or never reassign."),
            extra={"field": "reassign_team"},
        )
    if reassign_team is not None and not reassign_when:
        raise InvalidInput(
            _("Choose when to reassign to %(team)s (at risk or breached).")
            % {"team": reassign_team.name},
            extra={"field": "reassign_when"},
        )


def _clean_name(name: str, exclude_pk: int | None = None) -> str:
    name = (name or "").strip()
    if not name:
        raise InvalidInput(_("A policy needs a name."), extra={"field": "name"})
    if len(name) > 100:
        raise InvalidInput(_("A policy name has at most 100 characters."), extra={"field": "name"})
    if SlaPolicy.objects.filter(name__iexact=name).exclude(pk=exclude_pk).exists():
        raise InvalidInput(
            _("A policy named %(name)s exists already.") % {"name": name}, extra={"field": "name"}
        )
    return name


def _tags(names: Iterable[str]) -> list[Tag]:
    """The tags a policy looks for, by name. A tag nobody has used yet is created (as tagging a
    conversation would), so a policy for "vip" can be set up before the first VIP writes."""
    wanted = sorted({n.strip().lower() for n in names if n.strip()})
    too_long = [n for n in wanted if len(n) > TAG_MAX_LENGTH]
    if too_long:
        raise InvalidInput(
            _("A tag has at most %(max)d characters: %(tag)s")
            % {"max": TAG_MAX_LENGTH, "tag": too_long[0]},
            extra={"field": "tags"},
        )
    existing = {t.name for t in Tag.objects.filter(name__in=wanted)}
    missing = [Tag(name=n) for n in wanted if n not in existing]
    if missing:
        Tag.objects.bulk_create(missing, ignore_conflicts=True)
    return list(Tag.objects.filter(name__in=wanted).order_by("name"))


def _apply(
    policy: SlaPolicy,
    *,
    name: str,
    description: str,
    is_active: bool,
    priorities: list[int],
    channels: list[str],
    customer_attribute: str,
    customer_attribute_value: str,
    requester: str,
    first_reply_minutes: int | None,
    first_reply_basis: str,
    next_reply_minutes: int | None,
    next_reply_basis: str,
    resolution_minutes: int | None,
    resolution_basis: str,
    at_risk_minutes: int,
    notify_at_risk: bool,
    notify_breached: bool,
    raise_priority: str,
    reassign_team: Team | None,
    reassign_when: str,
) -> None:
    policy.name = name
    policy.description = description.strip()
    policy.is_active = is_active
    policy.priorities = sorted({int(p) for p in priorities}, reverse=True)
    policy.channels = sorted(set(channels))
    policy.customer_attribute = customer_attribute
    policy.customer_attribute_value = customer_attribute_value
    policy.requester = requester
    policy.first_reply_minutes = first_reply_minutes
    policy.first_reply_basis = first_reply_basis
    policy.next_reply_minutes = next_reply_minutes
    policy.next_reply_basis = next_reply_basis
    policy.resolution_minutes = resolution_minutes
    policy.resolution_basis = resolution_basis
    policy.at_risk_minutes = at_risk_minutes
    policy.notify_at_risk = notify_at_risk
    policy.notify_breached = notify_breached
    policy.raise_priority = raise_priority
    policy.reassign_team = reassign_team
    policy.reassign_when = reassign_when


def _save(
    *,
    actor: Agent,
    policy: SlaPolicy | None,
    name: str,
    description: str = "",
    is_active: bool = True,
    inboxes: Iterable[Inbox] = (),
    teams: Iterable[Team] = (),
    priorities: Iterable[int] = (),
    channels: Iterable[str] = (),
    tags: Iterable[str] = (),
    customer_attribute: str = "",
    customer_attribute_value: str = "",
    requester: str = Requester.ANY,
    first_reply_minutes: int | None = None,
    first_reply_basis: str = TimeBasis.BUSINESS,
    next_reply_minutes: int | None = None,
    next_reply_basis: str = TimeBasis.BUSINESS,
    resolution_minutes: int | None = None,
    resolution_basis: str = TimeBasis.BUSINESS,
    at_risk_minutes: int = 30,
    notify_at_risk: bool = True,
    notify_breached: bool = True,
    raise_priority: str = EscalateWhen.NEVER,
    reassign_team: Team | None = None,
    reassign_when: str = EscalateWhen.NEVER,
) -> SlaPolicy:
    require_admin(actor)
    priorities, channels = [int(p) for p in priorities], list(channels)
    customer_attribute = (customer_attribute or "").strip()
    customer_attribute_value = (customer_attribute_value or "").strip()
    _check(
        first_reply_minutes=first_reply_minutes,
        next_reply_minutes=next_reply_minutes,
        resolution_minutes=resolution_minutes,
        bases={
            "first_reply": first_reply_basis,
            "next_reply": next_reply_basis,
            "resolution": resolution_basis,
        },
        priorities=priorities,
        channels=channels,
        customer_attribute=customer_attribute,
        customer_attribute_value=customer_attribute_value,
        requester=requester,
        at_risk_minutes=at_risk_minutes,
        raise_priority=raise_priority,
        reassign_team=reassign_team,
        reassign_when=reassign_when,
    )
    with transaction.atomic():
        if policy is None:
            name = _clean_name(name)
            last = SlaPolicy.objects.aggregate(last=Max("position"))["last"]
            policy = SlaPolicy(position=0 if last is None else last + 1)
        else:
            policy = SlaPolicy.objects.select_for_update().get(pk=policy.pk)
            name = _clean_name(name, exclude_pk=policy.pk)
        _apply(
            policy,
            name=name,
            description=description or "",
            is_active=is_active,
            priorities=priorities,
            channels=channels,
            customer_attribute=customer_attribute,
            customer_attribute_value=customer_attribute_value,
            requester=requester,
            first_reply_minutes=first_reply_minutes,
            first_reply_basis=first_reply_basis,
            next_reply_minutes=next_reply_minutes,
            next_reply_basis=next_reply_basis,
            resolution_minutes=resolution_minutes,
            resolution_basis=resolution_basis,
            at_risk_minutes=at_risk_minutes,
            notify_at_risk=notify_at_risk,
            notify_breached=notify_breached,
            raise_priority=raise_priority,
            reassign_team=reassign_team,
            reassign_when=reassign_when,
        )
        try:
            with transaction.atomic():
                policy.save()
        except IntegrityError:
            raise InvalidInput(
                _("A policy named %(name)s exists already.") % {"name": name},
                extra={"field": "name"},
            ) from None
        policy.inboxes.set(list(inboxes))
        policy.teams.set(list(teams))
        policy.tags.set(_tags(tags))
        _reapply_after_commit()
    return policy


def _reapply_after_commit() -> None:
    """Policies changed: open conversations get the clocks of the policy that now matches (time
    already spent kept), in batches by a task, so a save never waits for them."""

    def enqueue() -> None:
        from carefront.sla.tasks import sla_reapply_task

        sla_reapply_task.enqueue()

    transaction.on_commit(enqueue)


def sla_policy_create(*, actor: Agent, name: str, **settings) -> SlaPolicy:
    """A new policy, placed last (it applies where no earlier policy matches). `settings` are
    the policy's fields (conditions, targets, escalation); `tags` are tag names."""
    return _save(actor=actor, policy=None, name=name, **settings)


def sla_policy_update(*, actor: Agent, policy: SlaPolicy, name: str, **settings) -> SlaPolicy:
    """Replace every setting of the policy (a setting not given goes back to its default).
    Open conversations pick it up at once, through a task that re-applies the policies."""
    return _save(actor=actor, policy=policy, name=name, **settings)


@transaction.atomic
def sla_policy_delete(*, actor: Agent, policy: SlaPolicy) -> None:
    """Remove a policy. Targets it started keep their outcome (their policy becomes empty)."""
    require_admin(actor)
    SlaPolicy.objects.filter(pk=policy.pk).delete()
    _reapply_after_commit()


@transaction.atomic
def sla_policy_move(*, actor: Agent, policy: SlaPolicy, direction: str) -> list[SlaPolicy]:
    """Move a policy one place up (checked earlier) or down; returns the policies in order.
    Positions are renumbered 0, 1, 2... on the way, so gaps and ties left by old data go."""
    require_admin(actor)
    if direction not in {"up", "down"}:
        raise InvalidInput(_("Move a policy up or down."))
    policies = list(SlaPolicy.objects.select_for_update().order_by("position", "id"))
    index = next((i for i, p in enumerate(policies) if p.pk == policy.pk), None)
    if index is None:
        raise InvalidInput(_("That policy no longer exists."))
    other = index - 1 if direction == "up" else index + 1
    if 0 <= other < len(policies):
        policies[index], policies[other] = policies[other], policies[index]
    changed = []
    for position, item in enumerate(policies):
        if item.position != position:
            item.position = position
            changed.append(item)
    for item in changed:
        # save() rather than bulk_update: the policy cache follows post_save.
        item.save(update_fields=["position", "updated_at"])
    if changed:
        _reapply_after_commit()
    return policies
