"""Articles built through the services."""

from carefront.accounts.models import Role
from carefront.accounts.tests.factories import AgentFactory

from ..models import ArticleStatus, ArticleVisibility
from ..services import article_create, article_status_set


def published_article(
    *,
    title: str,
    body: str = "",
    language: str = "en",
    visibility: str = ArticleVisibility.PUBLIC,
    actor=None,
    category=None,
    summary: str = "",
):
    actor = actor or AgentFactory(role=Role.AGENT)
    article = article_create(
        actor=actor,
        title=title,
        body=body,
        language=language,
        visibility=visibility,
        category=category,
        summary=summary,
    )
    return article_status_set(actor=actor, article=article, status=ArticleStatus.PUBLISHED)
