"""The public help centre (/help/): home, categories, articles, search, votes, images, the
sitemap and the theme stylesheet. Server-rendered, no JavaScript needed; only published public
articles are ever shown here. A visitor is known by a random cookie, for counting customers in
the content gaps (no account, nothing personal)."""

import secrets

from django import forms
from django.conf import settings
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from carefront.core.exceptions import InvalidInput, NotFound
from carefront.knowledge.models import ArticleImage, Category, SearchLog, VoteReason
from carefront.knowledge.rendering import article_html, article_snippet
from carefront.knowledge.selectors import (
    access_public_article,
    category_articles,
    popular_articles,
    public_articles,
    public_categories,
)
from carefront.knowledge.services import (
    article_view_record,
    article_vote,
    help_centre_settings,
    search_record,
    search_result_opened,
)
from carefront.knowledge.suggestions import article_suggestions
from carefront.web.errors import error_response
from carefront.web.http import HttpResponseSeeOther

VISITOR_COOKIE = "cf_visitor"
SEARCH_RESULTS = 20


def _visitor_key(request: HttpRequest) -> str:
    key = request.COOKIES.get(VISITOR_COOKIE, "")
    if not (16 <= len(key) <= 64 and key.isalnum()):
        key = getattr(request, "_cf_new_visitor", "") or secrets.token_hex(16)
        request._cf_new_visitor = key
    return key


