"""Who answers a new chat (issue 13), docs/routing.md.

The chat adapter (carefront/inboxes/chat/) calls `chat_route` when a visitor starts a chat and
`chat_queue_position` to show the visitor their place; `agents_available` decides whether the
widget offers the chat or "leave us your email".

A new chat is offered to one agent at a time: online, a member of one of the inbox's teams, with
fewer open chats (and pending offers) than their chat capacity, the one whose last offer is the
oldest (fair round-robin). Nobody: it waits in the queue, oldest first. The offer reaches the agent
as a `live.notice` ("chat_offer") on their personal group; not accepted within the inbox's accept
time, it goes to the next agent; nobody accepted within the wait time, it continues by email in
the unassigned folder. When an agent frees a chat slot or comes online, the queue moves on.
Every timer is a task scheduled at its moment (never a scan); each carries the offer's version,
so a timer whose offer moved on does nothing.
"""

import datetime as dt
import logging
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Exists, F, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from carefront.accounts.models import Agent, Availability, Team
from carefront.core.exceptions import InvalidInput, NotFound, PermissionDenied
from carefront.core.realtime import group_send

from .models import (
    DEFAULT_CHAT_ACCEPT_SECONDS,
    DEFAULT_CHAT_WAIT_MINUTES,
    WAITING_CHAT_STATES,
    AgentRouting,
    AssignmentPolicy,
    ChatRouting,
    ChatState,
)

logger = logging.getLogger(__name__)

# How many waiting chats are told their new place when the queue moves (the rest learn it on
# their next poll or reconnect).
QUEUE_NOTIFY_LIMIT = 50
# Candidates tried when others took the first ones' last slots at the same moment.
CLAIM_TRIES = 5


@dataclass(frozen=True, slots=True)
class ChatOffer:
    # The agent the chat went to, or None: it waits in the queue at `queue_position` (1 = next).
    agent_id: int | None
    queue_position: int | None


@dataclass(frozen=True, slots=True)
class ChatTimes:
    accept_seconds: int
    wait_minutes: int


def agent_group(agent_id: int) -> str:
    return f"agent.{agent_id}"


def chat_times(*, inbox_id: int) -> ChatTimes:
    """The inbox's accept and wait times: its chat settings if the chat adapter has an accept
    timeout, its assignment policy, else the site's defaults."""
    policy = AssignmentPolicy.objects.filter(inbox_id=inbox_id).first()
    accept = policy.chat_accept_seconds if policy else None
    wait = policy.chat_wait_minutes if policy else None
    if accept is None:
        from carefront.inboxes.models import Inbox

        inbox = Inbox.objects.filter(pk=inbox_id).first()
        chat_settings = getattr(inbox, "chat_settings", None) if inbox else None
        minutes = getattr(chat_settings, "accept_timeout_minutes", None)
        if minutes:
            accept = int(minutes) * 60
    return ChatTimes(
        accept_seconds=accept
        or getattr(settings, "CAREFRONT_CHAT_ACCEPT_SECONDS", DEFAULT_CHAT_ACCEPT_SECONDS),
        wait_minutes=wait
        or getattr(settings, "CAREFRONT_CHAT_WAIT_MINUTES", DEFAULT_CHAT_WAIT_MINUTES),
    )


# Reads --------------------------------------------------------------------------------------


def _open_chats_of(agent_ref) -> Subquery:
    from carefront.conversations.models import Conversation, Status

    return Subquery(
        Conversation.objects.filter(
            assignee_id=agent_ref, status=Status.OPEN, inbox__channel="chat"
        )
        .order_by()
        .values("assignee_id")
        .annotate(n=Count("pk"))
        .values("n"),
        output_field=IntegerField(),
    )


def _offers_to(agent_ref) -> Subquery:
    return Subquery(
        ChatRouting.objects.filter(offered_to_id=agent_ref, state=ChatState.OFFERED)
        .order_by()
        .values("offered_to_id")
        .annotate(n=Count("pk"))
        .values("n"),
        output_field=IntegerField(),
    )


