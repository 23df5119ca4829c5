"""What agents do to a conversation: reply, note, assign, change status or priority, tag."""

import datetime as dt
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from carefront.accounts.models import Agent, Team
from carefront.core.events import publish
from carefront.core.exceptions import Conflict, InvalidInput, PermissionDenied
from carefront.customers.models import Customer
from carefront.inboxes.models import Inbox

from .. import events
from ..live import live_event_append, message_live_data
from ..models import (
    PRIORITY_BY_NAME,
    Conversation,
    ConversationEvent,
    DeliveryStatus,
    Direction,
    EventKind,
    Message,
    OutboxEntry,
    Priority,
    Status,
    Tag,
    ThreadKey,
    priority_name,
)
from .attachments import NewAttachment, attachments_store, check_attachments

# How many of the messages that landed meanwhile a ConversationChanged lists.
CHANGED_MESSAGES_LIMIT = 20


class ConversationChanged(Conflict):
    """The "traffic cop": a customer message or another agent's reply or note landed after the
    message the writer last saw (`if_last_message_id`); nothing was written. `new_messages`
    lists what landed (oldest first), so the writer can read it and send anyway or edit."""

    code = "conversation_changed"

    def __init__(self, *, new_messages: list[dict]) -> None:
        super().__init__(
            str(_("The conversation changed since you opened it: read what is new first.")),
            extra={"new_messages": new_messages},
        )
        self.new_messages = new_messages


def conversation_check_unchanged(
    *, conversation: Conversation, author: Agent, if_last_message_id: int | None
) -> None:
    """Raise ConversationChanged if a customer message or another agent's reply or note came
    after `if_last_message_id` (None: no check). The writer's own messages and Carefront's
    automatic ones (acknowledgements) are no collision. Call with the conversation locked."""
    if if_last_message_id is None:
        return
    landed = list(
        Message.objects.filter(conversation_id=conversation.pk, pk__gt=if_last_message_id)
        .exclude(author_id=author.pk)
        .exclude(direction=Direction.OUTGOING, author__isnull=True)
        .select_related("author", "customer")
        .order_by("pk")[:CHANGED_MESSAGES_LIMIT]
    )
    if landed:
        raise ConversationChanged(new_messages=[_changed_message(m) for m in landed])


def _changed_message(message: Message) -> dict:
    if message.author_id:
        author = message.author.name
    else:
        author = message.from_name or (message.customer.name if message.customer_id else "")
    return {
        "id": message.pk,
        "direction": message.direction,
        "author": author,
        "text": (message.reply_text or message.body_text)[:2000],
        "created_at": message.created_at.isoformat(),
    }


MAX_BODY_LENGTH = 100_000
BULK_LIMIT = 100  # conversations per bulk change: one request stays short
MAX_TAG_LENGTH = 64
SNOOZE_NEEDS_A_TIME = _(
    "A conversation is snoozed until a time: snooze it with that time "
    "(POST /conversations/{id}/snooze with `until`) instead of setting the status."
)


def new_message_id() -> str:
    return f"cf.{uuid.uuid4().hex}@{settings.CAREFRONT['MAIL_DOMAIN']}"


def _clean_body(body: str) -> str:
    # NUL is meaningless in text and PostgreSQL cannot store it.
    body = (body or "").replace("\x00", "").replace("\r\n", "\n").strip()
    if not body:
        raise InvalidInput("The message is empty.")
    if len(body) > MAX_BODY_LENGTH:
        raise InvalidInput(f"The message is longer than {MAX_BODY_LENGTH} characters.")
    return body


def reply_recipients(
    *, customer: Customer, last_incoming: Message | None, own_address: str = ""
) -> list[str]:
    """Where an answer goes: the Reply-To of the customer's last message, as mail clients do
    (RFC 5322 3.6.2; a web form's visitor, a "write to my work address"), else the customer's
    address. A Reply-To is only followed while the conversation still belongs to the customer
    who sent that message (an agent may have linked it to someone else since)."""
    if (
        last_incoming is not None
        and last_incoming.reply_to
        and last_incoming.customer_id == customer.pk
    ):
        own = own_address.lower()
        recipients = [a for a in last_incoming.reply_to if a.lower() != own]
        if recipients:  # a Reply-To naming our own inbox would mail ourselves
            return recipients
    return [customer.email] if customer.email else []


