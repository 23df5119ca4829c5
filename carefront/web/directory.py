"""Short lists that many pages show and that seldom change: teams, agents, saved-reply titles,
tag names. Read from the cache, under a generation number (core/generations.py) that any write
to the rows behind them moves on.
"""

from collections.abc import Callable
from typing import NamedTuple

from django.core.cache import cache
from django.db.models import Q
from django.db.models.signals import m2m_changed, post_delete, post_save

from carefront.accounts.models import Agent, Role, Team
from carefront.automation.models import SavedReply
from carefront.conversations.models import Tag
from carefront.conversations.selectors import visible_inboxes as inboxes_of
from carefront.core.generations import Generation
from carefront.inboxes.models import Inbox

ENTRY_SECONDS = 3600
TAG_NAMES_SHOWN = 200


class Choice(NamedTuple):
    """One entry of a list: what a `<select>` needs (`pk`, as model instances have)."""

    pk: int
    name: str


class SavedReplyChoice(NamedTuple):
    pk: int
    name: str
    language: str
    # A macro's actions (what sending it also does); empty for a plain saved reply.
    actions: list = []  # a NamedTuple default, never mutated


GENERATION = Generation("directory")


def directory_changed(**kwargs) -> None:
    GENERATION.changed()


def _cached(name: str, build: Callable[[], list]) -> list:
    key = GENERATION.key(name)
    value = cache.get(key)
    if value is None:
        value = build()
        cache.set(key, value, ENTRY_SECONDS)
    return value


def teams() -> list[Choice]:
    return _cached(
        "teams",
        lambda: [Choice(*row) for row in Team.objects.order_by("name").values_list("id", "name")],
    )


def active_agents() -> list[Choice]:
    return _cached(
        "agents",
        lambda: [
            Choice(*row)
            for row in Agent.objects.filter(is_active=True)
            .order_by("name", "id")
            .values_list("id", "name")
        ],
    )


def assignable_agents(*, inbox_id: int) -> list[Choice]:
    """Active agents who can see the inbox: its teams' members, leads and admins."""
    return _cached(
        f"assignable:{inbox_id}",
        lambda: [
            Choice(*row)
            for row in Agent.objects.filter(is_active=True)
            .filter(Q(role__in=[Role.ADMIN, Role.LEAD]) | Q(teams__inboxes__id=inbox_id))
            .distinct()
            .order_by("name", "id")
            .values_list("id", "name")
        ],
    )


def saved_replies() -> list[SavedReplyChoice]:
    return _cached(
        "saved-replies-v3",  # v2: with the language; v3: with the macro's actions
        lambda: [
            SavedReplyChoice(*row)
            for row in SavedReply.objects.order_by("title", "id").values_list(
                "id", "title", "language", "actions"
            )
        ],
    )


def tag_names() -> list[str]:
    return _cached(
        "tags",
        lambda: list(Tag.objects.order_by("name").values_list("name", flat=True)[:TAG_NAMES_SHOWN]),
    )


def connect() -> None:
    """Move the generation on whenever the rows behind the lists change (AppConfig.ready)."""
    for model in (Agent, Team, Inbox, SavedReply, Tag):
        post_save.connect(
            directory_changed, sender=model, dispatch_uid=f"directory-{model.__name__}"
        )
        post_delete.connect(
            directory_changed, sender=model, dispatch_uid=f"directory-del-{model.__name__}"
        )
    for through in (Team.members.through, Inbox.teams.through):
        m2m_changed.connect(
            directory_changed, sender=through, dispatch_uid=f"directory-m2m-{through.__name__}"
        )


def visible_inboxes(*, actor: Agent) -> list[Choice]:
    """The inboxes the agent sees (their teams', or all for leads and admins), by name."""
    return _cached(
        f"inboxes:{actor.pk}:{actor.role}",
        lambda: [
            Choice(*row)
            for row in inboxes_of(actor=actor).order_by("name").values_list("id", "name")
        ],
    )