def chat_agents_with_room(*, inbox_id: int) -> QuerySet[Agent]:
    """Online, active members of the inbox's teams with a free chat slot, fairest first (the
    longest since their last chat offer; never offered before comes first)."""
    membership = Team.members.through.objects.filter(
        agent_id=OuterRef("pk"), team__inboxes__id=inbox_id
    )
    return (
        Agent.objects.filter(is_active=True, availability=Availability.ONLINE)
        .filter(Exists(membership))
        .annotate(
            open_chats=Coalesce(_open_chats_of(OuterRef("pk")), 0)
            + Coalesce(_offers_to(OuterRef("pk")), 0),
            last_offer=F("routing__last_chat_offer_at"),
        )
        .filter(open_chats__lt=F("chat_capacity"))
        .order_by(F("last_offer").asc(nulls_first=True), "id")
    )


def agents_available(*, inbox_id: int) -> bool:
    """Is anyone of the inbox's teams online with room for a chat?"""
    return chat_agents_with_room(inbox_id=inbox_id).exists()


def _waiting(inbox_id: int) -> QuerySet[ChatRouting]:
    return ChatRouting.objects.filter(inbox_id=inbox_id, state__in=WAITING_CHAT_STATES)


def chat_queue_position(*, conversation_id: int) -> int | None:
    """1 = next; None when the chat is not waiting (accepted, continued by email, closed)."""
    routing = ChatRouting.objects.filter(pk=conversation_id).first()
    if routing is None:
        from carefront.conversations.models import Conversation

        conversation = Conversation.objects.only("assignee_id").filter(pk=conversation_id).first()
        if conversation is None or conversation.assignee_id is not None:
            return None
        return 1
    if routing.state not in WAITING_CHAT_STATES:
        return None
    return _position(routing)


def _position(routing: ChatRouting) -> int:
    return (
        _waiting(routing.inbox_id)
        .filter(
            Q(queued_at__lt=routing.queued_at)
            | Q(queued_at=routing.queued_at, conversation_id__lte=routing.conversation_id)
        )
        .count()
    )


def chats_waiting_for(*, actor: Agent, limit: int = 100) -> list[ChatRouting]:
    """The chats waiting for an agent in the inboxes the actor may see, oldest first."""
    from carefront.conversations.selectors import visible_inboxes

    return list(
        ChatRouting.objects.filter(
            state__in=WAITING_CHAT_STATES, inbox__in=visible_inboxes(actor=actor)
        )
        .select_related("conversation__customer", "inbox", "offered_to")
        .order_by("queued_at", "conversation_id")[:limit]
    )


# Writes -------------------------------------------------------------------------------------


def schedule_timer(task, when: dt.datetime, *args) -> None:
    """A timer at `when`, enqueued after commit. A backend that cannot run tasks later (the
    immediate one of unit tests) gets none: tests call the timer's service directly."""
    if not task.get_backend().supports_defer:
        logger.debug("No deferred tasks: %s%r not scheduled", task.name, args)
        return
    transaction.on_commit(lambda: task.using(run_after=when).enqueue(*args), robust=True)


def _notice(agent_id: int, kind: str, data: dict) -> None:
    message = {"type": "live.notice", "kind": kind, "data": data}
    transaction.on_commit(lambda: group_send(agent_group(agent_id), message), robust=True)


def _offer_data(routing: ChatRouting, times: ChatTimes) -> dict:
    from django.urls import reverse

    conversation = routing.conversation
    customer = conversation.customer
    return {
        "conversation_id": routing.conversation_id,
        "inbox_id": routing.inbox_id,
        "inbox": routing.inbox.name,
        "customer": customer.name or customer.email or _("Visitor"),
        "preview": conversation.preview,
        "offered_at": routing.offered_at.isoformat() if routing.offered_at else None,
        "expires_in": times.accept_seconds,
        "accept_url": reverse("web:chat_offer_accept", args=[routing.conversation_id]),
        "decline_url": reverse("web:chat_offer_decline", args=[routing.conversation_id]),
        "conversation_url": reverse("web:conversation", args=[routing.conversation_id]),
    }


