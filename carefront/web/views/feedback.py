"""The feedback inbox (leads and admins): every customer comment with filters, its themes,
their weekly counts, and a lead's edits to them."""

import datetime as dt

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html_join
from django.utils.http import urlencode
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from carefront.core.exceptions import InvalidInput
from carefront.feedback.models import CommentSource, Sentiment
from carefront.feedback.selectors import (
    CommentFilters,
    access_theme,
    feedback_comment_page,
    improvement_choices,
    latest_theme_run,
    theme_list,
    theme_trend,
    theme_weekly_counts,
    unthemed_count,
)
from carefront.feedback.services import (
    feedback_comments_move,
    theme_merge,
    theme_rename,
    theme_split,
)
from carefront.web import directory
from carefront.web.errors import lead_view
from carefront.web.http import HttpResponseSeeOther

PAGE_SIZE = 50
WEEKS = 8
UNTHEMED_CAP = 1000


class FeedbackFilterForm(forms.Form):
    """Reads the query string; a bad value is dropped (a stale link still shows a list)."""

    sentiment = forms.TypedChoiceField(
        label=gettext_lazy("Score"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", gettext_lazy("Any score")), *Sentiment.choices],
    )
    source = forms.ChoiceField(
        label=gettext_lazy("Source"),
        required=False,
        choices=[("", gettext_lazy("Any source")), *CommentSource.choices],
    )
    inbox = forms.IntegerField(label=gettext_lazy("Inbox"), required=False, min_value=1)
    agent = forms.IntegerField(label=gettext_lazy("Agent"), required=False, min_value=1)
    # A theme's id, or "none" for comments in no theme.
    theme = forms.CharField(label=gettext_lazy("Theme"), required=False, max_length=24)
    since = forms.DateField(label=gettext_lazy("From"), required=False)
    until = forms.DateField(label=gettext_lazy("To"), required=False)


def _day_start(day: dt.date) -> dt.datetime:
    """Midnight of `day` in the viewer's time zone."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _filters(form: FeedbackFilterForm) -> CommentFilters:
    data = {k: v for k, v in form.cleaned_data.items() if v not in (None, "")}
    theme = data.get("theme", "")
    since, until = data.get("since"), data.get("until")
    return CommentFilters(
        sentiment=data.get("sentiment"),
        source=data.get("source"),
        inbox_id=data.get("inbox"),
        agent_id=data.get("agent"),
        theme_id=int(theme) if theme.isdigit() else None,
        unthemed=theme == "none",
        since=_day_start(since) if since else None,
        # "To 3 March" includes the whole of 3 March.
        until=_day_start(until + dt.timedelta(days=1)) if until else None,
    )


def _theme_href(base: str, value: object) -> str:
    return f"?{base}&theme={value}" if base else f"?theme={value}"


def _theme_nav(themes, *, base: str, current: int | None) -> SafeString:
    """The links of the theme column, built in Python: 200 themes through the template
    language cost more than the rest of the page."""
    return format_html_join(
        "\n",
        '<li><a href="{}"{} data-theme="{}">{} <span class="count">{}</span></a></li>',
        (
            (
                _theme_href(base, t.pk),
                SafeString(' aria-current="page"') if t.pk == current else "",
                t.pk,
                t.name,
                t.comment_count,
            )
            for t in themes
        ),
    )


def _theme_options(themes, *, leave_out: int | None = None, counts: bool = False) -> SafeString:
    if counts:
        return format_html_join(
            "",
            '<option value="{}">{} ({})</option>',
            ((t.pk, t.name, t.comment_count) for t in themes if t.pk != leave_out),
        )
    return format_html_join(
        "", '<option value="{}">{}</option>', ((t.pk, t.name) for t in themes if t.pk != leave_out)
    )


@require_GET
@lead_view
def feedback_inbox(request: HttpRequest) -> HttpResponse:
    form = FeedbackFilterForm(request.GET)
    form.is_valid()
    for field in form.errors:
        form.cleaned_data.pop(field, None)
    filters = _filters(form)
    page = feedback_comment_page(
        actor=request.user,
        filters=filters,
        cursor=request.GET.get("cursor") or None,
        limit=PAGE_SIZE,
    )
    themes = theme_list(actor=request.user)
    current_theme = None
    if filters.theme_id:
        current_theme = next((t for t in themes if t.pk == filters.theme_id), None)
        if current_theme is None:
            current_theme = access_theme(actor=request.user, theme_id=filters.theme_id)
    unthemed = unthemed_count(actor=request.user, cap=UNTHEMED_CAP)
    params = request.GET.copy()
    params.pop("cursor", None)
    params.pop("theme", None)
    base = urlencode(sorted(params.lists()), doseq=True)
    # Per-row links and labels made once here: 50 rows of template tags cost more than the
    # queries of the page.
    customer_url = reverse("web:customer", args=[0])[: -len("0/")]
    sources = dict(CommentSource.choices)
    sentiments = dict(Sentiment.choices)
    for comment in page.items:
        comment.theme_href = _theme_href(base, comment.theme_id) if comment.theme_id else ""
        comment.customer_href = f"{customer_url}{comment.customer_id}/"
        comment.score_label = comment.score_text or sentiments.get(comment.sentiment, "")
        comment.source_label = sources.get(comment.source, comment.source)
    context = {
        "form": form,
        "filters": filters,
        "page": page,
        "first_page": not request.GET.get("cursor"),
        "themes": themes,
        "theme_nav": _theme_nav(themes, base=base, current=filters.theme_id),
        "theme_options": _theme_options(themes),
        "merge_options": (
            _theme_options(themes, leave_out=current_theme.pk, counts=True) if current_theme else ""
        ),
        "all_href": f"?{base}" if base else "?",
        "conversation_url": reverse("web:conversation", args=[0])[: -len("0/")],
        "none_href": _theme_href(base, "none"),
        "current_theme": current_theme,
        "improvements": improvement_choices(actor=request.user),
        "unthemed": f"{UNTHEMED_CAP:,}+" if unthemed > UNTHEMED_CAP else f"{unthemed:,}",
        "run": latest_theme_run(actor=request.user),
        "inboxes": directory.visible_inboxes(actor=request.user),
        "agents": directory.active_agents(),
        "sentiments": Sentiment.choices,
        "sources": CommentSource.choices,
        "filters_in_use": any(
            form.cleaned_data.get(f) not in (None, "")
            for f in ("sentiment", "source", "inbox", "agent", "since", "until")
        ),
    }
    return render(request, "web/feedback/inbox.html", context)


def _sparkline(counts: list[int], width: int = 96, height: int = 24) -> str:
    """The points of an SVG polyline for weekly counts (an attribute, not a style: CSP-safe)."""
    top = max(max(counts), 1)
    step = width / max(len(counts) - 1, 1)
    return " ".join(
        f"{round(i * step, 1)},{round(height - 2 - (n / top) * (height - 4), 1)}"
        for i, n in enumerate(counts)
    )


@require_GET
@lead_view
def feedback_themes(request: HttpRequest) -> HttpResponse:
    """Every theme with its comments per week, growing ones first."""
    themes = theme_list(actor=request.user)
    mondays, counts = theme_weekly_counts(actor=request.user, weeks=WEEKS)
    half = WEEKS // 2
    rows = []
    for theme in [*themes, None]:
        trend = theme_trend(counts.get(theme.pk if theme else None, [0] * WEEKS))
        if theme is None and not any(trend.counts):
            continue
        rows.append(
            {
                "theme": theme,
                "weekly": trend.counts,
                "recent": trend.recent,
                "before": trend.before,
                "change": trend.change,
                "growing": trend.growing,
                "points": _sparkline(trend.counts),
            }
        )
    rows.sort(key=lambda r: (-r["change"], -r["recent"], r["theme"].pk if r["theme"] else 0))
    context = {
        "rows": rows,
        "mondays": mondays,
        "half": half,
        "run": latest_theme_run(actor=request.user),
    }
    return render(request, "web/feedback/themes.html", context)


def _back(request: HttpRequest, *, theme_id: int | None = None) -> HttpResponse:
    url = reverse("web:feedback")
    if theme_id:
        url += f"?theme={theme_id}"
    return HttpResponseSeeOther(url)


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


@require_POST
@lead_view
def feedback_theme_rename(request: HttpRequest, theme_id: int) -> HttpResponse:
    theme = theme_rename(actor=request.user, theme_id=theme_id, name=request.POST.get("name", ""))
    messages.success(request, _("Theme renamed to “%(name)s”.") % {"name": theme.name})
    return _back(request, theme_id=theme.pk)


@require_POST
@lead_view
def feedback_theme_merge(request: HttpRequest, theme_id: int) -> HttpResponse:
    into_id = _int(request.POST.get("into"))
    if into_id is None:
        raise InvalidInput(_("Choose the theme to merge into."))
    into = theme_merge(actor=request.user, theme_id=theme_id, into_id=into_id)
    messages.success(request, _("Merged into “%(name)s”.") % {"name": into.name})
    return _back(request, theme_id=into.pk)


@require_POST
@lead_view
def feedback_theme_split(request: HttpRequest, theme_id: int) -> HttpResponse:
    kept, new = theme_split(actor=request.user, theme_id=theme_id)
    messages.success(
        request,
        _("Split in two: “%(kept)s” (%(kept_count)s) and “%(new)s” (%(new_count)s).")
        % {
            "kept": kept.name,
            "kept_count": kept.comment_count,
            "new": new.name,
            "new_count": new.comment_count,
        },
    )
    return _back(request, theme_id=kept.pk)


@require_POST
@lead_view
def feedback_comments_move_view(request: HttpRequest) -> HttpResponse:
    ids = [pk for pk in (_int(v) for v in request.POST.getlist("comment")) if pk]
    target = request.POST.get("theme", "")
    new_name = request.POST.get("new_theme", "") if target == "new" else ""
    if target == "new" and not new_name.strip():
        raise InvalidInput(_("Give the new theme a name."))
    theme = feedback_comments_move(
        actor=request.user,
        comment_ids=ids,
        theme_id=_int(target) if target not in ("", "none", "new") else None,
        new_theme_name=new_name,
    )
    if theme is None:
        messages.success(request, _("The comments are out of any theme now."))
    else:
        messages.success(
            request,
            _("%(count)s comments moved to “%(name)s”.") % {"count": len(ids), "name": theme.name},
        )
    back = request.POST.get("back", "")
    if back.startswith("?"):
        return HttpResponseSeeOther(reverse("web:feedback") + back)
    return _back(request)


@require_POST
@lead_view
def feedback_regroup(request: HttpRequest) -> HttpResponse:
    from carefront.feedback.tasks import feedback_regroup_task

    feedback_regroup_task.enqueue(actor_id=request.user.pk)
    messages.success(request, _("Regrouping every comment: the themes change when it is done."))
    return _back(request)
