"""Improvements ("you said, we did"), for leads and admins: the list, an improvement with the
comments, conversations and customers linked to it, creating and editing, moving its status,
marking it shipped (which tells each linked customer once); linking from the feedback inbox,
a theme and a conversation."""

from django import forms
from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from carefront.core.exceptions import InvalidInput
from carefront.feedback.models import ImprovementStatus, NoticeStatus
from carefront.feedback.models.improvements import MAX_TEXT_LENGTH, MAX_TITLE_LENGTH
from carefront.feedback.selectors import (
    access_improvement,
    access_theme,
    improvement_link_page,
    improvement_notice_counts,
    improvement_notice_page,
    improvement_page,
)
from carefront.feedback.services import (
    LinkResult,
    improvement_create,
    improvement_link,
    improvement_link_theme,
    improvement_ship,
    improvement_unlink,
    improvement_update,
)
from carefront.web.errors import form_error, lead_view
from carefront.web.http import HttpResponseSeeOther

PAGE_SIZE = 25
LINKS_SHOWN = 50
OPEN_STATUSES = [
    (ImprovementStatus.PLANNED.value, ImprovementStatus.PLANNED.label),
    (ImprovementStatus.IN_PROGRESS.value, ImprovementStatus.IN_PROGRESS.label),
]


class ImprovementForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Title"), max_length=MAX_TITLE_LENGTH)
    description = forms.CharField(
        label=gettext_lazy("Description (for the team)"),
        required=False,
        max_length=MAX_TEXT_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    customer_message = forms.CharField(
        label=gettext_lazy("What we changed (told to each customer who asked)"),
        help_text=gettext_lazy(
            "Written to the customers when it ships, after “On 3 March you told us: …”. "
            "Write it as you would to one customer."
        ),
        required=False,
        max_length=MAX_TEXT_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    status = forms.ChoiceField(label=gettext_lazy("Status"), choices=OPEN_STATUSES)


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


def _ids(values: list[str]) -> list[int]:
    return [pk for pk in (_int(v) for v in values) if pk]


@require_GET
@lead_view
def improvement_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    if status not in ImprovementStatus.values:
        status = ""
    page = improvement_page(
        actor=request.user,
        status=status or None,
        cursor=request.GET.get("cursor") or None,
        limit=PAGE_SIZE,
    )
    context = {
        "page": page,
        "status": status,
        "statuses": ImprovementStatus.choices,
        "is_next_page": bool(request.GET.get("cursor")),
    }
    return render(request, "web/improvements/list.html", context)


@require_http_methods(["GET", "POST"])
@lead_view
def improvement_edit(request: HttpRequest, improvement_id: int | None = None) -> HttpResponse:
    improvement = (
        access_improvement(actor=request.user, improvement_id=improvement_id)
        if improvement_id
        else None
    )
    initial = {}
    if improvement is not None:
        initial = {
            "title": improvement.title,
            "description": improvement.description,
            "customer_message": improvement.customer_message,
            "status": improvement.status,
        }
    form = ImprovementForm(request.POST or None, initial=initial)
    if improvement is not None and improvement.is_shipped:
        form.fields["status"].required = False
        form.fields["status"].disabled = True
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                if improvement is None:
                    improvement = improvement_create(
                        actor=request.user,
                        title=data["title"],
                        description=data["description"],
                        customer_message=data["customer_message"],
                        status=data["status"],
                    )
                    messages.success(request, _("Improvement created."))
                else:
                    improvement_update(
                        actor=request.user,
                        improvement_id=improvement.pk,
                        title=data["title"],
                        description=data["description"],
                        customer_message=data["customer_message"],
                        status=None if improvement.is_shipped else data["status"],
                    )
                    messages.success(request, _("Improvement saved."))
                return HttpResponseSeeOther(reverse("web:improvement", args=[improvement.pk]))
            except InvalidInput as exc:
                form_error(form, exc)
        status = 400
    return render(
        request,
        "web/improvements/form.html",
        {"form": form, "improvement": improvement},
        status=status,
    )


@require_GET
@lead_view
def improvement_detail(request: HttpRequest, improvement_id: int) -> HttpResponse:
    improvement = access_improvement(actor=request.user, improvement_id=improvement_id)
    links = improvement_link_page(
        actor=request.user,
        improvement=improvement,
        cursor=request.GET.get("links") or None,
        limit=LINKS_SHOWN,
    )
    notices = improvement_notice_page(
        actor=request.user,
        improvement=improvement,
        cursor=request.GET.get("customers") or None,
        limit=LINKS_SHOWN,
    )
    context = {
        "improvement": improvement,
        "links": links,
        "notices": notices,
        "counts": improvement_notice_counts(actor=request.user, improvement=improvement),
        "open_statuses": OPEN_STATUSES,
        "notice_statuses": NoticeStatus,
    }
    return render(request, "web/improvements/detail.html", context)


@require_POST
@lead_view
def improvement_status(request: HttpRequest, improvement_id: int) -> HttpResponse:
    improvement = improvement_update(
        actor=request.user, improvement_id=improvement_id, status=request.POST.get("status", "")
    )
    messages.success(
        request, _("Status set to %(status)s.") % {"status": improvement.get_status_display()}
    )
    return HttpResponseSeeOther(reverse("web:improvement", args=[improvement_id]))


@require_POST
@lead_view
def improvement_ship_view(request: HttpRequest, improvement_id: int) -> HttpResponse:
    before = access_improvement(actor=request.user, improvement_id=improvement_id)
    improvement = improvement_ship(actor=request.user, improvement_id=improvement_id)
    if before.is_shipped:
        messages.info(request, _("It was shipped already: nobody is told twice."))
    else:
        messages.success(
            request,
            ngettext(
                "Shipped: %(n)s customer is being told.",
                "Shipped: %(n)s customers are being told.",
                improvement.customers_linked,
            )
            % {"n": improvement.customers_linked},
        )
    return HttpResponseSeeOther(reverse("web:improvement", args=[improvement_id]))


@require_POST
@lead_view
def improvement_unlink_view(
    request: HttpRequest, improvement_id: int, link_id: int
) -> HttpResponse:
    improvement_unlink(actor=request.user, improvement_id=improvement_id, link_id=link_id)
    messages.success(request, _("Link removed."))
    return HttpResponseSeeOther(reverse("web:improvement", args=[improvement_id]))


def _target(request: HttpRequest) -> int:
    """The improvement chosen in a "link to" form: an existing one, or a new one by title."""
    choice = request.POST.get("improvement", "")
    if choice == "new":
        return improvement_create(
            actor=request.user, title=request.POST.get("new_improvement", "")
        ).pk
    improvement_id = _int(choice)
    if improvement_id is None:
        raise InvalidInput(_("Choose the improvement to link to."))
    return improvement_id


def _linked_message(request: HttpRequest, result: LinkResult, improvement_id: int) -> None:
    messages.success(
        request,
        ngettext(
            "%(links)s linked to the improvement (%(customers)s new customer).",
            "%(links)s linked to the improvement (%(customers)s new customers).",
            result.customers_added,
        )
        % {"links": result.links_added, "customers": result.customers_added},
    )


@require_POST
@lead_view
def improvement_link_comments(request: HttpRequest) -> HttpResponse:
    """From the feedback inbox: the ticked comments, or every comment of a theme."""
    theme_id = _int(request.POST.get("theme_all"))
    ids = _ids(request.POST.getlist("comment"))
    if not theme_id and not ids:
        raise InvalidInput(_("Tick the comments to link first."))
    if theme_id:
        # Checked first: a new improvement is not left behind for a theme that is gone. The
        # theme is linked in batches of their own (not one long transaction).
        access_theme(actor=request.user, theme_id=theme_id)
        improvement_id = _target(request)
        result = improvement_link_theme(
            actor=request.user, improvement_id=improvement_id, theme_id=theme_id
        )
    else:
        # One transaction: a new improvement and its links, or neither (a forged id).
        with transaction.atomic():
            improvement_id = _target(request)
            result = improvement_link(
                actor=request.user, improvement_id=improvement_id, comment_ids=ids
            )
    _linked_message(request, result, improvement_id)
    return HttpResponseSeeOther(reverse("web:improvement", args=[improvement_id]))


@require_POST
@lead_view
def improvement_link_conversation(request: HttpRequest, conversation_id: int) -> HttpResponse:
    """From the conversation page."""
    with transaction.atomic():
        improvement_id = _target(request)
        result = improvement_link(
            actor=request.user, improvement_id=improvement_id, conversation_ids=[conversation_id]
        )
    _linked_message(request, result, improvement_id)
    return HttpResponseSeeOther(reverse("web:conversation", args=[conversation_id]))
