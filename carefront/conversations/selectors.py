"""Reads on conversations, always scoped to what the acting agent may see."""

import datetime as dt
import hashlib
import time
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db.models import Exists, F, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from carefront.accounts.models import Agent
from carefront.core.exceptions import InvalidInput, NotFound
from carefront.core.generations import Generation
from carefront.core.pagination import cursor_decode, cursor_encode
from carefront.customers.models import Customer
from carefront.inboxes.models import Inbox

from .models import (
    DUE_KEY,
    WAITING_KEY,
    Attachment,
    Conversation,
    ConversationEvent,
    Message,
    Priority,
    Status,
)

PAGE_SIZE = 25
INBOX_ACCESS = Generation("inbox-access")
INBOX_ACCESS_SECONDS = 3600
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
    "customer__sender_unknown",
    "assignee__name",
    "assignee__email",
]


def visible_inboxes(*, actor: Agent) -> QuerySet[Inbox]:
    if actor.sees_all_inboxes:
        return Inbox.objects.all()
    return Inbox.objects.filter(teams__members=actor).distinct()


def _visible_inbox_map(*, actor: Agent) -> dict[int, Inbox]:
    key = INBOX_ACCESS.key(actor.pk, actor.role)
    inboxes = cache.get(key)
    if inboxes is None:
        inboxes = {inbox.pk: inbox for inbox in visible_inboxes(actor=actor)}
        cache.set(key, inboxes, INBOX_ACCESS_SECONDS)
    return inboxes


def visible_inbox(*, actor: Agent, inbox_id: int) -> Inbox | None:
    """One inbox the agent sees, or None: from the cache, which holds each agent's inboxes
    under a generation that changes to inboxes, teams, memberships and agents move on
    (connected in ConversationsConfig.ready)."""
    return _visible_inbox_map(actor=actor).get(inbox_id)


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
    # Set aside until a time (a snooze or a follow-up promise); they leave "mine" and "open"
    # until they wake.
    SNOOZED = "snoozed"
    SOLVED = "solved"
    ALL = "all"

    choices = [MINE, UNASSIGNED, OPEN, PENDING, SNOOZED, SOLVED, ALL]


class Sort:
    WAITING = "waiting"  # longest waiting first
    NEWEST = "newest"  # most recent activity first
    OLDEST = "oldest"
    UPDATED = "updated"  # most recently changed first (any change: message, status, tags...)
    PRIORITY = "priority"  # highest priority first, then longest waiting
    DUE = "due"  # the next SLA due time soonest first (breached first), those without one last
    # Search results only: the order of `ConversationFilters.ids` (best match first).
    RELEVANCE = "relevance"

    choices = [WAITING, NEWEST, OLDEST, UPDATED, PRIORITY, DUE]


class SlaState:
    """The `sla` filter, from the conversation's SLA summary (`sla_due_at`, `sla_at_risk_at`)."""

    BREACHED = "breached"  # the next due time has passed
    AT_RISK = "at_risk"  # at risk, not yet breached

    choices = [BREACHED, AT_RISK]


# A filter value for `assignee_id`: conversations nobody is assigned to.
UNASSIGNED = 0


@dataclass
class ConversationFilters:
    folder: str = Folder.OPEN
    inbox_id: int | None = None
    team_id: int | None = None
    assignee_id: int | None = None  # UNASSIGNED (0): nobody
    status: str | None = None
    priority: int | None = None  # a Priority
    tag: str | None = None
    customer_id: int | None = None
    is_bulk: bool | None = None  # True: only list/bulk mail; False: without it
    created_since: dt.datetime | None = None
    updated_since: dt.datetime | None = None
    sla: str | None = None  # a SlaState
    sort: str = Sort.WAITING
    ids: list[int] | None = None  # from a search
    extra: dict = field(default_factory=dict)


def after_keyset(key: str, value: object, last_id: int, *, descending: bool) -> Q:
    """Rows after `(value, last_id)` in `(key, id)` order.

    Written `key >= v AND (key > v OR id > last)` rather than `key > v OR (key = v AND id > last)`:
    the same rows, but the leading range keeps the planner walking the sort index. With the bare
    OR (and another range on the key, such as `updated_since`), SQLite split it into two index
    searches and sorted the union: 100 ms instead of 0.5 ms on a deep page of 100k rows.
    """
    if descending:
        return Q(**{f"{key}__lte": value}) & (Q(**{f"{key}__lt": value}) | Q(id__lt=last_id))
    return Q(**{f"{key}__gte": value}) & (Q(**{f"{key}__gt": value}) | Q(id__gt=last_id))


@dataclass
class Page:
    items: list
    next_cursor: str | None
    # Search results (`filters.ids` given) on a first page: how many match the filters. Bounded
    # by the number of ids, so never a count over the whole table.
    total: int | None = None


