"""Reads on conversations, always scoped to what the acting agent may see."""

import base64
import datetime as dt
import json
from dataclasses import dataclass, field

from django.db.models import Exists, F, OuterRef, Prefetch, Q, QuerySet

from carefront.accounts.models import Agent
from carefront.core.exceptions import InvalidInput, NotFound
from carefront.inboxes.models import Inbox

from .models import WAITING_KEY, Attachment, Conversation, ConversationEvent, Message, Status

PAGE_SIZE = 25
# What list pages and list endpoints show; loading only these keeps a page's cost low.
LIST_FIELDS = [
    *(
        f.name
        for f in Conversation._meta.concrete_fields
        if f.name not in {"reply_token", "inbox", "customer", "assignee"}
    ),
    "inbox__name",
    "customer__name",
    "customer__email",
    "assignee__name",
    "assignee__email",
]


def visible_inboxes(*, actor: Agent) -> QuerySet[Inbox]:
    if actor.sees_all_inboxes:
        return Inbox.objects.all()
    return Inbox.objects.filter(teams__members=actor).distinct()


def agent_can_access_inbox(*, agent: Agent, inbox_id: int) -> bool:
    if agent.sees_all_inboxes:
        return True
    return Inbox.objects.filter(pk=inbox_id, teams__members=agent).exists()


def conversations_visible_to(*, actor: Agent) -> QuerySet[Conversation]:
    qs = Conversation.objects.all()
    if actor.sees_all_inboxes:
        return qs
    # EXISTS keeps the list query a single, index-friendly statement (no DISTINCT).
    member = Inbox.teams.through.objects.filter(inbox_id=OuterRef("inbox_id"), team__members=actor)
    return qs.filter(Exists(member))


def access_conversation(*, actor: Agent, conversation_id: int) -> Conversation:
    """The conversation, if the actor may see it; NotFound otherwise (no existence leak)."""
    conversation = (
        conversations_visible_to(actor=actor)
        .select_related("inbox", "customer", "assignee", "team")
        .filter(pk=conversation_id)
        .first()
    )
    if conversation is None:
        raise NotFound("Conversation not found.")
    return conversation


class Folder:
    MINE = "mine"
    UNASSIGNED = "unassigned"
    OPEN = "open"
    PENDING = "pending"
    SOLVED = "solved"
    ALL = "all"

    choices = [MINE, UNASSIGNED, OPEN, PENDING, SOLVED, ALL]


class Sort:
    WAITING = "waiting"  # longest waiting first
    NEWEST = "newest"  # most recent activity first
    OLDEST = "oldest"

    choices = [WAITING, NEWEST, OLDEST]


@dataclass
class ConversationFilters:
    folder: str = Folder.OPEN
    inbox_id: int | None = None
    team_id: int | None = None
    assignee_id: int | None = None
    status: str | None = None
    tag: str | None = None
    sort: str = Sort.WAITING
    ids: list[int] | None = None  # from a search
    extra: dict = field(default_factory=dict)


@dataclass
class Page:
    items: list
    next_cursor: str | None


def _encode_cursor(values: list) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


def _decode_cursor(cursor: str) -> list:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, TypeError) as exc:
        raise InvalidInput("The page cursor is not valid.") from exc
    if not isinstance(values, list) or len(values) != 2:
        raise InvalidInput("The page cursor is not valid.")
    return values


def _folder_filter(folder: str, actor: Agent) -> Q:
    active = Q(status__in=[Status.OPEN, Status.PENDING])
    return {
        Folder.MINE: active & Q(assignee=actor),
        Folder.UNASSIGNED: Q(status=Status.OPEN, assignee__isnull=True),
        Folder.OPEN: Q(status=Status.OPEN),
        Folder.PENDING: Q(status=Status.PENDING),
        Folder.SOLVED: Q(status__in=[Status.SOLVED, Status.CLOSED]),
        Folder.ALL: Q(),
    }.get(folder, Q(status=Status.OPEN))


