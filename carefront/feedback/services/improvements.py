"""Improvements and "you said, we did": leads record a change, link the comments and
conversations that asked for it, and mark it shipped; every customer who asked is then told
once, in their conversation.

Exactly once: each customer has one notice row per improvement (unique). Telling a customer
claims the notice (pending → sent, a conditional UPDATE that only one transaction wins) and,
in the same transaction, writes the message with its outbox row and the timeline row. A crash
before the commit leaves the notice pending with nothing written (the recovery hook tells them
later); after it, the outbox delivers the message once, as it does every reply. Marking
shipped again changes nothing.
"""

import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from carefront.accounts.models import Agent
from carefront.accounts.services.permissions import require_lead_or_admin
from carefront.conversations.models import Conversation, EventKind
from carefront.conversations.services import (
    conversation_send_automatic,
    conversation_start_automatic,
    conversation_timeline_add,
)
from carefront.core.events import publish
from carefront.core.exceptions import ApplicationError, InvalidInput, NotFound
from carefront.customers.models import Customer
from carefront.inboxes.models import Channel, Inbox

from .. import events
from ..models import (
    FeedbackComment,
    Improvement,
    ImprovementLink,
    ImprovementNotice,
    ImprovementOptOut,
    ImprovementStatus,
    NoticeStatus,
)
from ..models.improvements import MAX_TEXT_LENGTH, MAX_TITLE_LENGTH

logger = logging.getLogger(__name__)

LINK_BATCH = 500
MAX_LINK_IDS = 500
TELL_BATCH = 50
RECOVER_BATCH = 200
# A pending notice older than this is the recovery's (a task tells its notices within seconds).
RECOVER_AFTER = dt.timedelta(minutes=1)


# Creating and editing -----------------------------------------------------------------------


def _clean_text(value: str, *, label: str, limit: int, required: bool = False) -> str:
    value = (value or "").replace("\x00", "").replace("\r\n", "\n").strip()
    if required and not value:
        raise InvalidInput(_("%(field)s is required.") % {"field": label})
    if len(value) > limit:
        raise InvalidInput(
            _("%(field)s is longer than %(n)s characters.") % {"field": label, "n": limit}
        )
    return value


def _clean(*, title: str, description: str, customer_message: str) -> dict[str, str]:
    return {
        "title": " ".join(
            _clean_text(title, label=_("The title"), limit=MAX_TITLE_LENGTH, required=True).split()
        ),
        "description": _clean_text(description, label=_("The description"), limit=MAX_TEXT_LENGTH),
        "customer_message": _clean_text(
            customer_message, label=_("What we changed"), limit=MAX_TEXT_LENGTH
        ),
    }


def _open_status(status: str) -> str:
    if status == ImprovementStatus.SHIPPED:
        raise InvalidInput(
            _("Mark an improvement shipped with “Mark shipped”: that tells its customers.")
        )
    if status not in (ImprovementStatus.PLANNED, ImprovementStatus.IN_PROGRESS):
        raise InvalidInput(_("%(status)r is not a status.") % {"status": status})
    return status


def improvement_create(
    *,
    actor: Agent,
    title: str,
    description: str = "",
    customer_message: str = "",
    status: str = ImprovementStatus.PLANNED,
) -> Improvement:
    """A new improvement, planned or in progress (leads and admins)."""
    require_lead_or_admin(actor)
    clean = _clean(title=title, description=description, customer_message=customer_message)
    return Improvement.objects.create(**clean, status=_open_status(status), created_by=actor)


def improvement_update(
    *,
    actor: Agent,
    improvement_id: int,
    title: str | None = None,
    description: str | None = None,
    customer_message: str | None = None,
    status: str | None = None,
) -> Improvement:
    """Change what is given (None: keep). The status moves between planned and in progress;
    a shipped improvement stays shipped (its customers were told), its texts can still be
    corrected."""
    require_lead_or_admin(actor)
    with transaction.atomic():
        improvement = Improvement.objects.select_for_update().filter(pk=improvement_id).first()
        if improvement is None:
            raise NotFound(_("Improvement not found."))
        clean = _clean(
            title=improvement.title if title is None else title,
            description=improvement.description if description is None else description,
            customer_message=(
                improvement.customer_message if customer_message is None else customer_message
            ),
        )
        for field, value in clean.items():
            setattr(improvement, field, value)
        fields = [*clean, "updated_at"]
        if status is not None and status != improvement.status:
            if improvement.is_shipped:
                raise InvalidInput(_("This improvement was shipped: its status stays shipped."))
            improvement.status = _open_status(status)
            fields.append("status")
        improvement.save(update_fields=fields)
    return improvement


