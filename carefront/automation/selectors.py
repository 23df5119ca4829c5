"""Reads on saved replies and rules (scoped to the acting agent)."""

from dataclasses import dataclass

from django.db.models import QuerySet

from carefront.accounts.models import Agent, Role
from carefront.core.exceptions import PermissionDenied

from .models import Rule, RuleRun, SavedReply

RULE_RUNS_PAGE = 50


def saved_reply_list() -> QuerySet[SavedReply]:
    return SavedReply.objects.order_by("title", "id")


def _require_manager(actor: Agent) -> None:
    if not (actor.is_active and actor.role in {Role.ADMIN, Role.LEAD}):
        raise PermissionDenied("Only leads and admins may see the rules.")


def rule_list(*, actor: Agent) -> QuerySet[Rule]:
    """Every rule in order (leads and admins; admins edit them)."""
    _require_manager(actor)
    return Rule.objects.select_related("created_by", "updated_by").order_by("position", "id")


def rule_runs_for_conversation(*, actor: Agent, conversation) -> list[RuleRun]:
    """The trace of a conversation the actor can see: which rules ran, why, what they did;
    newest first (at most 500)."""
    from carefront.conversations.selectors import agent_can_access_inbox

    if not agent_can_access_inbox(agent=actor, inbox_id=conversation.inbox_id):
        raise PermissionDenied("You cannot see this conversation.")
    return list(RuleRun.objects.filter(conversation_id=conversation.pk).order_by("-id")[:500])


@dataclass(frozen=True)
class RuleRunPage:
    runs: list[RuleRun]
    next_cursor: int | None  # pass as `cursor` for the next (older) page


def rule_runs_for_rule(*, actor: Agent, rule: Rule, cursor: int | None = None) -> RuleRunPage:
    """A rule's runs, newest first, keyset-paginated by id (the rule_run_rule_idx index).
    Only runs on conversations in the actor's inboxes are shown to leads; admins see all."""
    _require_manager(actor)
    runs = RuleRun.objects.filter(rule=rule).order_by("-id")
    if actor.role != Role.ADMIN:
        from carefront.conversations.selectors import conversations_visible_to

        runs = runs.filter(conversation__in=conversations_visible_to(actor=actor).values("pk"))
    if cursor is not None:
        runs = runs.filter(id__lt=int(cursor))
    page = list(runs[: RULE_RUNS_PAGE + 1])
    more = len(page) > RULE_RUNS_PAGE
    page = page[:RULE_RUNS_PAGE]
    return RuleRunPage(runs=page, next_cursor=page[-1].pk if more and page else None)
