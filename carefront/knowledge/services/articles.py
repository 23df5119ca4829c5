"""Writes on articles, categories, images and the help centre's settings."""

import hashlib
import logging

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from carefront.accounts.models import Agent, Role
from carefront.core.events import publish
from carefront.core.exceptions import InvalidInput, PermissionDenied

from ..events import ArticlePublished
from ..models import (
    Article,
    ArticleImage,
    ArticleRevision,
    ArticleStatus,
    ArticleVisibility,
    Category,
    HelpCentreSettings,
    Section,
)
from ..rendering import markdown_to_text
from ..text import index_text

logger = logging.getLogger(__name__)

MAX_BODY_CHARS = 200_000
MAX_IMAGE_BYTES = 5 * 1024 * 1024
IMAGE_TYPES = {
    b"\x89PNG\r\n\x1a\n": "image/png",
    b"\xff\xd8\xff": "image/jpeg",
    b"GIF87a": "image/gif",
    b"GIF89a": "image/gif",
}


def _require_manager(actor: Agent) -> None:
    if actor.role not in (Role.ADMIN, Role.LEAD):
        raise PermissionDenied(_("Only leads and admins may do this."))


def _clean_fields(*, title: str, summary: str, body: str, language: str) -> dict:
    title = (title or "").replace("\x00", "").strip()
    if not title:
        raise InvalidInput(_("An article needs a title."))
    if len(title) > 200:
        raise InvalidInput(_("The title is too long (at most 200 characters)."))
    summary = (summary or "").replace("\x00", "").strip()
    if len(summary) > 300:
        raise InvalidInput(_("The summary is too long (at most 300 characters)."))
    body = (body or "").replace("\x00", "").replace("\r\n", "\n")
    if len(body) > MAX_BODY_CHARS:
        raise InvalidInput(_("The article is too long (at most 200,000 characters)."))
    language = (language or "en").strip().lower()[:16] or "en"
    return {"title": title, "summary": summary, "body": body, "language": language}


def _index(article: Article) -> None:
    article.search_title = index_text(f"{article.title} {article.summary}")
    article.search_body = index_text(markdown_to_text(article.body))


def _check_placement(category: Category | None, section: Section | None) -> None:
    if section is not None and (category is None or section.category_id != category.pk):
        raise InvalidInput(_("The section belongs to another category."))


def _add_revision(article: Article, actor: Agent | None) -> ArticleRevision:
    article.revision += 1
    revision = ArticleRevision.objects.create(
        article=article,
        number=article.revision,
        title=article.title,
        summary=article.summary,
        body=article.body,
        author=actor,
    )
    if article.status == ArticleStatus.PUBLISHED:
        _after_publish_change(article)
    transaction.on_commit(lambda: _enqueue_embedding(revision.pk))
    return revision


def _enqueue_embedding(revision_id: int) -> None:
    from ..search import semantic_enabled
    from ..tasks import article_revision_embed_task

    if not semantic_enabled():
        return
    try:
        article_revision_embed_task.enqueue(revision_id)
    except Exception:
        logger.exception("Could not enqueue the embedding of revision %s", revision_id)


def _after_publish_change(article: Article) -> None:
    from ..search import search_generation_bump

    transaction.on_commit(search_generation_bump)


def article_create(
    *,
    actor: Agent,
    title: str,
    body: str = "",
    summary: str = "",
    language: str = "en",
    category: Category | None = None,
    section: Section | None = None,
    visibility: str = ArticleVisibility.PUBLIC,
) -> Article:
    """A new draft, with its first revision."""
    fields = _clean_fields(title=title, summary=summary, body=body, language=language)
    if visibility not in ArticleVisibility.values:
        raise InvalidInput(_("Unknown visibility."))
    _check_placement(category, section)
    with transaction.atomic():
        article = Article(
            **fields,
            slug=Article.slug_for(fields["title"]),
            category=category,
            section=section,
            visibility=visibility,
            author=actor,
        )
        _index(article)
        article.save()
        _add_revision(article, actor)
        article.save(update_fields=["revision"])
    return article


def article_update(
    *,
    actor: Agent,
    article: Article,
    title: str,
    body: str,
    summary: str = "",
    category: Category | None = None,
    section: Section | None = None,
    visibility: str | None = None,
) -> Article:
    """Save the editor: a new revision when the text changed (title, summary or body)."""
    fields = _clean_fields(title=title, summary=summary, body=body, language=article.language)
    if visibility is not None and visibility not in ArticleVisibility.values:
        raise InvalidInput(_("Unknown visibility."))
    _check_placement(category, section)
    with transaction.atomic():
        article = Article.objects.select_for_update().get(pk=article.pk)
        text_changed = any(getattr(article, k) != fields[k] for k in ("title", "summary", "body"))
        placement_changed = (
            article.category_id != (category.pk if category else None)
            or article.section_id != (section.pk if section else None)
            or (visibility is not None and article.visibility != visibility)
        )
        if not text_changed and not placement_changed:
            return article
        article.title, article.summary, article.body = (
            fields["title"],
            fields["summary"],
            fields["body"],
        )
        article.slug = Article.slug_for(article.title)
        article.category, article.section = category, section
        if visibility is not None:
            article.visibility = visibility
        _index(article)
        if text_changed:
            _add_revision(article, actor)
        elif article.status == ArticleStatus.PUBLISHED:
            _after_publish_change(article)
        article.save()
    return article