def _try_offer(routing: ChatRouting, *, now: dt.datetime) -> bool:
    """Offer a locked, waiting chat to the fairest agent with room. False: nobody."""
    from .tasks import chat_offer_expire_task

    candidates = chat_agents_with_room(inbox_id=routing.inbox_id).exclude(
        pk__in=routing.passed_agent_ids or []
    )
    agent = claim_first(candidates)
    if agent is None:
        if routing.state != ChatState.QUEUED:
            routing.state = ChatState.QUEUED
            routing.offered_to = None
            routing.offered_at = None
            routing.save(update_fields=["state", "offered_to", "offered_at"])
        return False
    times = chat_times(inbox_id=routing.inbox_id)
    routing.state = ChatState.OFFERED
    routing.offered_to = agent
    routing.offered_at = now
    routing.offer_version += 1
    routing.save(update_fields=["state", "offered_to", "offered_at", "offer_version"])
    AgentRouting.objects.update_or_create(agent=agent, defaults={"last_chat_offer_at": now})
    _notice(agent.pk, "chat_offer", _offer_data(routing, times))
    schedule_timer(
        chat_offer_expire_task,
        now + dt.timedelta(seconds=times.accept_seconds),
        routing.conversation_id,
        routing.offer_version,
    )
    return True


def claim_first(candidates: QuerySet[Agent]) -> Agent | None:
    """The first candidate, with their row locked and their room checked again under the lock:
    two chats routed at the same moment cannot both take an agent's last slot (PostgreSQL)."""
    for agent in list(candidates[:CLAIM_TRIES]):
        list(Agent.objects.select_for_update().filter(pk=agent.pk).values_list("pk"))
        if candidates.filter(pk=agent.pk).exists():
            return agent
    return None


def _tell_visitor_queue(routing: ChatRouting) -> None:
    from carefront.conversations.live import live_event_append

    live_event_append(
        conversation_id=routing.conversation_id,
        kind="queue",
        public=True,
        data={"position": _position(routing), "available": False},
    )


@transaction.atomic
def chat_route(*, conversation_id: int, now: dt.datetime | None = None) -> ChatOffer:
    """Offer a new chat to an available agent within capacity, else queue it. Calling it again
    for the same chat changes nothing and answers where it stands."""
    from carefront.conversations.models import Conversation

    from .tasks import chat_wait_expire_task

    now = now or timezone.now()
    conversation = (
        Conversation.objects.select_for_update()
        .select_related("customer", "inbox")
        .filter(pk=conversation_id)
        .first()
    )
    if conversation is None:
        raise NotFound(_("Conversation not found."))
    routing, created = ChatRouting.objects.get_or_create(
        conversation=conversation,
        defaults={"inbox_id": conversation.inbox_id, "queued_at": now},
    )
    if not created:
        if routing.state == ChatState.OFFERED:
            return ChatOffer(agent_id=routing.offered_to_id, queue_position=None)
        if routing.state == ChatState.QUEUED:
            return ChatOffer(agent_id=None, queue_position=_position(routing))
        return ChatOffer(agent_id=conversation.assignee_id, queue_position=None)
    if conversation.assignee_id is not None:
        routing.state = ChatState.ACCEPTED
        routing.settled_at = now
        routing.save(update_fields=["state", "settled_at"])
        return ChatOffer(agent_id=conversation.assignee_id, queue_position=None)
    times = chat_times(inbox_id=conversation.inbox_id)
    schedule_timer(
        chat_wait_expire_task, now + dt.timedelta(minutes=times.wait_minutes), conversation_id
    )
    # The queue goes first: a chat waiting longer is offered before this one.
    chat_queue_advance(inbox_id=conversation.inbox_id, now=now)
    routing.refresh_from_db()
    if routing.state == ChatState.OFFERED:
        return ChatOffer(agent_id=routing.offered_to_id, queue_position=None)
    _tell_visitor_queue(routing)
    return ChatOffer(agent_id=None, queue_position=_position(routing))


def _locked_routing(conversation_id: int) -> ChatRouting:
    routing = (
        ChatRouting.objects.select_for_update()
        .select_related("conversation__customer", "inbox")
        .filter(pk=conversation_id)
        .first()
    )
    if routing is None:
        raise NotFound(_("This chat is not waiting for an agent."))
    return routing


