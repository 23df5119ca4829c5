"""Background work of the knowledge app. Tasks are thin: they call a service."""

from django.tasks import task

from .services import article_revision_embed, search_outcomes_settle


@task()
def article_revision_embed_task(revision_id: int) -> bool:
    return article_revision_embed(revision_id=revision_id)


@task()
def search_outcomes_settle_task() -> int:
    return search_outcomes_settle()