def _decode_cursor(cursor: str, *, sort: str) -> tuple[dt.datetime, int]:
    """The position a cursor points at. A cursor remembers its sort: one made for another
    order would silently skip or repeat rows, so it is refused."""
    values = _cursor_values(cursor)
    _check_sort(values, sort)
    if not isinstance(values, list) or len(values) != 3:
        raise InvalidInput(_("The page cursor is not valid."))
    position = _position(values[1], values[2])
    if values[0] != sort:
        raise InvalidInput(_("The page cursor belongs to another sort order."))
    return position


def _check_sort(values: object, sort: str) -> None:
    """A cursor of another known sort is refused as such (its shape may differ too)."""
    if isinstance(values, list) and values and values[0] in Sort.choices and values[0] != sort:
        raise InvalidInput(_("The page cursor belongs to another sort order."))


def _decode_priority_cursor(cursor: str) -> tuple[int, dt.datetime, int]:
    """A priority-sort cursor: [sort, priority, waiting key, id]."""
    values = _cursor_values(cursor)
    _check_sort(values, Sort.PRIORITY)
    if not isinstance(values, list) or len(values) != 4:
        raise InvalidInput(_("The page cursor is not valid."))
    priority = values[1]
    if isinstance(priority, bool) or priority not in Priority.values:
        raise InvalidInput(_("The page cursor is not valid."))
    value, last_id = _position(values[2], values[3])
    return priority, value, last_id


def _cursor_values(cursor: str) -> object:
    try:
        return cursor_decode(cursor)
    except (ValueError, TypeError) as exc:
        raise InvalidInput(_("The page cursor is not valid.")) from exc


def _position(value: object, last_id: object) -> tuple[dt.datetime, int]:
    """A cursor's (aware datetime, id), checked: a cursor comes from the client."""
    if (
        not isinstance(value, str)
        or not isinstance(last_id, int)
        or isinstance(last_id, bool)
        or not 0 <= last_id < 2**63
    ):
        raise InvalidInput(_("The page cursor is not valid."))
    try:
        when = dt.datetime.fromisoformat(value)
        if when.tzinfo is None:
            raise ValueError(value)
        when = when.astimezone(dt.UTC)
    except (ValueError, OverflowError) as exc:
        raise InvalidInput(_("The page cursor is not valid.")) from exc
    return when, last_id


def after_priority_keyset(priority: int, value: object, last_id: int) -> Q:
    """Rows after `(priority, value, last_id)` in (priority descending, waiting key, id) order,
    written as `after_keyset` is (a leading range on the first key) so the planner walks the
    priority index."""
    return Q(priority__lte=priority) & (
        Q(priority__lt=priority) | after_keyset("sort_value", value, last_id, descending=False)
    )


def _folder_filter(folder: str, actor: Agent) -> Q:
    active = Q(status__in=[Status.OPEN, Status.PENDING])
    return {
        Folder.MINE: active & Q(assignee=actor),
        Folder.UNASSIGNED: Q(status=Status.OPEN, assignee__isnull=True),
        Folder.OPEN: Q(status=Status.OPEN),
        Folder.PENDING: Q(status=Status.PENDING),
        Folder.SNOOZED: Q(status=Status.SNOOZED),
        Folder.SOLVED: Q(status__in=[Status.SOLVED, Status.CLOSED]),
        Folder.ALL: Q(),
    }.get(folder, Q(status=Status.OPEN))


# --- Folder counts ------------------------------------------------------------------------------

# Moves on when a conversation is created, deleted, or changes status, assignee or inbox
# (connected in ConversationsConfig.ready).
FOLDER_COUNTS = Generation("conversation-counts")
# Counting stops here: a folder with more shows "999+". Each count reads at most this many index
# entries, whatever the size of the table.
FOLDER_COUNT_CAP = 1000
# After a change, counts are recounted at most this often per scope: a busy team moving on the
# generation every second still costs one recount per scope every few seconds.
FOLDER_COUNTS_FRESH_SECONDS = 5
# A backstop for changes that move no generation (a raw SQL fix, a restore).
FOLDER_COUNTS_SECONDS = 300
COUNTED_FOLDERS = [
    Folder.MINE,
    Folder.UNASSIGNED,
    Folder.OPEN,
    Folder.PENDING,
    Folder.SNOOZED,
    Folder.SOLVED,
]


@dataclass(frozen=True, slots=True)
class FolderCount:
    count: int

    @property
    def capped(self) -> bool:
        return self.count >= FOLDER_COUNT_CAP

    def __str__(self) -> str:
        return f"{FOLDER_COUNT_CAP - 1}+" if self.capped else str(self.count)