def article_status_set(*, actor: Agent, article: Article, status: str) -> Article:
    """Publish, archive or return to draft. Publishing publishes `ArticlePublished` (webhook
    `article.published`)."""
    if status not in ArticleStatus.values:
        raise InvalidInput(_("Unknown status."))
    with transaction.atomic():
        article = Article.objects.select_for_update().get(pk=article.pk)
        if article.status == status:
            return article
        was_published = article.status == ArticleStatus.PUBLISHED
        article.status = status
        fields = ["status", "updated_at"]
        if status == ArticleStatus.PUBLISHED:
            article.published_at = timezone.now()
            fields.append("published_at")
        article.save(update_fields=fields)
        if was_published or status == ArticleStatus.PUBLISHED:
            _after_publish_change(article)
        if status == ArticleStatus.PUBLISHED:
            publish(ArticlePublished(article_id=article.pk, revision=article.revision))
    return article


def article_translation_create(
    *, actor: Agent, source: Article, language: str, title: str, body: str, summary: str = ""
) -> Article:
    """A version of `source` in another language, linked to it and to its current revision."""
    original = source.source or source
    language = (language or "").strip().lower()[:16]
    if not language:
        raise InvalidInput(_("Choose the language of the translation."))
    if language == original.language or original.translations.filter(language=language).exists():
        raise InvalidInput(_("This article already exists in that language."))
    with transaction.atomic():
        article = article_create(
            actor=actor,
            title=title,
            body=body,
            summary=summary,
            language=language,
            category=original.category,
            section=original.section,
            visibility=original.visibility,
        )
        article.source = original
        article.source_revision = original.revision
        article.save(update_fields=["source", "source_revision"])
    return article


def article_translation_mark_current(*, actor: Agent, article: Article) -> Article:
    """The translator checked the translation against the source's latest revision."""
    if article.source_id is None:
        raise InvalidInput(_("This article is not a translation."))
    article.source_revision = article.source.revision
    article.save(update_fields=["source_revision", "updated_at"])
    return article


def article_revision_embed(*, revision_id: int) -> bool:
    """Compute and store the vector of one revision (once). False when the extra is missing."""
    from carefront.feedback.grouping.vectors import MINILM_SPACE, minilm

    from ..search import search_generation_bump, semantic_enabled

    if not semantic_enabled():
        return False
    revision = ArticleRevision.objects.filter(pk=revision_id).first()
    if revision is None or revision.embedding_space == MINILM_SPACE:
        return False
    text = f"{revision.title}. {revision.summary} {markdown_to_text(revision.body)}"
    vector = minilm().encode([text[:2000]])[0]
    ArticleRevision.objects.filter(pk=revision_id).update(
        embedding=vector.astype("float32").tobytes(), embedding_space=MINILM_SPACE
    )
    search_generation_bump()
    return True


def article_image_upload(*, actor: Agent, filename: str, content: bytes) -> ArticleImage:
    """An image for articles (PNG, JPEG or GIF, at most 5 MB), stored by its hash like message
    attachments. The type comes from the file's first bytes, never from its name."""
    if not content:
        raise InvalidInput(_("The file is empty."))
    if len(content) > MAX_IMAGE_BYTES:
        raise InvalidInput(_("The image is too large (at most 5 MB)."))
    content_type = next((t for magic, t in IMAGE_TYPES.items() if content.startswith(magic)), None)
    if content_type is None:
        raise InvalidInput(_("Only PNG, JPEG and GIF images can be uploaded."))
    digest = hashlib.sha256(content).hexdigest()
    image = ArticleImage(
        filename=(filename or "image").replace("\x00", "")[-255:],
        content_type=content_type,
        size=len(content),
        sha256=digest,
        uploaded_by=actor,
    )
    image.file.save(digest, ContentFile(content), save=False)
    image.save()
    return image


def category_create(*, actor: Agent, name: str, description: str = "") -> Category:
    _require_manager(actor)
    name = (name or "").strip()
    if not name:
        raise InvalidInput(_("A category needs a name."))
    from django.db.models import Max

    position = (Category.objects.aggregate(m=Max("position"))["m"] or 0) + 1
    return Category.objects.create(
        name=name[:120],
        slug=Article.slug_for(name)[:140],
        description=(description or "").strip()[:300],
        position=position,
    )


def section_create(*, actor: Agent, category: Category, name: str) -> Section:
    _require_manager(actor)
    name = (name or "").strip()
    if not name:
        raise InvalidInput(_("A section needs a name."))
    return Section.objects.create(category=category, name=name[:120])


def help_centre_settings() -> HelpCentreSettings:
    settings_row = HelpCentreSettings.objects.order_by("pk").first()
    return settings_row or HelpCentreSettings(name=_("Help centre"))


def help_centre_settings_update(
    *,
    actor: Agent,
    name: str,
    tagline: str = "",
    primary_colour: str = "#1f5fbf",
    text_colour: str = "#ffffff",
    logo: ArticleImage | None = None,
) -> HelpCentreSettings:
    import re

    if actor.role != Role.ADMIN:
        raise PermissionDenied(_("Only admins may change the help centre."))
    colour = re.compile(r"^#[0-9a-fA-F]{6}$")
    if not colour.match(primary_colour or "") or not colour.match(text_colour or ""):
        raise InvalidInput(_("Colours are written as #rrggbb."))
    name = (name or "").strip()
    if not name:
        raise InvalidInput(_("The help centre needs a name."))
    row = HelpCentreSettings.objects.order_by("pk").first() or HelpCentreSettings()
    row.name, row.tagline = name[:120], (tagline or "").strip()[:200]
    row.primary_colour, row.text_colour = primary_colour.lower(), text_colour.lower()
    if logo is not None:
        row.logo = logo
    row.save()
    return row
