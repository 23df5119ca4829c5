"""The knowledge base for agents (/knowledge/): the article list, the Markdown editor with a
live preview (htmx), revisions with diffs, translations, images, categories (leads), the
content-gap list (leads) and the help centre's branding (admins)."""

import difflib

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from carefront.core.exceptions import InvalidInput, NotFound
from carefront.knowledge.models import (
    ArticleStatus,
    ArticleVisibility,
    Category,
    ContentGap,
    GapStatus,
    Section,
)
from carefront.knowledge.rendering import markdown_to_html
from carefront.knowledge.selectors import (
    ArticleFilters,
    access_article,
    article_page,
    content_gap_page,
)
from carefront.knowledge.services import (
    article_create,
    article_image_upload,
    article_status_set,
    article_translation_create,
    article_translation_mark_current,
    article_update,
    category_create,
    content_gap_dismiss,
    content_gap_draft,
    help_centre_settings,
    help_centre_settings_update,
    search_outcomes_settle,
    section_create,
)
from carefront.web.errors import admin_view, agent_view, form_error, lead_view
from carefront.web.http import HttpResponseSeeOther

PAGE_SIZE = 50


class ArticleForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Title"), max_length=200)
    summary = forms.CharField(label=gettext_lazy("Summary"), max_length=300, required=False)
    body = forms.CharField(
        label=gettext_lazy("Body (Markdown)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 20, "class": "kb-editor"}),
    )
    language = forms.ChoiceField(label=gettext_lazy("Language"), choices=[])
    category = forms.ModelChoiceField(
        label=gettext_lazy("Category"), queryset=Category.objects.all(), required=False
    )
    section = forms.ModelChoiceField(
        label=gettext_lazy("Section"),
        queryset=Section.objects.select_related("category"),
        required=False,
    )
    visibility = forms.ChoiceField(
        label=gettext_lazy("Visibility"), choices=ArticleVisibility.choices
    )

    def __init__(self, *args, **kwargs) -> None:
        from django.conf import settings

        super().__init__(*args, **kwargs)
        self.fields["language"].choices = settings.LANGUAGES


@agent_view
@require_GET
def knowledge_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status") or None
    if status not in ArticleStatus.values:
        status = None
    page = article_page(
        actor=request.user,
        filters=ArticleFilters(status=status),
        cursor=request.GET.get("cursor") or None,
        limit=PAGE_SIZE,
    )
    context = {
        "page": page,
        "status": status,
        "statuses": ArticleStatus.choices,
        "is_next_page": bool(request.GET.get("cursor")),
    }
    return render(request, "web/knowledge/list.html", context)


def _save_article(request: HttpRequest, form: ArticleForm, article=None):
    data = form.cleaned_data
    if article is None:
        return article_create(
            actor=request.user,
            title=data["title"],
            summary=data["summary"],
            body=data["body"],
            language=data["language"],
            category=data["category"],
            section=data["section"],
            visibility=data["visibility"],
        )
    return article_update(
        actor=request.user,
        article=article,
        title=data["title"],
        summary=data["summary"],
        body=data["body"],
        category=data["category"],
        section=data["section"],
        visibility=data["visibility"],
    )


@agent_view
@require_http_methods(["GET", "POST"])
def knowledge_new(request: HttpRequest) -> HttpResponse:
    form = ArticleForm(request.POST or None, initial={"language": "en", "visibility": "public"})
    if request.method == "POST" and form.is_valid():
        try:
            article = _save_article(request, form)
        except InvalidInput as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("Draft saved."))
            return HttpResponseSeeOther(reverse("web:knowledge_edit", args=[article.pk]))
    status = 400 if request.method == "POST" else 200
    return render(
        request, "web/knowledge/edit.html", {"form": form, "article": None}, status=status
    )


