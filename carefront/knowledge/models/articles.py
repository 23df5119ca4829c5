"""Articles of the knowledge base: categories and sections, per-language versions, revisions
(with their embedding), images, and the help centre's branding."""

import uuid

from django.conf import settings
from django.db import models
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _


class Category(models.Model):
    """A top-level group of articles on the help centre home."""

    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(_("slug"), max_length=140, allow_unicode=True)
    description = models.CharField(_("description"), max_length=300, blank=True)
    position = models.PositiveIntegerField(_("position"), default=0)
    is_public = models.BooleanField(_("shown on the help centre"), default=True)

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["position", "id"]
        indexes = [models.Index(fields=["position", "id"], name="kb_category_order_idx")]

    def __str__(self) -> str:
        return self.name


class Section(models.Model):
    """A group of articles inside a category."""

    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="sections")
    name = models.CharField(_("name"), max_length=120)
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("section")
        verbose_name_plural = _("sections")
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.name


class ArticleStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    ARCHIVED = "archived", _("Archived")


class ArticleVisibility(models.TextChoices):
    PUBLIC = "public", _("Public (help centre)")
    INTERNAL = "internal", _("Internal (agents only)")


class Article(models.Model):
    """One article in one language. A translation points at its `source` and remembers which
    revision of the source it was made from (`source_revision`): stale once the source moves on.
    The URL is /help/articles/<id>-<slug>/, resolved by id, so renaming never breaks a link."""

    title = models.CharField(_("title"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=220, allow_unicode=True)
    summary = models.CharField(
        _("summary"),
        max_length=300,
        blank=True,
        help_text=_("Shown in results and as the meta description."),
    )
    body = models.TextField(_("body (Markdown)"), blank=True)
    language = models.CharField(_("language"), max_length=16, default="en")
    category = models.ForeignKey(
        Category, on_delete=models.SET_NULL, null=True, blank=True, related_name="articles"
    )
    section = models.ForeignKey(
        Section, on_delete=models.SET_NULL, null=True, blank=True, related_name="articles"
    )
    status = models.CharField(
        _("status"), max_length=16, choices=ArticleStatus.choices, default=ArticleStatus.DRAFT
    )
    visibility = models.CharField(
        _("visibility"),
        max_length=16,
        choices=ArticleVisibility.choices,
        default=ArticleVisibility.PUBLIC,
    )
    source = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="translations"
    )
    source_revision = models.PositiveIntegerField(null=True, blank=True)
    revision = models.PositiveIntegerField(_("revision"), default=0)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    # Index terms (knowledge.text.index_text) of title + summary and of the body: what the
    # full-text index of each database reads (see knowledge/search.py).
    search_title = models.TextField(blank=True, editable=False)
    search_body = models.TextField(blank=True, editable=False)
    view_count = models.PositiveIntegerField(_("views"), default=0)
    helpful_count = models.PositiveIntegerField(default=0)
    not_helpful_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("article")
        verbose_name_plural = _("articles")
        indexes = [
            models.Index(
                fields=["status", "visibility", "language", "-view_count"],
                name="kb_article_popular_idx",
            ),
            models.Index(fields=["category", "status", "language"], name="kb_article_category_idx"),
            models.Index(fields=["status", "-id"], name="kb_article_list_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("web:help_article", args=[self.pk, self.slug or "article"])

    @property
    def is_public(self) -> bool:
        return (
            self.status == ArticleStatus.PUBLISHED and self.visibility == ArticleVisibility.PUBLIC
        )

    @property
    def is_stale(self) -> bool:
        """A translation whose source changed after it was made."""
        if self.source_id is None or self.source_revision is None:
            return False
        return self.source.revision > self.source_revision

    @staticmethod
    def slug_for(title: str) -> str:
        return slugify(title, allow_unicode=True)[:200] or "article"


class ArticleRevision(models.Model):
    """One saved state of an article: who wrote it, and its text. Its embedding is computed
    once, by a task, when the embeddings extra is installed."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    summary = models.CharField(max_length=300, blank=True)
    body = models.TextField(blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    embedding = models.BinaryField(null=True, blank=True)
    embedding_space = models.CharField(max_length=32, blank=True)

    class Meta:
        verbose_name = _("article revision")
        verbose_name_plural = _("article revisions")
        constraints = [
            models.UniqueConstraint(fields=["article", "number"], name="kb_revision_unique_number")
        ]

    def __str__(self) -> str:
        return f"{self.article_id} r{self.number}"


def article_image_path(instance: "ArticleImage", filename: str) -> str:
    # Content-addressed like message attachments; the name never comes from the uploader.
    return f"knowledge/{instance.sha256[:2]}/{instance.sha256}"


class ArticleImage(models.Model):
    """An image uploaded for articles, served publicly by its random key."""

    key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    filename = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField(default=0)
    sha256 = models.CharField(max_length=64)
    file = models.FileField(upload_to=article_image_path, max_length=255)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("article image")
        verbose_name_plural = _("article images")

    def __str__(self) -> str:
        return self.filename


class HelpCentreSettings(models.Model):
    """The help centre's name, logo and colours (one row, set by an admin)."""

    name = models.CharField(_("name"), max_length=120, default="Help centre")
    tagline = models.CharField(_("tagline"), max_length=200, blank=True)
    logo = models.ForeignKey(
        ArticleImage, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    primary_colour = models.CharField(_("primary colour"), max_length=7, default="#1f5fbf")
    text_colour = models.CharField(_("header text colour"), max_length=7, default="#ffffff")

    class Meta:
        verbose_name = _("help centre settings")
        verbose_name_plural = _("help centre settings")

    def __str__(self) -> str:
        return self.name