def folder_counts(*, actor: Agent) -> dict[str, FolderCount]:
    """How many conversations each folder holds for the actor, from the cache.

    The four shared folders are cached per scope (everyone who sees the same inboxes shares
    them), "mine" per agent. An entry is used while its generation is current, and also for
    FOLDER_COUNTS_FRESH_SECONDS after it is not: counts may lag a change by a few seconds.
    A recount is six bounded COUNT queries (at most FOLDER_COUNT_CAP rows each).
    """
    if actor.sees_all_inboxes:
        inbox_ids = None
        scope = "all"
    else:
        inbox_ids = sorted(_visible_inbox_map(actor=actor))
        scope = hashlib.blake2b(repr(inbox_ids).encode(), digest_size=8).hexdigest()
    shared_key = f"folder-counts:{scope}"
    mine_key = f"folder-counts:{scope}:mine:{actor.pk}"
    generation = FOLDER_COUNTS.current()
    now = time.time()
    found = cache.get_many([shared_key, mine_key])

    def usable(entry: dict | None) -> bool:
        return entry is not None and (
            entry["generation"] == generation or now - entry["at"] < FOLDER_COUNTS_FRESH_SECONDS
        )

    base = Conversation.objects.all()
    if inbox_ids is not None:
        base = base.filter(inbox_id__in=inbox_ids)

    def count(folder: str) -> int:
        return base.filter(_folder_filter(folder, actor))[:FOLDER_COUNT_CAP].count()

    shared = found.get(shared_key)
    if not usable(shared):
        shared = {
            "generation": generation,
            "at": now,
            "counts": {f: count(f) for f in COUNTED_FOLDERS if f != Folder.MINE},
        }
        cache.set(shared_key, shared, FOLDER_COUNTS_SECONDS)
    mine = found.get(mine_key)
    if not usable(mine):
        mine = {"generation": generation, "at": now, "counts": {Folder.MINE: count(Folder.MINE)}}
        cache.set(mine_key, mine, FOLDER_COUNTS_SECONDS)
    counts = {**shared["counts"], **mine["counts"]}
    return {folder: FolderCount(counts[folder]) for folder in COUNTED_FOLDERS}


def conversation_list(
    *, actor: Agent, filters: ConversationFilters, cursor: str | None = None, limit: int = PAGE_SIZE
) -> Page:
    """One page of conversations, keyset-paginated: the cost follows the page, not the table."""
    qs = conversations_visible_to(actor=actor).filter(_folder_filter(filters.folder, actor))
    if filters.inbox_id:
        qs = qs.filter(inbox_id=filters.inbox_id)
    if filters.team_id:
        qs = qs.filter(team_id=filters.team_id)
    if filters.assignee_id == UNASSIGNED:
        qs = qs.filter(assignee__isnull=True)
    elif filters.assignee_id:
        qs = qs.filter(assignee_id=filters.assignee_id)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.priority is not None:
        qs = qs.filter(priority=filters.priority)
    if filters.tag:
        qs = qs.filter(tags__name=filters.tag)
    if filters.customer_id:
        qs = qs.filter(customer_id=filters.customer_id)
    if filters.is_bulk is not None:
        qs = qs.filter(is_bulk=filters.is_bulk)
    if filters.created_since:
        qs = qs.filter(created_at__gte=filters.created_since)
    if filters.updated_since:
        qs = qs.filter(updated_at__gte=filters.updated_since)
    if filters.sla:
        qs = _sla_filter(qs, filters.sla)
    if filters.ids is not None:
        qs = qs.filter(pk__in=filters.ids)
        if filters.sort == Sort.RELEVANCE:
            return _relevance_page(qs, ids=filters.ids, cursor=cursor, limit=limit)

    sort = filters.sort if filters.sort in Sort.choices else Sort.WAITING
    if sort == Sort.NEWEST:
        sort_expr, descending = F("last_message_at"), True
    elif sort == Sort.OLDEST:
        sort_expr, descending = F("last_message_at"), False
    elif sort == Sort.UPDATED:
        sort_expr, descending = F("updated_at"), True
    elif sort == Sort.DUE:
        sort_expr, descending = DUE_KEY, False
    else:  # waiting, and priority's second key
        sort_expr, descending = WAITING_KEY, False
    qs = qs.alias(sort_value=sort_expr)
    key = "sort_value"
    if sort == Sort.PRIORITY and filters.priority is not None:
        # One priority: the waiting order within it. The full three-key condition would be
        # the same rows, but it led SQLite away from the index (a sort of every row).
        if cursor:
            _priority, value, last_id = _decode_priority_cursor(cursor)
            qs = qs.filter(after_keyset(key, value, last_id, descending=False))
        order = [key, "id"]
    elif sort == Sort.PRIORITY:
        if cursor:
            priority, value, last_id = _decode_priority_cursor(cursor)
            qs = qs.filter(after_priority_keyset(priority, value, last_id))
        order = ["-priority", key, "id"]
    else:
        if cursor:
            value, last_id = _decode_cursor(cursor, sort=sort)
            qs = qs.filter(after_keyset(key, value, last_id, descending=descending))
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
        if sort == Sort.PRIORITY:
            position = [sort, last.priority, last.sort_value.isoformat(), last.pk]
        else:
            position = [sort, last.sort_value.isoformat(), last.pk]
        next_cursor = cursor_encode(position)
    total = None
    if filters.ids is not None and not cursor:
        total = len(rows) if next_cursor is None else qs.order_by().count()
    return Page(items=rows, next_cursor=next_cursor, total=total)