@agent_view
@require_http_methods(["GET", "POST"])
def knowledge_edit(request: HttpRequest, article_id: int) -> HttpResponse:
    article = access_article(actor=request.user, article_id=article_id)
    initial = {
        "title": article.title,
        "summary": article.summary,
        "body": article.body,
        "language": article.language,
        "category": article.category_id,
        "section": article.section_id,
        "visibility": article.visibility,
    }
    form = ArticleForm(request.POST or None, initial=initial)
    form.fields["language"].disabled = True
    if request.method == "POST" and form.is_valid():
        try:
            _save_article(request, form, article)
        except InvalidInput as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("Article saved."))
            return HttpResponseSeeOther(reverse("web:knowledge_edit", args=[article.pk]))
    context = {
        "form": form,
        "article": article,
        "preview_html": markdown_to_html(article.body),
        "translations": list(article.translations.select_related("source").all()),
        "statuses": ArticleStatus.choices,
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "web/knowledge/edit.html", context, status=status)


@agent_view
@require_POST
def knowledge_preview(request: HttpRequest) -> HttpResponse:
    """The live preview: the editor's Markdown rendered and sanitised (htmx)."""
    body = (request.POST.get("body") or "")[:200_000]
    return render(request, "web/knowledge/preview.html", {"preview_html": markdown_to_html(body)})


@agent_view
@require_POST
def knowledge_status(request: HttpRequest, article_id: int) -> HttpResponse:
    article = access_article(actor=request.user, article_id=article_id)
    article_status_set(actor=request.user, article=article, status=request.POST.get("status", ""))
    messages.success(request, _("Status changed."))
    return HttpResponseSeeOther(reverse("web:knowledge_edit", args=[article.pk]))


@agent_view
@require_GET
def knowledge_revisions(request: HttpRequest, article_id: int) -> HttpResponse:
    """Every revision, newest first, each with a diff against the one before it."""
    article = access_article(actor=request.user, article_id=article_id)
    revisions = list(article.revisions.select_related("author").order_by("-number")[:100])
    entries = []
    for index, revision in enumerate(revisions):
        previous = revisions[index + 1] if index + 1 < len(revisions) else None
        old = (
            f"# {previous.title}\n{previous.summary}\n\n{previous.body}" if previous else ""
        ).splitlines()
        new = f"# {revision.title}\n{revision.summary}\n\n{revision.body}".splitlines()
        diff = list(difflib.unified_diff(old, new, lineterm="", n=2))[2:]
        entries.append({"revision": revision, "diff": diff})
    return render(request, "web/knowledge/revisions.html", {"article": article, "entries": entries})