def _last_incoming(conversation: Conversation) -> Message | None:
    return (
        Message.objects.filter(conversation=conversation, direction=Direction.INCOMING)
        .exclude(message_id="")
        .order_by("-created_at", "-id")
        .only("message_id", "references", "subject", "reply_to", "customer_id")
        .first()
    )


def _outgoing_message(
    *,
    conversation: Conversation,
    author: Agent | None,
    from_name: str,
    body: str,
    now: dt.datetime,
    to: list[str] | None = None,
    is_automatic: bool = False,
) -> Message:
    """An outgoing message threaded under the customer's last message (In-Reply-To,
    References, "Re:" subject), with its outbox row and thread key. `to`: the recipients
    (default: `reply_recipients`)."""
    last_incoming = _last_incoming(conversation)
    references = []
    in_reply_to = ""
    if last_incoming is not None:
        references = [*last_incoming.references.split(), last_incoming.message_id]
        in_reply_to = last_incoming.message_id
    subject = conversation.subject
    if subject and not subject.lower().startswith("re:"):
        subject = f"Re: {subject}"
    if to is None:
        to = reply_recipients(
            customer=conversation.customer,
            last_incoming=last_incoming,
            own_address=conversation.inbox.email_address or "",
        )
    message = Message.objects.create(
        conversation=conversation,
        direction=Direction.OUTGOING,
        channel=conversation.inbox.channel,
        author=author,
        from_name=from_name,
        from_address=conversation.inbox.email_address or "",
        to=to,
        subject=subject,
        message_id=new_message_id(),
        in_reply_to=in_reply_to,
        references=" ".join(references[-20:]),
        body_text=body,
        reply_text=body,
        # On an outgoing message: written by Carefront, not by an agent (RFC 3834
        # "auto-replied" on the wire).
        is_auto_submitted=is_automatic,
        created_at=now,
        delivery_status=DeliveryStatus.QUEUED,
    )
    OutboxEntry.objects.create(message=message, next_attempt_at=now)
    # A customer's answer may quote only our Message-ID (In-Reply-To, no References).
    ThreadKey.objects.create(message_id=message.message_id, conversation=conversation)
    return message


def _deliver_on_commit(message: Message) -> None:
    from ..tasks import outbox_deliver_task

    entry_id = message.outbox_entry.pk
    transaction.on_commit(lambda: outbox_deliver_task.enqueue(entry_id))


@transaction.atomic
def conversation_reply(
    *,
    conversation: Conversation,
    author: Agent,
    body: str,
    status: str | None = None,
    attachments: Sequence[NewAttachment] = (),
    if_last_message_id: int | None = None,
) -> Message:
    """Write a reply to the customer, optionally changing the status ("send and solve"), with
    files attached (sent with the email).

    The message, its attachments and its outbox row commit together; a task delivers it after
    commit. With `if_last_message_id` (the last message the agent saw), raises
    ConversationChanged instead if someone else wrote meanwhile.
    """
    body = _clean_body(body)
    check_attachments(attachments)
    conversation = Conversation.objects.select_for_update().get(pk=conversation.pk)
    conversation_check_unchanged(
        conversation=conversation, author=author, if_last_message_id=if_last_message_id
    )
    now = timezone.now()
    message = _outgoing_message(
        conversation=conversation,
        author=author,
        from_name=conversation.inbox.from_name or author.name,
        body=body,
        now=now,
    )
    attachments_store(message=message, files=attachments)
    fields = {
        "last_message_at": now,
        "message_count": F("message_count") + 1,
        "preview": " ".join(body.split())[:200],
        "waiting_since": None,
        "updated_at": now,
    }
    Conversation.objects.filter(pk=conversation.pk).update(**fields)
    conversation.refresh_from_db()
    if status and status != conversation.status:
        conversation_set_status(conversation=conversation, status=status, actor=author)

    _deliver_on_commit(message)
    # The live event from the message in hand (the bus's handler would read it again).
    live_event_append(
        conversation_id=conversation.pk,
        kind="message",
        public=True,
        data=message_live_data(message, author=author.name),
        savepoint=False,
    )
    publish(
        events.MessageSent(
            conversation_id=conversation.pk, message_id=message.pk, live_recorded=True
        )
    )
    return message