@transaction.atomic
def chat_offer_accept(
    *, actor: Agent, conversation_id: int, now: dt.datetime | None = None
) -> ChatRouting:
    """The agent takes the chat: offered to them, or still waiting in a queue they can see."""
    from carefront.conversations.live import live_event_append
    from carefront.conversations.selectors import agent_can_access_inbox
    from carefront.conversations.services import conversation_assign

    now = now or timezone.now()
    routing = _locked_routing(conversation_id)
    if not agent_can_access_inbox(agent=actor, inbox_id=routing.inbox_id):
        raise NotFound(_("This chat is not waiting for an agent."))
    if routing.state == ChatState.OFFERED and routing.offered_to_id != actor.pk:
        raise PermissionDenied(_("This chat was offered to someone else."))
    if routing.state not in WAITING_CHAT_STATES:
        raise InvalidInput(_("This chat is no longer waiting: someone took it or it ended."))
    previous_offer = routing.offered_to_id
    routing.state = ChatState.ACCEPTED
    routing.settled_at = now
    routing.offered_to = actor
    routing.save(update_fields=["state", "settled_at", "offered_to"])
    conversation_assign(
        conversation=routing.conversation, assignee=actor, actor=actor, reason="chat_accepted"
    )
    live_event_append(
        conversation_id=conversation_id,
        kind="agent_joined",
        public=True,
        data={"name": actor.first_name},
    )
    if previous_offer and previous_offer != actor.pk:
        _notice(previous_offer, "chat_offer_withdrawn", {"conversation_id": conversation_id})
    transaction.on_commit(lambda: chat_queue_advance(inbox_id=routing.inbox_id), robust=True)
    return routing


@transaction.atomic
def chat_offer_decline(
    *, actor: Agent, conversation_id: int, now: dt.datetime | None = None
) -> ChatRouting:
    """The agent passes: the chat goes to the next agent with room, or back to the queue."""
    from carefront.conversations.selectors import agent_can_access_inbox

    now = now or timezone.now()
    routing = _locked_routing(conversation_id)
    if not agent_can_access_inbox(agent=actor, inbox_id=routing.inbox_id):
        raise NotFound(_("This chat is not waiting for an agent."))
    if routing.state != ChatState.OFFERED or routing.offered_to_id != actor.pk:
        raise InvalidInput(_("This chat is not offered to you (any more)."))
    _pass_on(routing, now=now)
    return routing


def _pass_on(routing: ChatRouting, *, now: dt.datetime) -> None:
    passed = list(routing.passed_agent_ids or [])
    if routing.offered_to_id and routing.offered_to_id not in passed:
        passed.append(routing.offered_to_id)
    routing.passed_agent_ids = passed
    routing.save(update_fields=["passed_agent_ids"])
    if not _try_offer(routing, now=now):
        _tell_visitor_queue(routing)


@transaction.atomic
def chat_offer_expire(*, conversation_id: int, version: int, now: dt.datetime | None = None) -> str:
    """The accept timer of one offer: not accepted in time, the chat goes to the next agent."""
    now = now or timezone.now()
    routing = ChatRouting.objects.select_for_update().filter(pk=conversation_id).first()
    if routing is None or routing.state != ChatState.OFFERED or routing.offer_version != version:
        return "moved on"
    routing = _locked_routing(conversation_id)
    missed = routing.offered_to_id
    if missed:
        _notice(missed, "chat_offer_withdrawn", {"conversation_id": conversation_id})
    _pass_on(routing, now=now)
    return "offered" if routing.state == ChatState.OFFERED else "queued"


@transaction.atomic
def chat_wait_expire(*, conversation_id: int, now: dt.datetime | None = None) -> str:
    """Nobody accepted within the inbox's wait time: the chat continues by email, unassigned
    (the visitor is told; the timeline says why)."""
    from carefront.conversations.live import live_event_append
    from carefront.conversations.models import EventKind
    from carefront.conversations.services import conversation_timeline_add

    now = now or timezone.now()
    routing = ChatRouting.objects.select_for_update().filter(pk=conversation_id).first()
    if routing is None or routing.state not in WAITING_CHAT_STATES:
        return "settled"
    times = chat_times(inbox_id=routing.inbox_id)
    if now < routing.queued_at + dt.timedelta(minutes=times.wait_minutes):
        return "not yet"
    withdrawn = routing.offered_to_id if routing.state == ChatState.OFFERED else None
    routing.state = ChatState.TO_EMAIL
    routing.offered_to = None
    routing.settled_at = now
    routing.save(update_fields=["state", "offered_to", "settled_at"])
    if withdrawn:
        _notice(withdrawn, "chat_offer_withdrawn", {"conversation_id": conversation_id})
    conversation_timeline_add(
        conversation_id=conversation_id,
        kind=EventKind.ROUTING,
        reason="chat_to_email",
        wait_minutes=times.wait_minutes,
    )
    live_event_append(
        conversation_id=conversation_id,
        kind="to_email",
        public=True,
        data={"wait_minutes": times.wait_minutes},
    )
    return "to email"


