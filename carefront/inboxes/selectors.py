"""Reads on inboxes and held mail for the admin area."""

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from carefront.accounts.models import Agent
from carefront.accounts.services.permissions import require_admin
from carefront.core.exceptions import InvalidInput, NotFound
from carefront.core.pagination import NewestFirstPage, newest_first_page

from .models import HELD, HoldReason, Inbox, RawInbound


def inbox_list() -> QuerySet[Inbox]:
    return Inbox.objects.select_related("imap_account").prefetch_related("teams").order_by("name")


# --- held mail (admins only) ---------------------------------------------------------------

HELD_PAGE_SIZE = 50
# Everything a list row shows; never the raw bytes.
HELD_LIST_FIELDS = [
    "id",
    "source",
    "source_ref",
    "size",
    "status",
    "error",
    "hold_reason",
    "from_address",
    "subject",
    "sent_at",
    "message_id",
    "received_at",
    "released_at",
]
SEARCH_MAX_LENGTH = 200


def held_mail_list(
    *,
    actor: Agent,
    reason: str | None = None,
    query: str = "",
    cursor: str | None = None,
    limit: int = HELD_PAGE_SIZE,
) -> NewestFirstPage[RawInbound]:
    """Held emails, newest first, keyset-paginated on id (partial indexes `raw_held_idx`,
    `raw_held_reason_idx`). `query` matches a part of the sender or the subject: the walk
    down the index stops at the page's last row, so a page costs the rows it passes."""
    require_admin(actor)
    if reason is not None and reason not in HoldReason.values:
        raise InvalidInput(_("Unknown hold reason %(reason)r.") % {"reason": reason})
    qs = RawInbound.objects.filter(HELD)
    if reason:
        qs = qs.filter(hold_reason=reason)
    query = query.strip()[:SEARCH_MAX_LENGTH]
    if query:
        qs = qs.filter(Q(from_address__icontains=query) | Q(subject__icontains=query))
    return newest_first_page(qs.only(*HELD_LIST_FIELDS), cursor=cursor, limit=limit, kind="held")


# Counts stop here ("10,000+"): a count costs the rows it counts, and past this many the exact
# number changes nothing for the person reading it.
HELD_COUNT_CAP = 10_000


def held_mail_counts(*, actor: Agent) -> dict[str, int]:
    """How many emails are held, per reason (every reason, zeros included), each counted up to
    HELD_COUNT_CAP + 1 (more than the cap means "at least that many"). One query per reason,
    each bounded, each on the partial index `raw_held_reason_idx`."""
    require_admin(actor)
    held = RawInbound.objects.filter(HELD).order_by()
    return {
        reason: held.filter(hold_reason=reason)[: HELD_COUNT_CAP + 1].count()
        for reason in HoldReason.values
        if reason
    }


def held_mail_get(*, actor: Agent, raw_id: int) -> RawInbound:
    """One email that is held or was released from held mail."""
    require_admin(actor)
    raw = RawInbound.objects.exclude(hold_reason="").filter(pk=raw_id).first()
    if raw is None:
        raise NotFound(_("There is no held message %(id)s.") % {"id": raw_id})
    return raw