class TranslationForm(forms.Form):
    language = forms.ChoiceField(label=gettext_lazy("Language"), choices=[])
    title = forms.CharField(label=gettext_lazy("Title"), max_length=200)
    summary = forms.CharField(label=gettext_lazy("Summary"), max_length=300, required=False)
    body = forms.CharField(
        label=gettext_lazy("Body (Markdown)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 16}),
    )

    def __init__(self, *args, **kwargs) -> None:
        from django.conf import settings

        super().__init__(*args, **kwargs)
        self.fields["language"].choices = settings.LANGUAGES


@agent_view
@require_http_methods(["GET", "POST"])
def knowledge_translate(request: HttpRequest, article_id: int) -> HttpResponse:
    source = access_article(actor=request.user, article_id=article_id)
    form = TranslationForm(
        request.POST or None,
        initial={"title": source.title, "summary": source.summary, "body": source.body},
    )
    if request.method == "POST" and form.is_valid():
        try:
            article = article_translation_create(
                actor=request.user, source=source, **form.cleaned_data
            )
        except InvalidInput as exc:
            form_error(form, exc)
        else:
            return HttpResponseSeeOther(reverse("web:knowledge_edit", args=[article.pk]))
    status = 400 if request.method == "POST" else 200
    return render(
        request, "web/knowledge/translate.html", {"form": form, "source": source}, status=status
    )


@agent_view
@require_POST
def knowledge_translation_current(request: HttpRequest, article_id: int) -> HttpResponse:
    article = access_article(actor=request.user, article_id=article_id)
    article_translation_mark_current(actor=request.user, article=article)
    return HttpResponseSeeOther(reverse("web:knowledge_edit", args=[article.pk]))


@agent_view
@require_POST
def knowledge_image_upload(request: HttpRequest) -> HttpResponse:
    """Upload an image; answers with the Markdown to paste (htmx) or back to the editor."""
    upload = request.FILES.get("image")
    if upload is None:
        raise InvalidInput(_("Choose an image to upload."))
    if upload.size > 5 * 1024 * 1024:
        raise InvalidInput(_("The image is too large (at most 5 MB)."))
    image = article_image_upload(actor=request.user, filename=upload.name, content=upload.read())
    url = reverse("web:help_image", args=[image.key])
    markdown = f"![{image.filename}]({url})"
    return render(request, "web/knowledge/image_uploaded.html", {"markdown": markdown, "url": url})


@lead_view
@require_http_methods(["GET", "POST"])
def knowledge_categories(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        if request.POST.get("category"):
            category = Category.objects.filter(pk=request.POST.get("category")).first()
            if category is None:
                raise NotFound(_("Category not found."))
            section_create(actor=request.user, category=category, name=request.POST.get("name", ""))
        else:
            category_create(
                actor=request.user,
                name=request.POST.get("name", ""),
                description=request.POST.get("description", ""),
            )
        messages.success(request, _("Saved."))
        return HttpResponseSeeOther(reverse("web:knowledge_categories"))
    categories = list(Category.objects.prefetch_related("sections").order_by("position", "id"))
    return render(request, "web/knowledge/categories.html", {"categories": categories})


@lead_view
@require_GET
def knowledge_gaps(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status") or GapStatus.OPEN
    if status not in GapStatus.values:
        status = GapStatus.OPEN
    search_outcomes_settle()
    page = content_gap_page(
        actor=request.user, status=status, cursor=request.GET.get("cursor") or None, limit=PAGE_SIZE
    )
    context = {
        "page": page,
        "status": status,
        "statuses": GapStatus.choices,
        "is_next_page": bool(request.GET.get("cursor")),
    }
    return render(request, "web/knowledge/gaps.html", context)


@lead_view
@require_POST
def knowledge_gap_action(request: HttpRequest, gap_id: int) -> HttpResponse:
    gap = ContentGap.objects.filter(pk=gap_id).first()
    if gap is None:
        raise NotFound(_("Content gap not found."))
    if request.POST.get("action") == "draft":
        article = content_gap_draft(actor=request.user, gap=gap)
        return HttpResponseSeeOther(reverse("web:knowledge_edit", args=[article.pk]))
    content_gap_dismiss(actor=request.user, gap=gap)
    return HttpResponseSeeOther(reverse("web:knowledge_gaps"))


class HelpCentreForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=120)
    tagline = forms.CharField(label=gettext_lazy("Tagline"), max_length=200, required=False)
    primary_colour = forms.CharField(
        label=gettext_lazy("Header colour"), widget=forms.TextInput(attrs={"type": "color"})
    )
    text_colour = forms.CharField(
        label=gettext_lazy("Header text colour"), widget=forms.TextInput(attrs={"type": "color"})
    )
    logo = forms.FileField(label=gettext_lazy("Logo (PNG, JPEG or GIF)"), required=False)


@admin_view
@require_http_methods(["GET", "POST"])
def knowledge_settings(request: HttpRequest) -> HttpResponse:
    current = help_centre_settings()
    form = HelpCentreForm(
        request.POST or None,
        request.FILES or None,
        initial={
            "name": current.name,
            "tagline": current.tagline,
            "primary_colour": current.primary_colour,
            "text_colour": current.text_colour,
        },
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            logo = None
            if data.get("logo"):
                logo = article_image_upload(
                    actor=request.user, filename=data["logo"].name, content=data["logo"].read()
                )
            help_centre_settings_update(
                actor=request.user,
                name=data["name"],
                tagline=data["tagline"],
                primary_colour=data["primary_colour"],
                text_colour=data["text_colour"],
                logo=logo,
            )
        except InvalidInput as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("Help centre saved."))
            return HttpResponseSeeOther(reverse("web:knowledge_settings"))
    status = 400 if request.method == "POST" else 200
    return render(request, "web/knowledge/settings.html", {"form": form}, status=status)
