"""Knowledge base: articles and categories. Published public articles and public categories
are readable without a token (the help centre's content); internal articles, drafts and every
write need one (agents write, leads and admins manage categories)."""

import datetime as dt

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from carefront.core.exceptions import InvalidInput, NotFound
from carefront.knowledge.models import Article, ArticleStatus, Category, Section
from carefront.knowledge.rendering import markdown_to_html
from carefront.knowledge.selectors import public_categories
from carefront.knowledge.services import (
    article_create,
    article_status_set,
    article_update,
    category_create,
)
from carefront.knowledge.suggestions import article_suggestions

from ..auth import Caller, SessionAuth, TokenAuth, _count_call
from ..pagination import keyset_page
from ..schemas import ErrorOut, PageIn, ValidationErrorOut

router = Router(tags=["knowledge"])


class PublicAuth:
    """Anyone, for the public reads: answers after the token and session checks failed. A call
    that sends an Authorization header it cannot back is refused (401), not served as public."""

    def __call__(self, request: HttpRequest) -> str | None:
        if request.headers.get("Authorization"):
            return None
        ip = request.META.get("REMOTE_ADDR", "") or "unknown"
        _count_call(request, f"public:{ip}")
        return "public"


READ_AUTH = [TokenAuth(), SessionAuth(), PublicAuth()]


def _agent(request: HttpRequest):
    return request.auth.agent if isinstance(request.auth, Caller) else None


class ArticleOut(Schema):
    id: int
    title: str
    slug: str
    summary: str
    language: str
    status: str
    visibility: str
    category_id: int | None
    section_id: int | None
    source_id: int | None = Field(None, description="The article this one translates.")
    is_stale: bool = Field(False, description="A translation whose source changed since.")
    revision: int
    url: str
    published_at: dt.datetime | None
    updated_at: dt.datetime


class ArticleDetailOut(ArticleOut):
    body: str = Field(..., description="Markdown.")
    body_html: str = Field(..., description="Rendered and sanitised.")


class ArticlePage(Schema):
    items: list[ArticleOut]
    next_cursor: str | None


class ArticleFilterIn(PageIn):
    language: str | None = Field(None, max_length=16)
    category: int | None = Field(None, ge=1)
    status: str | None = Field(
        None, description="With a token only: draft, published or archived (default published)."
    )


class ArticleIn(Schema):
    title: str = Field(..., min_length=1, max_length=200)
    body: str = Field("", max_length=200_000)
    summary: str = Field("", max_length=300)
    language: str = Field("en", max_length=16)
    category_id: int | None = None
    section_id: int | None = None
    visibility: str = "public"


class ArticlePatchIn(Schema):
    title: str | None = Field(None, min_length=1, max_length=200)
    body: str | None = Field(None, max_length=200_000)
    summary: str | None = Field(None, max_length=300)
    category_id: int | None = None
    section_id: int | None = None
    visibility: str | None = None
    status: str | None = Field(None, description="draft, published or archived.")


class SuggestionOut(Schema):
    article_id: int
    title: str
    url: str
    snippet: str
    score: float


class SuggestionIn(Schema):
    q: str = Field(..., max_length=2000)
    language: str | None = Field(None, max_length=16)
    limit: int = Field(5, ge=1, le=20)


class CategoryOut(Schema):
    id: int
    name: str
    slug: str
    description: str
    position: int


class CategoryPage(Schema):
    items: list[CategoryOut]
    next_cursor: str | None


class CategoryIn(Schema):
    name: str = Field(..., min_length=1, max_length=120)
    description: str = Field("", max_length=300)


def _article_out(article: Article) -> dict:
    return {
        "id": article.pk,
        "title": article.title,
        "slug": article.slug,
        "summary": article.summary,
        "language": article.language,
        "status": article.status,
        "visibility": article.visibility,
        "category_id": article.category_id,
        "section_id": article.section_id,
        "source_id": article.source_id,
        "is_stale": article.is_stale,
        "revision": article.revision,
        "url": article.get_absolute_url(),
        "published_at": article.published_at,
        "updated_at": article.updated_at,
    }


def _visible(request: HttpRequest):
    queryset = Article.objects.select_related("source")
    if _agent(request) is None:
        return queryset.filter(status=ArticleStatus.PUBLISHED, visibility="public")
    return queryset


def _placement(category_id: int | None, section_id: int | None):
    category = Category.objects.filter(pk=category_id).first() if category_id else None
    if category_id and category is None:
        raise InvalidInput("Unknown category.")
    section = Section.objects.filter(pk=section_id).first() if section_id else None
    if section_id and section is None:
        raise InvalidInput("Unknown section.")
    return category, section


ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ValidationErrorOut}