@transaction.atomic
def conversation_send_automatic(
    *, conversation: Conversation, body: str, to: list[str] | None = None
) -> Message:
    """A message Carefront writes to the customer on its own (an acknowledgement): threaded
    and delivered through the outbox like a reply, shown on the timeline, but with no author
    and marked automatic (`is_auto_submitted`).

    It is not an agent's reply: the customer is still waiting (`waiting_since`, the preview
    and the last activity stay), and no `MessageSent` is published, so SLA first-reply
    targets, CSAT and reports do not count it. The caller publishes its own event.
    """
    body = _clean_body(body)
    conversation = (
        Conversation.objects.select_for_update(of=("self",))
        .select_related("inbox", "customer")
        .get(pk=conversation.pk)
    )
    now = timezone.now()
    inbox = conversation.inbox
    message = _outgoing_message(
        conversation=conversation,
        author=None,
        from_name=inbox.from_name or inbox.name,
        body=body,
        now=now,
        to=to,
        is_automatic=True,
    )
    Conversation.objects.filter(pk=conversation.pk).update(
        message_count=F("message_count") + 1, updated_at=now
    )
    _deliver_on_commit(message)
    return message


@transaction.atomic
def conversation_start_automatic(
    *, inbox: Inbox, customer: Customer, subject: str, body: str
) -> Message:
    """A conversation Carefront starts on its own to tell a customer something (an improvement
    they asked for has shipped) where no conversation of theirs is at hand: created solved
    (nothing for agents to do until the customer answers, which reopens it), with the
    automatic message as its first, delivered through the outbox like any reply.

    No `ConversationCreated` is published: it is not a customer's request, and automation,
    acknowledgements and SLA targets must not treat it as one.
    """
    if not customer.email:
        raise InvalidInput(_("The customer has no email address."))
    subject = " ".join((subject or "").split())[: Conversation.subject.field.max_length]
    now = timezone.now()
    conversation = Conversation.objects.create(
        inbox=inbox,
        customer=customer,
        subject=subject,
        status=Status.SOLVED,
        last_message_at=now,
        message_count=0,
    )
    ConversationEvent.objects.create(conversation=conversation, kind=EventKind.CREATED)
    return conversation_send_automatic(conversation=conversation, body=body, to=[customer.email])


@transaction.atomic
def conversation_add_note(
    *,
    conversation: Conversation,
    author: Agent | None,
    body: str,
    attachments: Sequence[NewAttachment] = (),
    if_last_message_id: int | None = None,
) -> Message:
    """A private note, optionally with files: seen by agents only, never sent. `author` None:
    Carefront wrote it (a rule), shown as from "Automation". With `if_last_message_id`, raises
    ConversationChanged if someone else wrote meanwhile."""
    body = _clean_body(body)
    check_attachments(attachments)
    if if_last_message_id is not None:
        Conversation.objects.select_for_update().filter(pk=conversation.pk).first()
        conversation_check_unchanged(
            conversation=conversation, author=author, if_last_message_id=if_last_message_id
        )
    now = timezone.now()
    message = Message.objects.create(
        conversation=conversation,
        direction=Direction.NOTE,
        channel="internal",
        author=author,
        from_name=author.name if author is not None else str(_("Automation")),
        body_text=body,
        reply_text=body,
        created_at=now,
    )
    attachments_store(message=message, files=attachments)
    Conversation.objects.filter(pk=conversation.pk).update(updated_at=now)
    live_event_append(
        conversation_id=conversation.pk,
        kind="note",
        data=message_live_data(message, author=message.from_name),
        savepoint=False,
    )
    publish(
        events.NoteAdded(conversation_id=conversation.pk, message_id=message.pk, live_recorded=True)
    )
    return message


