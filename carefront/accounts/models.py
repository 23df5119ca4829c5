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

    objects = AgentManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["name"]

    class Meta:
        verbose_name = _("agent")
        verbose_name_plural = _("agents")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name or self.email

    @property
    def first_name(self) -> str:
        return (self.name or self.email).split()[0]

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
