"""The agent inbox: folders, filters, search, keyset pages."""

import logging

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from carefront.accounts.models import Agent
from carefront.conversations.models import Status, priority_name
from carefront.conversations.search import conversation_search, highlight_pattern, parse_query
from carefront.conversations.selectors import (
    UNASSIGNED,
    ConversationFilters,
    Folder,
    Sort,
    conversation_list,
    folder_counts,
)
from carefront.conversations.services import conversations_bulk_update
from carefront.core.exceptions import InvalidInput
from carefront.feedback.selectors import open_recovery_conversation_ids
from carefront.web import directory
from carefront.web.business_hours import inbox_notices
from carefront.web.errors import agent_view
from carefront.web.forms import PRIORITY_CHOICES, SLA_FILTER_CHOICES, BulkForm, InboxFilterForm
from carefront.web.http import HttpResponseSeeOther
from carefront.web.inbox_rows import conversation_rows, highlighter
from carefront.web.sla_display import sla_texts

logger = logging.getLogger(__name__)

SEARCH_LIMIT = 500
PAGE_SIZE = 25

FOLDER_LABELS = [
    (Folder.MINE, _("Mine")),
    (Folder.UNASSIGNED, _("Unassigned")),
    (Folder.OPEN, _("All open")),
    (Folder.PENDING, _("Pending")),
    (Folder.SNOOZED, _("Snoozed")),
    (Folder.SOLVED, _("Solved")),
    (Folder.ALL, _("Everything")),
]


SORT_LABELS = [
    (Sort.RELEVANCE, _("Best match")),
    (Sort.WAITING, _("Waiting longest")),
    (Sort.NEWEST, _("Newest")),
    (Sort.OLDEST, _("Oldest")),
    (Sort.UPDATED, _("Recently updated")),
    (Sort.PRIORITY, _("Highest priority first")),
    (Sort.DUE, _("Due soonest (SLA)")),
]


def result_summary(*, total: int, capped: bool, query: str) -> str:
    """ "12 conversations match “refund”": exact up to the search's limit, "or more" beyond."""
    if capped:
        return _("%(count)s or more conversations match “%(query)s”") % {
            "count": total,
            "query": query,
        }
    return ngettext(
        "%(count)s conversation matches “%(query)s”",
        "%(count)s conversations match “%(query)s”",
        total,
    ) % {"count": total, "query": query}


@agent_view
def inbox(request: HttpRequest) -> HttpResponse:
    form = InboxFilterForm(request.GET)
    form.is_valid()  # invalid values are dropped: a bad link still shows an inbox
    data = {k: v for k, v in form.cleaned_data.items() if v not in (None, "")}
    query = data.get("q", "").strip()
    folder = data.get("folder") or (Folder.ALL if query else Folder.OPEN)
    # A text search is ranked best match first unless another order is chosen; the SLA filter
    # lists what is due soonest first.
    default_sort = Sort.RELEVANCE if query else (Sort.DUE if data.get("sla") else Sort.WAITING)
    sort = data.get("sort") or default_sort
    if sort == Sort.RELEVANCE and not query:
        sort = Sort.WAITING
    filters = ConversationFilters(
        folder=folder,
        inbox_id=data.get("inbox"),
        team_id=data.get("team"),
        assignee_id=data.get("assignee"),
        status=data.get("status"),
        priority=data.get("priority"),
        tag=(data.get("tag") or "").strip().lower() or None,
        is_bulk={"bulk": True, "direct": False}.get(data.get("kind", "")),
        sla=data.get("sla") or None,
        sort=sort,
    )
    capped = False
    highlight = None
    if query:
        ids = conversation_search(actor=request.user, query=query, limit=SEARCH_LIMIT)
        # At the limit, more conversations may match than the search returned.
        capped = len(ids) >= SEARCH_LIMIT
        filters.ids = ids
        highlight = highlighter(highlight_pattern(parse_query(query)))
    page = conversation_list(
        actor=request.user, filters=filters, cursor=data.get("cursor"), limit=PAGE_SIZE
    )
    is_next_page = bool(data.get("cursor"))
    context = {
        "form": form,
        "page": page,
        "row_html": conversation_rows(
            page.items,
            highlight=highlight,
            # One indexed query per page (none for an empty one).
            recovery_ids=open_recovery_conversation_ids(
                conversation_ids=[c.pk for c in page.items]
            ),
        ),
        "sla_texts": sla_texts(element="li"),
        "query": query,
        "filters": filters,
        "folder_labels": FOLDER_LABELS,
        "unassigned": UNASSIGNED,
        "priority_filter": priority_name(filters.priority) if filters.priority else "",
        "is_next_page": is_next_page,
        "is_empty": not page.items and not is_next_page,
        "result_summary": (
            result_summary(total=page.total, capped=capped, query=query)
            if query and page.total is not None
            else ""
        ),
    }
    if request.htmx and request.htmx.target == "conversation-list-more":
        # "Load more": only the next rows and the next link.
        return render(request, "web/inbox.html#rows", context)
    inboxes, teams = directory.visible_inboxes(actor=request.user), directory.teams()
    context.update(
        {
            "folder_counts": folder_counts(actor=request.user),
            "inboxes": inboxes,
            "teams": teams,
            "closed_notices": inbox_notices(
                inbox_id=filters.inbox_id, team_id=filters.team_id, inboxes=inboxes, teams=teams
            ),
            "agents": directory.active_agents(),
            "statuses": Status.choices,
            "priorities": PRIORITY_CHOICES,
            "sla_choices": SLA_FILTER_CHOICES,
            # "Best match" only orders search results.
            "sorts": [(v, label) for v, label in SORT_LABELS if query or v != Sort.RELEVANCE],
            "tags": directory.tag_names(),
        }
    )
    return render(request, "web/inbox.html", context)


@require_POST
@agent_view
def inbox_bulk(request: HttpRequest) -> HttpResponse:
    """Apply an assignee, a status and/or a priority to the conversations ticked in the inbox."""
    form = BulkForm(request.POST)
    if not form.is_valid():
        raise InvalidInput(_("Those changes cannot be applied."))
    data = form.cleaned_data
    back = data["next"] if url_has_allowed_host_and_scheme(data["next"], allowed_hosts=None) else ""
    back = back or reverse("web:inbox")
    if not data["ids"]:
        messages.warning(request, _("Tick the conversations to change first."))
        return HttpResponseSeeOther(back)
    if not data["assignee"] and not data["status"] and not data["priority"]:
        messages.warning(request, _("Choose an assignee, a status or a priority to apply."))
        return HttpResponseSeeOther(back)
    assignee = None
    if data["assignee"] == "me":
        assignee = request.user
    elif data["assignee"].isdigit():
        assignee = Agent.objects.filter(pk=int(data["assignee"]), is_active=True).first()
        if assignee is None:
            raise InvalidInput(_("That agent does not exist."))
    result = conversations_bulk_update(
        conversation_ids=data["ids"],
        actor=request.user,
        status=data["status"] or None,
        assignee=assignee,
        unassign=data["assignee"] == "none",
        priority=data["priority"] or None,
    )
    messages.success(
        request,
        ngettext(
            "%(count)s conversation changed.", "%(count)s conversations changed.", result.updated
        )
        % {"count": result.updated},
    )
    for reason in result.refused:
        messages.error(request, reason)
    return HttpResponseSeeOther(back)