def _sla_filter(qs: QuerySet[Conversation], state: str) -> QuerySet[Conversation]:
    """Breached: due at or before now; at risk: at risk now and due after now. Both are written
    as ranges on the "due soonest" key (null due times sort last, so never match), which its
    indexes serve."""
    now = timezone.now()
    qs = qs.alias(sla_due_key=DUE_KEY)
    if state == SlaState.BREACHED:
        return qs.filter(sla_due_key__lte=now)
    if state == SlaState.AT_RISK:
        return qs.filter(sla_due_key__gt=now, sla_due_at__isnull=False, sla_at_risk_at__lte=now)
    raise InvalidInput(_("Filter SLA by breached or at_risk."))


def _decode_position(cursor: str) -> int:
    """A relevance cursor: the position of the next result in the ranked ids."""
    try:
        values = cursor_decode(cursor)
    except (ValueError, TypeError) as exc:
        raise InvalidInput(_("The page cursor is not valid.")) from exc
    if not isinstance(values, list) or len(values) != 2 or values[0] != Sort.RELEVANCE:
        if isinstance(values, list) and values and isinstance(values[0], str):
            raise InvalidInput(_("The page cursor belongs to another sort order."))
        raise InvalidInput(_("The page cursor is not valid."))
    position = values[1]
    if not isinstance(position, int) or isinstance(position, bool) or not 0 <= position < 10**6:
        raise InvalidInput(_("The page cursor is not valid."))
    return position


def _relevance_page(
    qs: QuerySet[Conversation], *, ids: list[int], cursor: str | None, limit: int
) -> Page:
    """Search results in the order the search ranked them (`ids`, best first).

    The ids are a few hundred at most (the search's limit): which of them pass the filters is
    one query for their keys, then the page's rows are loaded by key. The cursor is a position
    in that ranking, which a new message may shift by a row between pages.
    """
    start = _decode_position(cursor) if cursor else 0
    passing = set(qs.order_by().values_list("pk", flat=True))
    ranked = [pk for pk in dict.fromkeys(ids) if pk in passing]
    page_ids = ranked[start : start + limit]
    by_id = {}
    if page_ids:
        by_id = {
            c.pk: c
            for c in Conversation.objects.filter(pk__in=page_ids)
            .select_related("customer", "assignee", "inbox")
            .only(*LIST_FIELDS)
        }
    rows = [by_id[pk] for pk in page_ids if pk in by_id]
    attach_tag_names(rows)
    more = len(ranked) > start + limit
    next_cursor = cursor_encode([Sort.RELEVANCE, start + limit]) if more else None
    return Page(items=rows, next_cursor=next_cursor, total=None if cursor else len(ranked))


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


def customers_visible_to(*, actor: Agent) -> QuerySet[Customer]:
    """As in the UI: an agent sees a customer who wrote to one of the agent's inboxes;
    leads and admins see every customer."""
    qs = Customer.objects.all()
    if actor.sees_all_inboxes:
        return qs
    visible = conversations_visible_to(actor=actor).filter(customer_id=OuterRef("pk"))
    return qs.filter(Exists(visible))


def access_customer(*, actor: Agent, customer_id: int) -> Customer:
    """The customer, if the actor may see (and so edit) them; NotFound otherwise."""
    customer = customers_visible_to(actor=actor).filter(pk=customer_id).first()
    if customer is None:
        raise NotFound(_("Customer not found."))
    return customer


def access_attachment(*, actor: Agent, attachment_id: int) -> Attachment:
    """An attachment of a message in a conversation the actor may see; NotFound otherwise."""
    attachment = (
        Attachment.objects.filter(
            pk=attachment_id,
            message__conversation__in=conversations_visible_to(actor=actor),
        )
        .select_related("message")
        .only(
            "filename",
            "content_type",
            "file",
            "size",
            "sha256",
            "is_inline",
            "message__id",
            "message__conversation_id",
            "message__direction",
        )
        .first()
    )
    if attachment is None:
        raise NotFound(_("Attachment not found."))
    return attachment
