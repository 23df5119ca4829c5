"""Which SLA policy applies to a conversation: the first active one, in order, whose conditions
all match. Policies are few and read on every conversation change, so their compiled form is
cached under a generation that moves whenever a policy is saved or deleted."""

from collections.abc import Iterable
from dataclasses import dataclass

from django.core.cache import cache
from django.db.models.signals import m2m_changed, post_delete, post_save

from carefront.conversations.models import Conversation
from carefront.core.generations import Generation
from carefront.sla.models import Requester, SlaPolicy

POLICIES = Generation("sla-policies")
CACHE_SECONDS = 3600


@dataclass(frozen=True, slots=True)
class ConversationFacts:
    """What policy conditions look at, gathered once per conversation."""

    inbox_id: int
    team_id: int | None
    priority: int
    channel: str
    tag_ids: frozenset[int]
    customer_attributes: dict
    is_internal: bool


@dataclass(frozen=True, slots=True)
class PolicyRule:
    """A policy's conditions in a form that matches without queries."""

    policy_id: int
    inbox_ids: frozenset[int]
    team_ids: frozenset[int]
    priorities: frozenset[int]
    channels: frozenset[str]
    tag_ids: frozenset[int]
    customer_attribute: str
    customer_attribute_value: str
    requester: str

    def matches(self, facts: ConversationFacts) -> bool:
        if self.inbox_ids and facts.inbox_id not in self.inbox_ids:
            return False
        if self.team_ids and facts.team_id not in self.team_ids:
            return False
        if self.priorities and facts.priority not in self.priorities:
            return False
        if self.channels and facts.channel not in self.channels:
            return False
        if self.tag_ids and not (self.tag_ids & facts.tag_ids):
            return False
        if self.customer_attribute:
            value = facts.customer_attributes.get(self.customer_attribute)
            if value is None or str(value).strip().casefold() != (
                self.customer_attribute_value.strip().casefold()
            ):
                return False
        if self.requester == Requester.INTERNAL and not facts.is_internal:
            return False
        return not (self.requester == Requester.EXTERNAL and facts.is_internal)


def policies_changed(**kwargs) -> None:
    POLICIES.changed()


def connect_generation() -> None:
    post_save.connect(policies_changed, sender=SlaPolicy, dispatch_uid="sla-policy-saved")
    post_delete.connect(policies_changed, sender=SlaPolicy, dispatch_uid="sla-policy-deleted")
    for through in (SlaPolicy.inboxes.through, SlaPolicy.teams.through, SlaPolicy.tags.through):
        m2m_changed.connect(policies_changed, sender=through, dispatch_uid=f"sla-{through}")


def policy_rules() -> list[PolicyRule]:
    """The active policies in order, compiled; from the cache (no query) when warm."""
    key = POLICIES.key("rules")
    rules = cache.get(key)
    if rules is not None:
        return rules
    rules = [
        PolicyRule(
            policy_id=policy.pk,
            inbox_ids=frozenset(i.pk for i in policy.inboxes.all()),
            team_ids=frozenset(t.pk for t in policy.teams.all()),
            priorities=frozenset(int(p) for p in policy.priorities or ()),
            channels=frozenset(policy.channels or ()),
            tag_ids=frozenset(t.pk for t in policy.tags.all()),
            customer_attribute=policy.customer_attribute,
            customer_attribute_value=policy.customer_attribute_value,
            requester=policy.requester,
        )
        for policy in SlaPolicy.objects.filter(is_active=True)
        .order_by("position", "id")
        .prefetch_related("inboxes", "teams", "tags")
    ]
    cache.set(key, rules, CACHE_SECONDS)
    return rules


def conversation_facts(*, conversation: Conversation) -> ConversationFacts:
    """The facts of one conversation (its inbox and customer loaded if not yet; its tags)."""
    return ConversationFacts(
        inbox_id=conversation.inbox_id,
        team_id=conversation.team_id,
        priority=conversation.priority,
        channel=conversation.inbox.channel,
        tag_ids=frozenset(conversation.tags.values_list("id", flat=True)),
        customer_attributes=conversation.customer.attributes or {},
        is_internal=conversation.customer.is_internal,
    )


def first_matching(rules: Iterable[PolicyRule], facts: ConversationFacts) -> int | None:
    """The id of the first policy whose rule matches, or None."""
    return next((rule.policy_id for rule in rules if rule.matches(facts)), None)


def sla_policy_match(*, conversation: Conversation) -> SlaPolicy | None:
    """The policy that applies to the conversation now, or None."""
    policy_id = first_matching(policy_rules(), conversation_facts(conversation=conversation))
    return SlaPolicy.objects.filter(pk=policy_id).first() if policy_id is not None else None