def conversation_list(
    *, actor: Agent, filters: ConversationFilters, cursor: str | None = None, limit: int = PAGE_SIZE
) -> Page:
    """One page of conversations, keyset-paginated: the cost follows the page, not the table."""
    qs = conversations_visible_to(actor=actor).filter(_folder_filter(filters.folder, actor))
    if filters.inbox_id:
        qs = qs.filter(inbox_id=filters.inbox_id)
    if filters.team_id:
        qs = qs.filter(team_id=filters.team_id)
    if filters.assignee_id:
        qs = qs.filter(assignee_id=filters.assignee_id)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.tag:
        qs = qs.filter(tags__name=filters.tag)
    if filters.ids is not None:
        qs = qs.filter(pk__in=filters.ids)

    if filters.sort == Sort.NEWEST:
        sort_expr, descending = F("last_message_at"), True
    elif filters.sort == Sort.OLDEST:
        sort_expr, descending = F("last_message_at"), False
    else:
        sort_expr, descending = WAITING_KEY, False
    qs = qs.alias(sort_value=sort_expr)
    key = "sort_value"
    if cursor:
        value, last_id = _decode_cursor(cursor)
        try:
            value = dt.datetime.fromisoformat(value)
        except (TypeError, ValueError) as exc:
            raise InvalidInput("The page cursor is not valid.") from exc
        if descending:
            qs = qs.filter(Q(**{f"{key}__lt": value}) | Q(**{key: value, "id__lt": last_id}))
        else:
            qs = qs.filter(Q(**{f"{key}__gt": value}) | Q(**{key: value, "id__gt": last_id}))
    order = [f"-{key}", "-id"] if descending else [key, "id"]
    rows = list(
        qs.select_related("customer", "assignee", "inbox")
        .only(*LIST_FIELDS)
        .annotate(sort_value=sort_expr)
        .order_by(*order)[: limit + 1]
    )
    attach_tag_names(rows)
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1]
        next_cursor = _encode_cursor([last.sort_value.isoformat(), last.pk])
    return Page(items=rows, next_cursor=next_cursor)


TIMELINE_MESSAGE_FIELDS = [
    *(f.name for f in Message._meta.concrete_fields if f.name != "author"),
    "author__name",
    "author__email",
]


def attach_tag_names(conversations: list[Conversation]) -> None:
    """Set `tag_names` (sorted) on each conversation with one query and no Tag objects.

    `conversation_list` does it for its rows; call it for conversations fetched otherwise.
    """
    names: dict[int, list[str]] = {c.pk: [] for c in conversations}
    if names:
        pairs = Conversation.tags.through.objects.filter(conversation_id__in=names).values_list(
            "conversation_id", "tag__name"
        )
        for conversation_id, name in pairs:
            names[conversation_id].append(name)
    for conversation in conversations:
        conversation.tag_names = sorted(names[conversation.pk])


def conversation_timeline(*, conversation: Conversation, with_attachments: bool = True) -> list:
    """Messages and events of a conversation in time order, with attachments, in 3 queries.

    `with_attachments=False` leaves them to the caller (2 queries), for a caller that needs them
    for some messages only.
    """
    messages = Message.objects.filter(conversation=conversation).select_related("author")
    if with_attachments:
        messages = messages.prefetch_related(
            Prefetch("attachments", queryset=Attachment.objects.order_by("id"))
        )
    messages = list(messages.only(*TIMELINE_MESSAGE_FIELDS).order_by("created_at", "id"))
    conversation_events = list(
        ConversationEvent.objects.filter(conversation=conversation)
        .select_related("actor")
        .only("conversation_id", "kind", "data", "created_at", "actor__name")
        .order_by("created_at", "id")
    )
    items = [("message", m.created_at, m) for m in messages]
    items += [("event", e.created_at, e) for e in conversation_events]
    items.sort(key=lambda item: item[1])
    return items