# Linking ------------------------------------------------------------------------------------


@dataclass
class LinkResult:
    links_added: int = 0
    customers_added: int = 0


@dataclass
class _Target:
    comment_id: int | None
    conversation_id: int | None
    customer_id: int
    inbox_id: int | None
    said_text: str
    said_at: dt.datetime


def _ids(values: Iterable[int], *, what: str) -> list[int]:
    ids = sorted({int(v) for v in values})
    if len(ids) > MAX_LINK_IDS:
        raise InvalidInput(
            _("Link at most %(n)s %(what)s at a time.") % {"n": MAX_LINK_IDS, "what": what}
        )
    return ids


def _comment_targets(ids: list[int]) -> list[_Target]:
    rows = list(
        FeedbackComment.objects.filter(pk__in=ids).values_list(
            "pk", "customer_id", "conversation_id", "inbox_id", "text", "created_at"
        )
    )
    if len(rows) != len(ids):
        missing = sorted(set(ids) - {r[0] for r in rows})
        raise NotFound(
            _("Comment not found: %(ids)s.") % {"ids": ", ".join(map(str, missing[:10]))}
        )
    return [
        _Target(
            comment_id=pk,
            conversation_id=conversation_id,
            customer_id=customer_id,
            inbox_id=inbox_id,
            said_text=text,
            said_at=created_at,
        )
        for pk, customer_id, conversation_id, inbox_id, text, created_at in rows
    ]


def _conversation_targets(ids: list[int]) -> list[_Target]:
    rows = list(
        Conversation.objects.filter(pk__in=ids).values_list(
            "pk", "customer_id", "inbox_id", "subject", "created_at"
        )
    )
    if len(rows) != len(ids):
        missing = sorted(set(ids) - {r[0] for r in rows})
        raise NotFound(
            _("Conversation not found: %(ids)s.") % {"ids": ", ".join(map(str, missing[:10]))}
        )
    return [
        _Target(
            comment_id=None,
            conversation_id=pk,
            customer_id=customer_id,
            inbox_id=inbox_id,
            said_text=subject,
            said_at=created_at,
        )
        for pk, customer_id, inbox_id, subject, created_at in rows
    ]


