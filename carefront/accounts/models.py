"""Agents (the people who answer), their roles and their teams."""

import zoneinfo

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ADMIN = "admin", _("Admin")
    LEAD = "lead", _("Lead")
    AGENT = "agent", _("Agent")


def validate_time_zone(value: str) -> None:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise ValidationError(
            _("%(value)s is not a known time zone."), params={"value": value}
        ) from exc


class Availability(models.TextChoices):
    """Whether an agent takes chats and automatic assignments now (docs/routing.md)."""

    ONLINE = "online", _("Online")
    AWAY = "away", _("Away")
    OFFLINE = "offline", _("Offline")


DEFAULT_CHAT_CAPACITY = 3


class AgentManager(BaseUserManager["Agent"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **fields) -> "Agent":
        if not email:
            raise ValueError("An agent needs an email address.")
        agent = self.model(email=self.normalize_email(email).lower(), **fields)
        agent.set_password(password)
        agent.save(using=self._db)
        return agent

    def create_superuser(self, email: str, password: str | None = None, **fields) -> "Agent":
        fields.setdefault("role", Role.ADMIN)
        fields.setdefault("is_staff", True)
        fields.setdefault("is_superuser", True)
        return self.create_user(email, password, **fields)


class Agent(AbstractBaseUser, PermissionsMixin):
    """A person who signs in to answer customers. The role decides what they may manage."""

    email = models.EmailField(_("email"), unique=True)
    name = models.CharField(_("name"), max_length=150)
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.AGENT)
    time_zone = models.CharField(
        _("time zone"), max_length=64, default="UTC", validators=[validate_time_zone]
    )
    signature = models.TextField(_("signature"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(
        _("back-office access"), default=False, help_text=_("May open the Django admin.")
    )
    date_joined = models.DateTimeField(_("joined"), default=timezone.now)
    # Availability (issue 13): written only through accounts.services.availability.
    availability = models.CharField(
        _("availability"), max_length=8, choices=Availability.choices, default=Availability.OFFLINE
    )
    status_changed_at = models.DateTimeField(_("availability changed"), null=True, blank=True)
    # True when Carefront set "away" after inactivity: activity then brings the agent back online.
    away_is_automatic = models.BooleanField(default=False, editable=False)
    # The last activity seen in a page (throttled: written at most once a minute).
    last_active_at = models.DateTimeField(_("last active"), null=True, blank=True)
    chat_capacity = models.PositiveSmallIntegerField(
        _("chat capacity"),
        default=DEFAULT_CHAT_CAPACITY,
        help_text=_("How many chats this agent answers at once."),
    )
    conversation_capacity = models.PositiveIntegerField(
        _("open conversations at most"),
        null=True,
        blank=True,
        help_text=_(
            "Automatic assignment gives this agent no more open conversations than this. "
            "Empty: no limit."
        ),
    )

    objects = AgentManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["name"]

    class Meta:
        verbose_name = _("agent")
        verbose_name_plural = _("agents")
        ordering = ["name"]
        indexes = [models.Index(fields=["name", "id"], name="agent_name_idx")]

    def __str__(self) -> str:
        return self.name or self.email

    @property
    def first_name(self) -> str:
        return (self.name or self.email).split()[0]

    @property
    def signature_block(self) -> str:
        """The signature as it goes below a reply: after the "-- " line that mail clients
        recognise (and fold away in quotes). Empty without a signature."""
        signature = self.signature.strip()
        return f"\n\n-- \n{signature}" if signature else ""

    @property
    def sees_all_inboxes(self) -> bool:
        return self.role in {Role.ADMIN, Role.LEAD}

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN


class Team(models.Model):
    """A group of agents; a team is given inboxes, and its members see those inboxes."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    description = models.TextField(_("description"), blank=True)
    members = models.ManyToManyField(
        Agent, related_name="teams", blank=True, verbose_name=_("members")
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class TokenScope(models.TextChoices):
    READ = "read", _("Read only")
    READ_WRITE = "read_write", _("Read and write")


class ApiToken(models.Model):
    """A personal API token: acts as its agent, with the agent's access, within its scope.

    Only the SHA-256 of the token is stored; the token itself is shown once, at creation.
    """

    agent = models.ForeignKey(
        Agent, on_delete=models.CASCADE, related_name="api_tokens", verbose_name=_("agent")
    )
    name = models.CharField(_("name"), max_length=100)
    # The first characters of the token, so its owner can tell tokens apart.
    key_prefix = models.CharField(_("prefix"), max_length=16)
    secret_hash = models.CharField(max_length=64, unique=True, editable=False)
    scope = models.CharField(
        _("scope"), max_length=16, choices=TokenScope.choices, default=TokenScope.READ
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        indexes = [models.Index(fields=["agent", "created_at"], name="api_token_agent_idx")]

    def __str__(self) -> str:
        return f"{self.name} ({self.key_prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    @property
    def can_write(self) -> bool:
        return self.scope == TokenScope.READ_WRITE
