"""Reads of the knowledge app. Public reads (help centre, API without a token) see published
public articles only; agents see everything; the content-gap list is for leads and admins."""

from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from carefront.accounts.models import Agent, Role
from carefront.core.exceptions import NotFound, PermissionDenied
from carefront.core.pagination import (
    NewestFirstPage,
    cursor_encode,
    keyset_cursor_decode,
    newest_first_page,
    row_count,
)

from .models import (
    Article,
    ArticleStatus,
    ArticleVisibility,
    Category,
    ContentGap,
    GapStatus,
)


def public_articles() -> QuerySet[Article]:
    return Article.objects.filter(
        status=ArticleStatus.PUBLISHED, visibility=ArticleVisibility.PUBLIC
    )


def access_public_article(*, article_id: int) -> Article:
    article = public_articles().select_related("category", "section").filter(pk=article_id).first()
    if article is None:
        raise NotFound(_("Article not found."))
    return article


def access_article(*, actor: Agent | None, article_id: int) -> Article:
    """An agent sees every article; anyone else only published public ones."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        return access_public_article(article_id=article_id)
    article = (
        Article.objects.select_related("category", "section", "source", "author")
        .filter(pk=article_id)
        .first()
    )
    if article is None:
        raise NotFound(_("Article not found."))
    return article


@dataclass(frozen=True)
class ArticleFilters:
    status: str | None = None
    language: str | None = None
    category_id: int | None = None


def article_page(
    *, actor: Agent, filters: ArticleFilters, cursor: str | None, limit: int = 50
) -> NewestFirstPage[Article]:
    queryset = Article.objects.select_related("category", "author", "source")
    if filters.status:
        queryset = queryset.filter(status=filters.status)
    if filters.language:
        queryset = queryset.filter(language=filters.language)
    if filters.category_id:
        queryset = queryset.filter(category_id=filters.category_id)
    return newest_first_page(queryset, cursor=cursor, limit=limit, kind="articles")


def public_article_page(
    *, include_internal: bool, cursor: str | None, limit: int, language: str | None = None
) -> NewestFirstPage[Article]:
    queryset = Article.objects.filter(status=ArticleStatus.PUBLISHED).select_related("category")
    if not include_internal:
        queryset = queryset.filter(visibility=ArticleVisibility.PUBLIC)
    if language:
        queryset = queryset.filter(language=language)
    return newest_first_page(queryset, cursor=cursor, limit=limit, kind="public-articles")


def public_categories() -> QuerySet[Category]:
    return Category.objects.filter(is_public=True).order_by("position", "id")


def popular_articles(*, language: str, limit: int = 8) -> list[Article]:
    """The most read published public articles in `language` (else in any language)."""
    rows = list(public_articles().filter(language=language).order_by("-view_count", "-id")[:limit])
    if not rows:
        rows = list(public_articles().order_by("-view_count", "-id")[:limit])
    return rows


def category_articles(*, category: Category, language: str) -> list[Article]:
    rows = list(
        public_articles()
        .filter(category=category, language=language)
        .select_related("section")
        .order_by("section__position", "section_id", "title")[:500]
    )
    if not rows:
        rows = list(
            public_articles()
            .filter(category=category)
            .select_related("section")
            .order_by("section__position", "section_id", "title")[:500]
        )
    return rows


@dataclass
class GapPage:
    items: list[ContentGap]
    next_cursor: str | None


def content_gap_page(
    *, actor: Agent, status: str = GapStatus.OPEN, cursor: str | None, limit: int = 50
) -> GapPage:
    """Gaps ranked by customers affected (then newest), keyset-paginated on that order."""
    if actor.role not in (Role.ADMIN, Role.LEAD):
        raise PermissionDenied(_("Only leads and admins see the content gaps."))
    queryset = ContentGap.objects.filter(status=status).select_related("article", "draft_article")
    if cursor:
        count, last_id = keyset_cursor_decode(cursor, kind="gaps", key=row_count)
        queryset = queryset.filter(
            Q(customers_affected__lt=count) | Q(customers_affected=count, pk__lt=last_id)
        )
    rows = list(queryset.order_by("-customers_affected", "-id")[: limit + 1])
    if len(rows) <= limit:
        return GapPage(items=rows, next_cursor=None)
    rows = rows[:limit]
    last = rows[-1]
    return GapPage(
        items=rows, next_cursor=cursor_encode(["gaps", last.customers_affected, last.pk])
    )