@router.get("/articles", response={200: ArticlePage, **ERRORS}, auth=READ_AUTH)
def list_articles(request: HttpRequest, filters: Query[ArticleFilterIn]):
    """Articles, newest first. Without a token: published public ones only."""
    queryset = _visible(request)
    if filters.status and _agent(request) is not None:
        if filters.status not in ArticleStatus.values:
            raise InvalidInput("Unknown status.")
        queryset = queryset.filter(status=filters.status)
    else:
        queryset = queryset.filter(status=ArticleStatus.PUBLISHED)
    if filters.language:
        queryset = queryset.filter(language=filters.language)
    if filters.category:
        queryset = queryset.filter(category_id=filters.category)
    page = keyset_page(
        queryset, key="id", kind="int", cursor=filters.cursor, limit=filters.limit, descending=True
    )
    return {"items": [_article_out(a) for a in page.items], "next_cursor": page.next_cursor}


@router.get("/articles/suggestions", response={200: list[SuggestionOut], **ERRORS}, auth=READ_AUTH)
def suggest_articles(request: HttpRequest, params: Query[SuggestionIn]):
    """The best articles for a question (as the contact form and composer use). Internal
    articles are included only with a token."""
    suggestions = article_suggestions(
        params.q,
        language=params.language,
        limit=params.limit,
        include_internal=_agent(request) is not None,
    )
    return [_suggestion(s) for s in suggestions]


def _suggestion(s) -> dict:
    return {
        "article_id": s.article_id,
        "title": s.title,
        "url": s.url,
        "snippet": s.snippet,
        "score": s.score,
    }


@router.get("/articles/{article_id}", response={200: ArticleDetailOut, **ERRORS}, auth=READ_AUTH)
def get_article(request: HttpRequest, article_id: int):
    article = _visible(request).filter(pk=article_id).first()
    if article is None:
        raise NotFound("Article not found.")
    return {
        **_article_out(article),
        "body": article.body,
        "body_html": markdown_to_html(article.body),
    }


@router.post("/articles", response={201: ArticleDetailOut, **ERRORS})
def create_article(request: HttpRequest, payload: ArticleIn):
    """A new draft (publish it with PATCH `status`)."""
    category, section = _placement(payload.category_id, payload.section_id)
    article = article_create(
        actor=_agent(request),
        title=payload.title,
        body=payload.body,
        summary=payload.summary,
        language=payload.language,
        category=category,
        section=section,
        visibility=payload.visibility,
    )
    return 201, {
        **_article_out(article),
        "body": article.body,
        "body_html": markdown_to_html(article.body),
    }


@router.patch("/articles/{article_id}", response={200: ArticleDetailOut, **ERRORS})
def update_article(request: HttpRequest, article_id: int, payload: ArticlePatchIn):
    """Change the text (a new revision), placement or visibility, and/or the status."""
    agent = _agent(request)
    article = Article.objects.filter(pk=article_id).first()
    if article is None:
        raise NotFound("Article not found.")
    fields = payload.dict(exclude_unset=True)
    status = fields.pop("status", None)
    if fields:
        category, section = _placement(
            fields.get("category_id", article.category_id),
            fields.get("section_id", article.section_id),
        )
        article = article_update(
            actor=agent,
            article=article,
            title=fields.get("title") or article.title,
            body=fields["body"] if fields.get("body") is not None else article.body,
            summary=fields["summary"] if fields.get("summary") is not None else article.summary,
            category=category,
            section=section,
            visibility=fields.get("visibility"),
        )
    if status is not None:
        article = article_status_set(actor=agent, article=article, status=status)
    article.refresh_from_db()
    return {
        **_article_out(article),
        "body": article.body,
        "body_html": markdown_to_html(article.body),
    }


@router.get("/categories", response={200: CategoryPage, **ERRORS}, auth=READ_AUTH)
def list_categories(request: HttpRequest, filters: Query[PageIn]):
    """Categories in their order. Without a token: those shown on the help centre."""
    queryset = Category.objects.all() if _agent(request) else public_categories()
    page = keyset_page(
        queryset.order_by(), key="id", kind="int", cursor=filters.cursor, limit=filters.limit
    )
    items = [
        {
            "id": c.pk,
            "name": c.name,
            "slug": c.slug,
            "description": c.description,
            "position": c.position,
        }
        for c in page.items
    ]
    return {"items": items, "next_cursor": page.next_cursor}


@router.post("/categories", response={201: CategoryOut, **ERRORS})
def create_category(request: HttpRequest, payload: CategoryIn):
    """Leads and admins."""
    category = category_create(
        actor=_agent(request), name=payload.name, description=payload.description
    )
    return 201, {
        "id": category.pk,
        "name": category.name,
        "slug": category.slug,
        "description": category.description,
        "position": category.position,
    }