@transaction.atomic
def conversation_assign(
    *,
    conversation: Conversation,
    assignee: Agent | None,
    actor: Agent | None,
    team: Team | None = None,
    reason: str = "",
    reason_details: dict | None = None,
) -> Conversation:
    """Give the conversation to an agent (or nobody), optionally to a team. `actor` None:
    Carefront itself did it (an SLA escalation, a follow-up that came due), and the timeline
    says so; `reason` says why, in a word the timeline explains (automatic routing:
    "round_robin", "least_loaded", "chat_accepted", "away_reassigned", "chat_to_email")."""
    from ..selectors import agent_can_access_inbox

    conversation = Conversation.objects.select_for_update().get(pk=conversation.pk)
    if assignee is not None and not agent_can_access_inbox(
        agent=assignee, inbox_id=conversation.inbox_id
    ):
        raise PermissionDenied(f"{assignee} cannot see the inbox of this conversation.")
    if assignee is not None and not assignee.is_active:
        raise InvalidInput(f"{assignee} is deactivated.")
    changed = conversation.assignee_id != (assignee.pk if assignee else None)
    team_changed = team is not None and conversation.team_id != team.pk
    if not changed and not team_changed:
        return conversation
    conversation.assignee = assignee
    update = ["assignee", "updated_at"]
    if team is not None:
        conversation.team = team
        update.append("team")
    conversation.save(update_fields=update)
    events.record(
        conversation=conversation,
        kind=EventKind.ASSIGNED,
        actor_id=actor.pk if actor else None,
        assignee=assignee.pk if assignee else None,
        assignee_name=assignee.name if assignee else "",
        team=conversation.team_id,
        **({"reason": reason, **(reason_details or {})} if reason else {}),
    )
    publish(
        events.ConversationAssigned(
            conversation_id=conversation.pk,
            assignee_id=conversation.assignee_id,
            team_id=conversation.team_id,
        )
    )
    return conversation


@dataclass(frozen=True, slots=True)
class BulkResult:
    updated: int
    refused: list[str]  # why some could not be changed, one line each


def conversations_bulk_update(
    *,
    conversation_ids: Iterable[int],
    actor: Agent,
    status: str | None = None,
    assignee: Agent | None = None,
    unassign: bool = False,
    priority: int | str | None = None,
) -> BulkResult:
    """Set the status, the assignee and/or the priority of many conversations the actor can see.

    Each change goes through the single-conversation service (its timeline row, its event); one
    that is refused (an assignee who cannot see that inbox) does not stop the others. Ids the
    actor cannot see are ignored, as if they did not exist.
    """
    from ..selectors import conversations_visible_to

    if status is not None and status not in Status.values:
        raise InvalidInput(f"{status!r} is not a status.")
    if status == Status.SNOOZED:
        raise InvalidInput(str(SNOOZE_NEEDS_A_TIME))
    if priority is not None:
        priority = _as_priority(priority)
    ids = sorted(set(conversation_ids))[:BULK_LIMIT]
    visible = conversations_visible_to(actor=actor).filter(pk__in=ids).order_by("id")
    updated, refused = 0, []
    for conversation in visible:
        try:
            if assignee is not None or unassign:
                conversation = conversation_assign(
                    conversation=conversation, assignee=assignee, actor=actor
                )
            if priority is not None:
                conversation = conversation_set_priority(
                    conversation=conversation, priority=priority, actor=actor
                )
            if status is not None:
                conversation_set_status(conversation=conversation, status=status, actor=actor)
        except (PermissionDenied, InvalidInput) as exc:
            refused.append(f"#{conversation.pk}: {exc}")
        else:
            updated += 1
    return BulkResult(updated=updated, refused=refused)


def conversations_release_from_agent(*, agent: Agent, actor: Agent) -> int:
    """Unassign the open, pending and snoozed conversations an agent holds (they were
    deactivated), so their team's queue sees them; solved ones keep their assignee for the
    record.

    One conversation at a time, each with its own timeline row and event. Returns how many.
    """
    held = Conversation.objects.filter(
        assignee=agent, status__in=[Status.OPEN, Status.PENDING, Status.SNOOZED]
    ).order_by("id")
    released = 0
    for conversation in held.iterator():
        conversation_assign(conversation=conversation, assignee=None, actor=actor)
        released += 1
    return released


@transaction.atomic
def conversation_set_status(
    *, conversation: Conversation, status: str, actor: Agent | None
) -> Conversation:
    """Move the conversation to another status. "snoozed" needs a time: `conversation_snooze`.
    Leaving "snoozed" (for any status) ends the snooze."""
    if status not in Status.values:
        raise InvalidInput(f"{status!r} is not a status.")
    if status == Status.SNOOZED:
        raise InvalidInput(str(SNOOZE_NEEDS_A_TIME))
    conversation = Conversation.objects.select_for_update().get(pk=conversation.pk)
    old = conversation.status
    if old == status:
        return conversation
    conversation.status = status
    update = ["status", "updated_at"]
    if conversation.snoozed_until is not None:
        conversation.snoozed_until = None
        update.append("snoozed_until")
    if status in {Status.SOLVED, Status.CLOSED}:
        conversation.waiting_since = None
        update.append("waiting_since")
    conversation.save(update_fields=update)
    events.record(
        conversation=conversation,
        kind=EventKind.STATUS_CHANGED,
        actor_id=actor.pk if actor else None,
        old=old,
        new=status,
    )
    publish(
        events.ConversationStatusChanged(
            conversation_id=conversation.pk, old_status=old, new_status=status
        )
    )
    return conversation


