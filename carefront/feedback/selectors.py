"""Reads on ratings, scoped to the conversations the acting agent may see."""

from django.db.models import Count, Exists, OuterRef, QuerySet
from django.utils.translation import gettext as _

from carefront.accounts.models import Agent
from carefront.conversations.selectors import conversations_visible_to
from carefront.core.exceptions import NotFound

from .models import Rating, Score


def ratings_visible_to(*, actor: Agent) -> QuerySet[Rating]:
    """Ratings of conversations in the actor's inboxes (leads and admins: all), with what a
    list shows selected."""
    qs = Rating.objects.select_related("conversation", "customer", "agent", "survey")
    if actor.sees_all_inboxes:
        return qs
    visible = conversations_visible_to(actor=actor).filter(pk=OuterRef("conversation_id"))
    return qs.filter(Exists(visible))


def access_rating(*, actor: Agent, rating_id: int) -> Rating:
    rating = ratings_visible_to(actor=actor).filter(pk=rating_id).first()
    if rating is None:
        raise NotFound(_("Rating not found."))
    return rating


def customer_ratings(*, actor: Agent, customer_id: int, limit: int = 20) -> list[Rating]:
    """The customer's latest ratings the actor may see, newest first (one query)."""
    return list(
        ratings_visible_to(actor=actor)
        .filter(customer_id=customer_id)
        .order_by("-created_at", "-id")[:limit]
    )


def customer_rating_counts(*, actor: Agent, customer_id: int) -> dict[str, int]:
    """How many of each score the customer gave (one query), every score present."""
    counts = dict.fromkeys(Score.values, 0)
    rows = (
        ratings_visible_to(actor=actor)
        .filter(customer_id=customer_id)
        .order_by()
        .values_list("score")
        .annotate(n=Count("id"))
    )
    for score, n in rows:
        counts[score] = n
    return counts