def _link_targets(
    *, improvement: Improvement, targets: list[_Target], actor: Agent, now: dt.datetime
) -> LinkResult:
    """Inside a transaction holding the improvement's row lock (every link write takes it,
    so the checks of what exists cannot race)."""
    result = LinkResult()
    if not targets:
        return result
    comment_ids = [t.comment_id for t in targets if t.comment_id]
    conversation_ids = [t.conversation_id for t in targets if not t.comment_id]
    linked_comments = set(
        ImprovementLink.objects.filter(
            improvement=improvement, comment_id__in=comment_ids
        ).values_list("comment_id", flat=True)
    )
    linked_conversations = set(
        ImprovementLink.objects.filter(
            improvement=improvement, conversation_id__in=conversation_ids
        ).values_list("conversation_id", flat=True)
    )
    new = [
        t
        for t in targets
        if (t.comment_id and t.comment_id not in linked_comments)
        or (not t.comment_id and t.conversation_id not in linked_conversations)
    ]
    if not new:
        return result
    ImprovementLink.objects.bulk_create(
        [
            ImprovementLink(
                improvement=improvement,
                comment_id=t.comment_id,
                conversation_id=None if t.comment_id else t.conversation_id,
                customer_id=t.customer_id,
                linked_by=actor,
                linked_at=now,
            )
            for t in new
        ]
    )
    result.links_added = len(new)
    # One notice per customer: their earliest words, and where they wrote.
    earliest: dict[int, _Target] = {}
    for t in sorted(new, key=lambda t: t.said_at):
        earliest.setdefault(t.customer_id, t)
    notices = {
        n.customer_id: n
        for n in ImprovementNotice.objects.filter(
            improvement=improvement, customer_id__in=list(earliest)
        )
    }
    status = NoticeStatus.PENDING if improvement.is_shipped else NoticeStatus.WAITING
    to_create = []
    for customer_id, t in earliest.items():
        notice = notices.get(customer_id)
        if notice is None:
            to_create.append(
                ImprovementNotice(
                    improvement=improvement,
                    customer_id=customer_id,
                    status=status,
                    said_text=t.said_text,
                    said_at=t.said_at,
                    conversation_id=t.conversation_id,
                    inbox_id=t.inbox_id,
                )
            )
        elif notice.status in (NoticeStatus.WAITING, NoticeStatus.PENDING) and (
            t.said_at < notice.said_at
        ):
            notice.said_text, notice.said_at = t.said_text, t.said_at
            notice.conversation_id = t.conversation_id or notice.conversation_id
            notice.inbox_id = t.inbox_id or notice.inbox_id
            notice.save(
                update_fields=["said_text", "said_at", "conversation", "inbox", "updated_at"]
            )
    ImprovementNotice.objects.bulk_create(to_create)
    result.customers_added = len(to_create)
    if to_create:
        Improvement.objects.filter(pk=improvement.pk).update(
            customers_linked=F("customers_linked") + len(to_create), updated_at=now
        )
    for conversation_id in sorted({t.conversation_id for t in new if t.conversation_id}):
        conversation_timeline_add(
            conversation_id=conversation_id,
            kind=EventKind.IMPROVEMENT_LINKED,
            actor_id=actor.pk,
            improvement=improvement.pk,
            title=improvement.title,
        )
    if to_create and improvement.is_shipped:
        # Linked after it shipped: told now.
        improvement_id = improvement.pk
        transaction.on_commit(lambda: _enqueue_tell(improvement_id))
    return result


def _locked(improvement_id: int) -> Improvement:
    improvement = Improvement.objects.select_for_update().filter(pk=improvement_id).first()
    if improvement is None:
        raise NotFound(_("Improvement not found."))
    return improvement


def improvement_link(
    *,
    actor: Agent,
    improvement_id: int,
    comment_ids: Iterable[int] = (),
    conversation_ids: Iterable[int] = (),
    now: dt.datetime | None = None,
) -> LinkResult:
    """Link comments and conversations (at most 500 of each per call) to an improvement.
    Linking one twice does nothing; an unknown id links nothing (NotFound). A customer is
    counted, and told, once per improvement whatever the number of links."""
    require_lead_or_admin(actor)
    now = now or timezone.now()
    comments = _ids(comment_ids, what=_("comments"))
    conversations = _ids(conversation_ids, what=_("conversations"))
    if not comments and not conversations:
        raise InvalidInput(_("Choose the comments or conversations to link."))
    with transaction.atomic():
        improvement = _locked(improvement_id)
        targets = _comment_targets(comments) + _conversation_targets(conversations)
        return _link_targets(improvement=improvement, targets=targets, actor=actor, now=now)


def improvement_link_theme(
    *, actor: Agent, improvement_id: int, theme_id: int, now: dt.datetime | None = None
) -> LinkResult:
    """Link every comment of a theme, in batches (one transaction each): a theme of 10,000
    comments never holds one long transaction; a batch run again links nothing twice."""
    from ..models import Theme

    require_lead_or_admin(actor)
    now = now or timezone.now()
    if not Theme.objects.filter(pk=theme_id).exists():
        raise NotFound(_("Theme not found."))
    if not Improvement.objects.filter(pk=improvement_id).exists():
        raise NotFound(_("Improvement not found."))
    total = LinkResult()
    after = 0
    while True:
        ids = list(
            FeedbackComment.objects.filter(theme_id=theme_id, pk__gt=after)
            .order_by("pk")
            .values_list("pk", flat=True)[:LINK_BATCH]
        )
        if not ids:
            return total
        with transaction.atomic():
            improvement = _locked(improvement_id)
            # A comment moved or deleted since the ids were read is left out, not an error.
            targets = _present_comment_targets(ids)
            result = _link_targets(improvement=improvement, targets=targets, actor=actor, now=now)
        total.links_added += result.links_added
        total.customers_added += result.customers_added
        after = ids[-1]