def _as_priority(priority: int | str) -> Priority:
    """A priority from its number or its name ("urgent"); InvalidInput for anything else."""
    if isinstance(priority, str) and priority.lower() in PRIORITY_BY_NAME:
        return PRIORITY_BY_NAME[priority.lower()]
    if isinstance(priority, int) and not isinstance(priority, bool) and priority in Priority:
        return Priority(priority)
    raise InvalidInput(f"{priority!r} is not a priority (one of: {', '.join(PRIORITY_BY_NAME)}).")


@transaction.atomic
def conversation_set_priority(
    *, conversation: Conversation, priority: int | str, actor: Agent | None
) -> Conversation:
    """Raise or lower the conversation's priority (a `Priority` or its name). A timeline row and
    `ConversationPriorityChanged` record a change; setting the current priority does nothing."""
    new = _as_priority(priority)
    conversation = Conversation.objects.select_for_update().get(pk=conversation.pk)
    old = Priority(conversation.priority)
    if old == new:
        return conversation
    conversation.priority = new
    conversation.save(update_fields=["priority", "updated_at"])
    events.record(
        conversation=conversation,
        kind=EventKind.PRIORITY_CHANGED,
        actor_id=actor.pk if actor else None,
        old=priority_name(old),
        new=priority_name(new),
    )
    publish(
        events.ConversationPriorityChanged(
            conversation_id=conversation.pk,
            old_priority=priority_name(old),
            new_priority=priority_name(new),
        )
    )
    return conversation


# Kinds another app may write on a conversation's timeline (the hub's own kinds are written by
# its own services).
EXTERNAL_EVENT_KINDS = frozenset(
    {
        EventKind.RATING_REQUESTED,
        EventKind.RATED,
        EventKind.SLA_BREACHED,
        EventKind.RECOVERY_OPENED,
        EventKind.RECOVERY_REASSIGNED,
        EventKind.RECOVERY_CLOSED,
        EventKind.IMPROVEMENT_LINKED,
        EventKind.IMPROVEMENT_TOLD,
        EventKind.ROUTING,
    }
)


def conversation_timeline_add(
    *, conversation_id: int, kind: str, actor_id: int | None = None, **data: object
) -> None:
    """A timeline row written on behalf of another app (feedback: a rating request, a rating).

    Apps that depend on conversations record what happened to a conversation through this
    service rather than writing the timeline table themselves.
    """
    if kind not in EXTERNAL_EVENT_KINDS:
        raise InvalidInput(f"{kind!r} is not a timeline event other apps may add.")
    ConversationEvent.objects.create(
        conversation_id=conversation_id, kind=kind, actor_id=actor_id, data=data
    )


def _normalize_tag(name: str) -> str:
    name = " ".join(name.strip().lower().split())
    if len(name) > MAX_TAG_LENGTH:
        raise InvalidInput(f"A tag is at most {MAX_TAG_LENGTH} characters.")
    return name


@transaction.atomic
def conversation_set_tags(
    *, conversation: Conversation, names: Iterable[str], actor: Agent | None
) -> list[Tag]:
    """Replace the conversation's tags with `names`, creating unknown tags. `actor` None:
    Carefront did it (a rule)."""
    wanted = sorted({n for n in (_normalize_tag(n) for n in names) if n})
    existing = {t.name: t for t in Tag.objects.filter(name__in=wanted)}
    missing = [Tag(name=n) for n in wanted if n not in existing]
    if missing:
        Tag.objects.bulk_create(missing, ignore_conflicts=True)
        existing = {t.name: t for t in Tag.objects.filter(name__in=wanted)}
    before = set(conversation.tags.values_list("name", flat=True))
    tags = [existing[n] for n in wanted]
    if before != set(wanted):
        conversation.tags.set(tags)
        events.record(
            conversation=conversation,
            kind=EventKind.TAGGED,
            actor_id=actor.pk if actor is not None else None,
            added=sorted(set(wanted) - before),
            removed=sorted(before - set(wanted)),
        )
        publish(events.ConversationTagsChanged(conversation_id=conversation.pk, tags=tuple(wanted)))
    return tags
