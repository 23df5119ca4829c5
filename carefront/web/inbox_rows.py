"""The inbox's conversation rows, written in Python rather than in the template.

A row is the hottest markup in Carefront: 25 of them on every inbox view and every "next page".
Django's template engine spent about 0.27 ms on each (variable lookups, lazy translations,
localised dates); this builds the same markup with `format_html` in a tenth of the time. The
labels that are the same on every row are translated once per page.
"""

from collections.abc import Iterable

from django.urls import reverse
from django.utils import formats, timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from carefront.conversations.models import Conversation, Status
from carefront.web.templatetags.carefront_web import waiting_for


def conversation_rows(conversations: Iterable[Conversation]) -> SafeString:
    labels = {value: str(label) for value, label in Status.choices}
    no_subject = _("(no subject)")
    select_label = _("Select conversation #%(id)s")
    unassigned = format_html('<span class="muted">{}</span>', _("Unassigned"))
    bulk = format_html(
        '<span class="badge badge-bulk" title="{}">{}</span>',
        _("List or bulk mail: never answered automatically"),
        _("Bulk"),
    )
    rows = []
    for c in conversations:
        if c.waiting_since:
            when = format_html(
                '<span class="waiting" title="{}">{}</span>',
                formats.date_format(timezone.localtime(c.waiting_since), "DATETIME_FORMAT"),
                waiting_for(c.waiting_since),
            )
        else:
            when = format_html(
                '<time datetime="{}" class="muted">{}</time>',
                c.last_message_at.isoformat(),
                formats.date_format(timezone.localtime(c.last_message_at), "SHORT_DATETIME_FORMAT"),
            )
        tags = format_html_join("", '<span class="tag">{}</span>', ((t,) for t in c.tag_names))
        rows.append(
            format_html(
                '<li class="conversation-row" data-row>'
                '<input type="checkbox" class="row-select" name="ids" value="{pk}" form="bulk-form"'
                ' aria-label="{select_label}">'
                '<a class="row-link" href="{url}">'
                '<span class="row-main">'
                '<span class="row-customer">{customer}</span>'
                '<span class="row-subject">{subject}</span>'
                '<span class="row-preview">{preview}</span>'
                "</span>"
                '<span class="row-meta">'
                '<span class="badge badge-{status}">{status_label}</span>'
                "{bulk}"
                "{when}"
                '<span class="row-assignee">{assignee}</span>'
                '<span class="row-inbox muted">{inbox}</span>'
                "{tags}"
                "</span></a></li>\n",
                pk=c.pk,
                select_label=select_label % {"id": c.pk},
                url=reverse("web:conversation", args=[c.pk]),
                customer=c.customer.display_name,
                subject=c.subject or no_subject,
                preview=c.preview,
                status=c.status,
                status_label=labels.get(c.status, c.status),
                bulk=bulk if c.is_bulk else "",
                when=when,
                assignee=c.assignee.name if c.assignee_id and c.assignee else unassigned,
                inbox=c.inbox.name,
                tags=tags,
            )
        )
    # Every part went through format_html.
    return mark_safe("".join(rows))