def _present_comment_targets(ids: list[int]) -> list[_Target]:
    found = list(FeedbackComment.objects.filter(pk__in=ids).values_list("pk", flat=True))
    return _comment_targets(found) if found else []


def improvement_unlink(*, actor: Agent, improvement_id: int, link_id: int) -> None:
    """Remove a link made by mistake. A customer left with no link is no longer to be told
    (unless they were told already: that cannot be undone, and stays counted)."""
    require_lead_or_admin(actor)
    with transaction.atomic():
        improvement = _locked(improvement_id)
        link = ImprovementLink.objects.filter(pk=link_id, improvement=improvement).first()
        if link is None:
            raise NotFound(_("Link not found."))
        link.delete()
        if ImprovementLink.objects.filter(
            improvement=improvement, customer_id=link.customer_id
        ).exists():
            return
        removed, _rows = ImprovementNotice.objects.filter(
            improvement=improvement,
            customer_id=link.customer_id,
            status__in=[NoticeStatus.WAITING, NoticeStatus.PENDING],
        ).delete()
        if removed:
            Improvement.objects.filter(pk=improvement.pk).update(
                customers_linked=F("customers_linked") - 1, updated_at=timezone.now()
            )


# Shipping and telling -----------------------------------------------------------------------


def improvement_ship(
    *, actor: Agent, improvement_id: int, now: dt.datetime | None = None
) -> Improvement:
    """Mark shipped and tell every linked customer (a task, after commit). Marking it shipped
    again changes nothing and tells nobody again."""
    require_lead_or_admin(actor)
    now = now or timezone.now()
    with transaction.atomic():
        improvement = _locked(improvement_id)
        if improvement.is_shipped:
            return improvement
        if improvement.customers_linked and not improvement.customer_message.strip():
            raise InvalidInput(
                _("Write what you changed, in the customers' words, before marking it shipped.")
            )
        improvement.status = ImprovementStatus.SHIPPED
        improvement.shipped_at = now
        improvement.shipped_by = actor
        improvement.save(update_fields=["status", "shipped_at", "shipped_by", "updated_at"])
        ImprovementNotice.objects.filter(
            improvement=improvement, status=NoticeStatus.WAITING
        ).update(status=NoticeStatus.PENDING, updated_at=now)
        transaction.on_commit(lambda: _enqueue_tell(improvement_id))
        publish(
            events.ImprovementShipped(
                improvement_id=improvement.pk,
                shipped_by_id=actor.pk,
                customers_linked=improvement.customers_linked,
            )
        )
    return improvement


def _enqueue_tell(improvement_id: int) -> None:
    from ..tasks import improvement_tell_task

    try:
        improvement_tell_task.enqueue(improvement_id)
    except Exception:
        # The notices are pending: the recovery hook tells them.
        logger.exception("Could not enqueue the notices of improvement %s", improvement_id)


def _why_not_tell(notice: ImprovementNotice) -> str:
    customer = notice.customer
    if ImprovementOptOut.objects.filter(customer_id=customer.pk).exists():
        return _("The customer opted out of improvement news.")
    if not customer.email:
        return _("The customer has no email address.")
    if customer.is_internal or customer.sender_unknown:
        return _("Not a customer who can be written to.")
    return ""


def _usable(inbox: Inbox | None) -> bool:
    return inbox is not None and inbox.is_active and inbox.channel == Channel.EMAIL


def _write(notice: ImprovementNotice) -> int:
    """The message in the customer's conversation (email today), or in a new one. Returns
    the conversation's id."""
    from ..improvement_messages import improvement_notice_text

    conversation = notice.conversation
    if conversation is not None and conversation.customer_id != notice.customer_id:
        conversation = None  # moved to another customer since
    inbox = conversation.inbox if conversation is not None else notice.inbox
    if not _usable(inbox):
        raise InvalidInput(_("No email inbox to write from (improvement news go by email)."))
    subject, body = improvement_notice_text(
        improvement=notice.improvement,
        customer=notice.customer,
        inbox=inbox,
        said_text=notice.said_text,
        said_at=notice.said_at,
    )
    if conversation is not None:
        message = conversation_send_automatic(conversation=conversation, body=body)
    else:
        message = conversation_start_automatic(
            inbox=inbox, customer=notice.customer, subject=subject, body=body
        )
    notice.message = message
    return message.conversation_id