def _finish(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    new = getattr(request, "_cf_new_visitor", "")
    if new:
        response.set_cookie(
            VISITOR_COOKIE,
            new,
            max_age=365 * 24 * 3600,
            httponly=True,
            samesite="Lax",
            secure=request.is_secure(),
        )
    return response


def _language(request: HttpRequest) -> str:
    wanted = (request.GET.get("lang") or "").lower()
    codes = {code for code, _name in settings.LANGUAGES}
    if wanted in codes:
        return wanted
    return (translation.get_language() or "en").split("-")[0]


def _context(request: HttpRequest, **extra) -> dict:
    return {
        "help": help_centre_settings(),
        "language": _language(request),
        "canonical": request.build_absolute_uri(request.path),
        **extra,
    }


def _public(view):
    """Domain errors become the help centre's own error page."""

    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        try:
            return _finish(request, view(request, *args, **kwargs))
        except (NotFound, InvalidInput) as exc:
            return error_response(request, exc)

    wrapper.__name__ = view.__name__
    wrapper.__doc__ = view.__doc__
    return wrapper


@require_GET
@_public
def help_home(request: HttpRequest) -> HttpResponse:
    language = _language(request)
    context = _context(
        request,
        categories=list(public_categories()),
        popular=popular_articles(language=language),
    )
    return render(request, "web/help/home.html", context)


@require_GET
@_public
def help_category(request: HttpRequest, category_id: int, slug: str = "") -> HttpResponse:
    category = public_categories().filter(pk=category_id).first()
    if category is None:
        raise NotFound(gettext_lazy("Category not found."))
    if slug != category.slug:
        return redirect("web:help_category", category.pk, category.slug, permanent=True)
    articles = category_articles(category=category, language=_language(request))
    sections: list[tuple[object, list]] = []
    for article in articles:
        if not sections or sections[-1][0] != article.section:
            sections.append((article.section, []))
        sections[-1][1].append(article)
    context = _context(request, category=category, sections=sections)
    return render(request, "web/help/category.html", context)


class VoteForm(forms.Form):
    helpful = forms.TypedChoiceField(
        choices=[("yes", gettext_lazy("Yes")), ("no", gettext_lazy("No"))],
        coerce=lambda value: value == "yes",
    )
    reason = forms.ChoiceField(
        label=gettext_lazy("What was wrong?"), choices=VoteReason.choices, required=False
    )
    comment = forms.CharField(
        label=gettext_lazy("Tell us more (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    email = forms.EmailField(
        label=gettext_lazy("Your email, if you would like an answer (optional)"),
        required=False,
        max_length=320,
    )


@require_GET
@_public
def help_article(request: HttpRequest, article_id: int, slug: str = "") -> HttpResponse:
    article = access_public_article(article_id=article_id)
    if slug != article.slug:
        return redirect(article.get_absolute_url(), permanent=True)
    search_id = request.GET.get("s", "")
    if search_id.isdigit():
        search_result_opened(
            search_id=int(search_id), article=article, visitor_key=_visitor_key(request)
        )
    article_view_record(article=article)
    translations = list(
        public_articles()
        .filter(source_id=article.source_id or article.pk)
        .exclude(pk=article.pk)
        .only("pk", "slug", "language", "title")
    )
    if article.source_id and article.source.is_public:
        translations.append(article.source)
    context = _context(
        request,
        article=article,
        body_html=article_html(article),
        description=article_snippet(article, length=155),
        translations=translations,
        voted=request.GET.get("voted"),
        form=VoteForm(),
        canonical=request.build_absolute_uri(article.get_absolute_url()),
    )
    return render(request, "web/help/article.html", context)


@require_POST
@_public
def help_article_vote(request: HttpRequest, article_id: int) -> HttpResponse:
    article = access_public_article(article_id=article_id)
    form = VoteForm(request.POST)
    if not form.is_valid():
        context = _context(
            request,
            article=article,
            body_html=article_html(article),
            description=article_snippet(article, length=155),
            translations=[],
            form=form,
        )
        return render(request, "web/help/article.html", context, status=400)
    data = form.cleaned_data
    article_vote(
        article=article,
        visitor_key=_visitor_key(request),
        helpful=data["helpful"],
        reason=data.get("reason") or "",
        comment=data.get("comment") or "",
        email=data.get("email") or "",
    )
    state = "yes" if data["helpful"] else "no"
    if not data["helpful"] and not data.get("comment") and not data.get("reason"):
        state = "ask"  # a "no" first: ask what was missing
    return HttpResponseSeeOther(f"{article.get_absolute_url()}?voted={state}#vote")


@require_GET
@_public
def help_search(request: HttpRequest) -> HttpResponse:
    query = (request.GET.get("q") or "")[:200]
    language = _language(request)
    results = article_suggestions(query, language=language, limit=SEARCH_RESULTS) if query else []
    log: SearchLog | None = None
    if query.strip():
        log = search_record(
            query=query,
            result_count=len(results),
            visitor_key=_visitor_key(request),
            language=language,
        )
    context = _context(request, query=query, results=results, search_id=log.pk if log else None)
    response = render(request, "web/help/search.html", context)
    response["X-Robots-Tag"] = "noindex"
    return response


@require_GET
def help_image(request: HttpRequest, key: str) -> HttpResponse:
    image = ArticleImage.objects.filter(key=key).first() if _is_uuid(key) else None
    if image is None:
        raise Http404
    response = FileResponse(image.file.open("rb"), content_type=image.content_type)
    response["Cache-Control"] = "public, max-age=31536000, immutable"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'"
    return response


def _is_uuid(value: str) -> bool:
    import uuid

    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


@require_GET
def help_theme(request: HttpRequest) -> HttpResponse:
    """The admin's colours as a stylesheet (the CSP allows no inline style)."""
    row = help_centre_settings()
    css = f":root{{--help-primary:{row.primary_colour};--help-on-primary:{row.text_colour};}}\n"
    response = HttpResponse(css, content_type="text/css; charset=utf-8")
    response["Cache-Control"] = "public, max-age=300"
    return response


@require_GET
def help_sitemap(request: HttpRequest) -> HttpResponse:
    """Every published public article and category (internal ones never)."""
    base = request.build_absolute_uri("/")[:-1]
    articles = public_articles().only("pk", "slug", "updated_at").order_by("pk")[:50000]
    categories = public_categories().only("pk", "slug")
    context = {
        "base": base,
        "home": reverse("web:help_home"),
        "articles": articles,
        "categories": categories,
    }
    return render(request, "web/help/sitemap.xml", context, content_type="application/xml")


@require_GET
def help_category_redirect(request: HttpRequest, category_id: int) -> HttpResponse:
    category = Category.objects.filter(pk=category_id, is_public=True).first()
    if category is None:
        raise Http404
    return redirect("web:help_category", category.pk, category.slug, permanent=True)