def chat_queue_advance(*, inbox_id: int, now: dt.datetime | None = None) -> int:
    """Offer waiting chats, oldest first, while agents have room; tell the rest their place.
    Returns how many chats were offered."""
    now = now or timezone.now()
    offered = 0
    with transaction.atomic():
        queued = list(
            ChatRouting.objects.select_for_update()
            .filter(inbox_id=inbox_id, state=ChatState.QUEUED)
            .select_related("conversation__customer", "inbox")
            .order_by("queued_at", "conversation_id")[:QUEUE_NOTIFY_LIMIT]
        )
        remaining = []
        for index, routing in enumerate(queued):
            if _try_offer(routing, now=now):
                offered += 1
                continue
            if not routing.passed_agent_ids:
                # Nobody has room at all: the rest wait too.
                remaining.extend(queued[index:])
                break
            remaining.append(routing)
        if offered:
            for routing in remaining:
                _tell_visitor_queue(routing)
    return offered


def chat_inboxes_of(*, agent_id: int) -> list[int]:
    """The chat inboxes an agent answers through their teams."""
    from carefront.inboxes.models import Inbox

    return list(
        Inbox.objects.filter(channel="chat", teams__members__id=agent_id)
        .values_list("pk", flat=True)
        .distinct()
    )


# Subscribers (registered in AutomationConfig.ready) -----------------------------------------


def on_availability_changed(event) -> None:
    """Online: the queues the agent serves move on. Away or offline: offers to them pass on."""
    if event.new == Availability.ONLINE:
        for inbox_id in chat_inboxes_of(agent_id=event.agent_id):
            chat_queue_advance(inbox_id=inbox_id)
        return
    now = timezone.now()
    for conversation_id in ChatRouting.objects.filter(
        offered_to_id=event.agent_id, state=ChatState.OFFERED
    ).values_list("pk", flat=True):
        with transaction.atomic():
            routing = _locked_routing(conversation_id)
            if routing.state == ChatState.OFFERED and routing.offered_to_id == event.agent_id:
                _notice(event.agent_id, "chat_offer_withdrawn", {"conversation_id": routing.pk})
                _pass_on(routing, now=now)


def on_status_changed(event) -> None:
    """A chat that is no longer open frees its agent's slot; one that ended while waiting
    leaves the queue."""
    if event.old_status != "open" or event.new_status == "open":
        return
    routing = ChatRouting.objects.filter(pk=event.conversation_id).first()
    if routing is None:
        return
    if routing.state in WAITING_CHAT_STATES:
        with transaction.atomic():
            routing = ChatRouting.objects.select_for_update().get(pk=routing.pk)
            if routing.state in WAITING_CHAT_STATES:
                if routing.offered_to_id and routing.state == ChatState.OFFERED:
                    _notice(
                        routing.offered_to_id,
                        "chat_offer_withdrawn",
                        {"conversation_id": routing.pk},
                    )
                routing.state = ChatState.CLOSED
                routing.settled_at = timezone.now()
                routing.save(update_fields=["state", "settled_at"])
    chat_queue_advance(inbox_id=routing.inbox_id)


def on_assigned(event) -> None:
    """An agent assigned a waiting chat by hand: it leaves the queue. A chat taken away from
    an agent frees their slot."""
    routing = ChatRouting.objects.filter(pk=event.conversation_id).first()
    if routing is None:
        return
    if routing.state in WAITING_CHAT_STATES and event.assignee_id is not None:
        with transaction.atomic():
            routing = ChatRouting.objects.select_for_update().get(pk=routing.pk)
            if routing.state in WAITING_CHAT_STATES:
                if routing.offered_to_id and routing.offered_to_id != event.assignee_id:
                    _notice(
                        routing.offered_to_id,
                        "chat_offer_withdrawn",
                        {"conversation_id": routing.pk},
                    )
                routing.state = ChatState.ACCEPTED
                routing.offered_to_id = event.assignee_id
                routing.settled_at = timezone.now()
                routing.save(update_fields=["state", "offered_to", "settled_at"])
    chat_queue_advance(inbox_id=routing.inbox_id)