def improvement_notice_tell(*, notice_id: int, now: dt.datetime | None = None) -> str:
    """Tell one customer, once. Returns the notice's status after."""
    now = now or timezone.now()
    with transaction.atomic():
        # The claim: a conditional update that one transaction wins (PostgreSQL's row lock
        # makes a second wait, then match nothing; SQLite writes one at a time).
        claimed = ImprovementNotice.objects.filter(
            pk=notice_id, status=NoticeStatus.PENDING
        ).update(status=NoticeStatus.SENT, told_at=now, updated_at=now)
        notice = (
            ImprovementNotice.objects.select_related(
                "improvement", "customer", "conversation__inbox", "inbox"
            )
            .filter(pk=notice_id)
            .first()
        )
        if notice is None:
            return "missing"
        if not claimed:
            return notice.status
        reason = _why_not_tell(notice)
        conversation_id = None
        if not reason:
            try:
                with transaction.atomic():
                    conversation_id = _write(notice)
            except ApplicationError as exc:
                reason = str(exc.message)
        if reason:
            logger.info("Improvement notice %s not sent: %s", notice_id, reason)
            ImprovementNotice.objects.filter(pk=notice_id).update(
                status=NoticeStatus.SKIPPED, told_at=None, skip_reason=reason[:200]
            )
            return NoticeStatus.SKIPPED
        ImprovementNotice.objects.filter(pk=notice_id).update(
            message=notice.message, conversation_id=conversation_id
        )
        conversation_timeline_add(
            conversation_id=conversation_id,
            kind=EventKind.IMPROVEMENT_TOLD,
            improvement=notice.improvement_id,
            title=notice.improvement.title,
            message=notice.message.pk,
        )
        Improvement.objects.filter(pk=notice.improvement_id).update(
            customers_told=F("customers_told") + 1
        )
    return NoticeStatus.SENT


def improvement_tell(*, improvement_id: int, batch_size: int = TELL_BATCH) -> int:
    """Tell every pending customer of a shipped improvement. Returns how many were told."""
    told = 0
    after = 0
    while True:
        ids = list(
            ImprovementNotice.objects.filter(
                improvement_id=improvement_id, status=NoticeStatus.PENDING, pk__gt=after
            )
            .order_by("pk")
            .values_list("pk", flat=True)[:batch_size]
        )
        if not ids:
            return told
        for notice_id in ids:
            told += improvement_notice_tell(notice_id=notice_id) == NoticeStatus.SENT
        after = ids[-1]


def improvement_notices_recover(*, now: dt.datetime | None = None) -> int:
    """Tell the customers whose notice stayed pending for `RECOVER_AFTER` (the task was lost,
    or its worker died before the commit: nothing was written). Registered with core.workers
    (run when workers start and every minute). Safe at any time, even beside a live task: the
    claim keeps a customer from being told twice; the wait only leaves a running task its own
    work. Returns how many were told."""
    now = now or timezone.now()
    ids = list(
        ImprovementNotice.objects.filter(
            status=NoticeStatus.PENDING, updated_at__lte=now - RECOVER_AFTER
        )
        .order_by("pk")
        .values_list("pk", flat=True)[:RECOVER_BATCH]
    )
    told = sum(improvement_notice_tell(notice_id=pk) == NoticeStatus.SENT for pk in ids)
    if told:
        logger.warning("Told %s customer(s) whose improvement notice was left pending", told)
    return told


# The customer's opt-out ---------------------------------------------------------------------


def improvement_news_opt_out(*, customer_id: int, now: dt.datetime | None = None) -> None:
    """No more "you said, we did" messages to this customer (their link in each one)."""
    now = now or timezone.now()
    if not Customer.objects.filter(pk=customer_id).exists():
        raise NotFound(_("Customer not found."))
    ImprovementOptOut.objects.get_or_create(customer_id=customer_id, defaults={"opted_out_at": now})


def improvement_news_opt_in(*, customer_id: int) -> None:
    ImprovementOptOut.objects.filter(customer_id=customer_id).delete()


def improvement_news_opted_out(*, customer_id: int) -> bool:
    return ImprovementOptOut.objects.filter(customer_id=customer_id).exists()
