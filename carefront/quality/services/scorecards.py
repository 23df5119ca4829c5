"""Scorecards: create one, and edit it (which makes a new version: past reviews keep the
categories they were scored on)."""

from dataclasses import dataclass

from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from carefront.accounts.models import Agent
from carefront.accounts.services.permissions import require_lead_or_admin
from carefront.core.exceptions import InvalidInput

from ..behaviours import Behaviour
from ..models import Scale, Scorecard, ScorecardCategory, ScorecardVersion
from ..models.reviews import MAX_CATEGORIES, MAX_NAME_LENGTH, MAX_WEIGHT


@dataclass(frozen=True, slots=True)
class CategoryIn:
    name: str
    weight: int = 1
    is_critical: bool = False
    behaviour: str = ""
    description: str = ""
    key: str = ""  # kept from the previous version when editing; made from the name otherwise


def _clean_name(name: str) -> str:
    name = (name or "").replace("\x00", "").strip()
    if not name:
        raise InvalidInput(_("A scorecard needs a name."))
    if len(name) > MAX_NAME_LENGTH:
        raise InvalidInput(_("A name is at most %(n)s characters.") % {"n": MAX_NAME_LENGTH})
    return name


def _clean_categories(categories: list[CategoryIn]) -> list[CategoryIn]:
    if not categories:
        raise InvalidInput(_("A scorecard needs at least one category."))
    if len(categories) > MAX_CATEGORIES:
        raise InvalidInput(_("A scorecard has at most %(n)s categories.") % {"n": MAX_CATEGORIES})
    cleaned, keys = [], set()
    for category in categories:
        name = (category.name or "").replace("\x00", "").strip()
        if not name:
            raise InvalidInput(_("Every category needs a name."))
        if len(name) > MAX_NAME_LENGTH:
            raise InvalidInput(_("A name is at most %(n)s characters.") % {"n": MAX_NAME_LENGTH})
        if not isinstance(category.weight, int) or not 1 <= category.weight <= MAX_WEIGHT:
            raise InvalidInput(
                _("The weight of %(name)s must be a whole number from 1 to %(max)s.")
                % {"name": name, "max": MAX_WEIGHT}
            )
        if category.behaviour and category.behaviour not in Behaviour.values:
            raise InvalidInput(
                _("%(value)s is not an auto-QA behaviour.") % {"value": category.behaviour}
            )
        key = slugify(category.key or name)[:64] or f"category-{len(cleaned) + 1}"
        if key in keys:
            raise InvalidInput(_("Two categories are called %(name)s.") % {"name": name})
        keys.add(key)
        cleaned.append(
            CategoryIn(
                name=name,
                weight=category.weight,
                is_critical=bool(category.is_critical),
                behaviour=category.behaviour or "",
                description=(category.description or "").replace("\x00", "").strip()[:4000],
                key=key,
            )
        )
    return cleaned


def _add_version(
    *, scorecard: Scorecard, scale: str, categories: list[CategoryIn], actor: Agent
) -> ScorecardVersion:
    last = scorecard.versions.order_by("-number").values_list("number", flat=True).first()
    version = ScorecardVersion.objects.create(
        scorecard=scorecard, number=(last or 0) + 1, scale=scale, created_by=actor
    )
    ScorecardCategory.objects.bulk_create(
        ScorecardCategory(
            version=version,
            key=c.key,
            name=c.name,
            description=c.description,
            weight=c.weight,
            is_critical=c.is_critical,
            behaviour=c.behaviour,
            position=i,
        )
        for i, c in enumerate(categories)
    )
    return version


def scorecard_create(
    *,
    actor: Agent,
    name: str,
    scale: str,
    categories: list[CategoryIn],
    description: str = "",
) -> Scorecard:
    """A new scorecard with its first version. Leads and admins only."""
    require_lead_or_admin(actor)
    name = _clean_name(name)
    if scale not in Scale.values:
        raise InvalidInput(_("Choose a scale: 1 to 4, 1 to 5, or pass or fail."))
    categories = _clean_categories(categories)
    with transaction.atomic():
        scorecard = Scorecard.objects.create(
            name=name, description=(description or "").replace("\x00", "").strip(), created_by=actor
        )
        _add_version(scorecard=scorecard, scale=scale, categories=categories, actor=actor)
    return scorecard


def scorecard_update(
    *,
    actor: Agent,
    scorecard: Scorecard,
    name: str,
    scale: str,
    categories: list[CategoryIn],
    description: str = "",
    is_active: bool = True,
) -> ScorecardVersion:
    """Rename the scorecard and save its categories as a new version (reviews already made keep
    theirs). A category keeps its key (and so its coaching goals and progress) when given it."""
    require_lead_or_admin(actor)
    name = _clean_name(name)
    if scale not in Scale.values:
        raise InvalidInput(_("Choose a scale: 1 to 4, 1 to 5, or pass or fail."))
    categories = _clean_categories(categories)
    with transaction.atomic():
        scorecard = Scorecard.objects.select_for_update().get(pk=scorecard.pk)
        scorecard.name = name
        scorecard.description = (description or "").replace("\x00", "").strip()
        scorecard.is_active = is_active
        scorecard.save(update_fields=["name", "description", "is_active"])
        return _add_version(scorecard=scorecard, scale=scale, categories=categories, actor=actor)
