"""Writes on customer profiles."""

import datetime as dt
import re
import zoneinfo
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from carefront.core.db import bulk_update_rows
from carefront.core.events import publish
from carefront.core.exceptions import Conflict, InvalidInput

from . import events
from .attributes import merge_attributes
from .models import Customer, CustomerIdentity, IdentityKind


def customer_get_or_create_by_email(*, email: str, name: str = "") -> tuple[Customer, bool]:
    """Find the customer behind an email address, or create one. Addresses compare lower-cased."""
    email = email_key(email)
    customers, created = _customers_by_email(senders=[(email, name)])
    return customers[email], email in created


def customers_get_or_create_by_email(
    *, senders: list[tuple[str, str]], known: dict[str, Customer] | None = None
) -> dict[str, Customer]:
    """The customers behind many (email, name) pairs at once: one lookup, bulk creation.

    Returns a map from the lower-cased address to its customer. A known customer without a
    name takes the name the sender gives. `known` is what `customers_by_email` found for
    these addresses a moment earlier (read before a write transaction, to keep the read out of
    it): the lookup is skipped, and a customer created meanwhile is found on the retry.
    """
    return _customers_by_email(senders=senders, known=known)[0]


def customers_by_email(*, emails: list[str]) -> dict[str, Customer]:
    """The customers known by these lower-cased addresses (a read: no customer is created)."""
    return {
        identity.value: identity.customer
        for identity in CustomerIdentity.objects.select_related("customer").filter(
            kind=IdentityKind.EMAIL, value__in=emails
        )
    }


def email_key(email: str) -> str:
    """An address as customers are looked up by it."""
    return email.strip().lower()[:320]


def _customers_by_email(
    *,
    senders: list[tuple[str, str]],
    known: dict[str, Customer] | None = None,
    _retry: bool = True,
) -> tuple[dict[str, Customer], set[str]]:
    """The work of `customers_get_or_create_by_email`, also telling which addresses are new."""
    names: dict[str, str] = {}
    for email, name in senders:
        email = email_key(email)
        if not names.get(email):
            names[email] = (name or "")[:200]
    if known is None:
        found = customers_by_email(emails=list(names))
    else:
        found = {email: known[email] for email in names if email in known}
    unnamed = {}
    for email, customer in found.items():
        if not customer.name and names[email]:
            customer.name = names[email]
            unnamed[customer.pk] = customer
    if unnamed:
        bulk_update_rows(list(unnamed.values()), ["name", "updated_at"])
        for customer_id in unnamed:
            publish(events.CustomerUpdated(customer_id=customer_id, fields=("name",)))
    missing = [email for email in names if email not in found]
    if missing:
        try:
            with transaction.atomic():
                created = Customer.objects.bulk_create(
                    [Customer(name=names[email], email=email) for email in missing]
                )
                CustomerIdentity.objects.bulk_create(
                    [
                        CustomerIdentity(customer=c, kind=IdentityKind.EMAIL, value=c.email)
                        for c in created
                    ]
                )
            found.update(zip(missing, created, strict=True))
            for customer in created:
                publish(events.CustomerCreated(customer_id=customer.pk))
        except IntegrityError:
            if not _retry:
                raise
            # Another process created some of them between our read and write: once more,
            # now finding theirs.
            return _customers_by_email(senders=senders, _retry=False)
    return found, set(missing)


def customers_create_unknown_senders(*, names: list[str]) -> list[Customer]:
    """One placeholder customer per message whose sender has no usable address ("sender
    unknown"), never shared: unrelated people must not end up in one profile. An agent links
    the conversation to the real customer (`conversation_change_customer`)."""
    if not names:
        return []
    created = Customer.objects.bulk_create(
        [Customer(name=(name or "")[:200], sender_unknown=True) for name in names]
    )
    for customer in created:
        publish(events.CustomerCreated(customer_id=customer.pk))
    return created


def customer_add_email(*, customer: Customer, email: str) -> CustomerIdentity:
    """Attach another email address to a customer (one person, several addresses).

    Adding an address the customer already has returns it; one that belongs to another
    customer is a Conflict."""
    email = _clean_email(email)
    existing = CustomerIdentity.objects.filter(kind=IdentityKind.EMAIL, value=email).first()
    if existing is not None:
        if existing.customer_id != customer.pk:
            raise Conflict(_("%(email)s already belongs to another customer.") % {"email": email})
        return existing
    identity = CustomerIdentity.objects.create(
        customer=customer, kind=IdentityKind.EMAIL, value=email
    )
    publish(events.CustomerUpdated(customer_id=customer.pk, fields=("identities",)))
    return identity


# --- Profile fields ------------------------------------------------------------------------------

MAX_NAME_LENGTH = 200
MAX_NOTES_LENGTH = 20_000
# BCP 47 in its common shapes: en, pt-BR, zh-Hant-TW, es-419.
LANGUAGE_TAG = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8}){0,3}$")
PROFILE_FIELDS = ("name", "language", "time_zone", "notes", "is_internal")


def _clean_email(email: str) -> str:
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError as exc:
        raise InvalidInput(_("%(email)r is not an email address.") % {"email": email}) from exc
    if len(email) > 320:
        raise InvalidInput(_("An email address is at most 320 characters."))
    return email


def _clean_profile(changes: Mapping[str, Any]) -> dict[str, Any]:
    """Validated profile fields; raises InvalidInput naming the first bad one."""
    unknown = set(changes) - set(PROFILE_FIELDS)
    if unknown:
        raise InvalidInput(_("Unknown field: %(name)s.") % {"name": sorted(unknown)[0]})
    clean: dict[str, Any] = {}
    for name in ("name", "language", "time_zone", "notes"):
        if name not in changes:
            continue
        value = changes[name]
        if value is None:
            value = ""
        if not isinstance(value, str):
            raise InvalidInput(_("%(field)s must be text.") % {"field": name})
        clean[name] = value.replace("\x00", "")
    if "name" in clean:
        clean["name"] = " ".join(clean["name"].split())
        if len(clean["name"]) > MAX_NAME_LENGTH:
            raise InvalidInput(_("A name is at most %(n)s characters.") % {"n": MAX_NAME_LENGTH})
    if clean.get("language"):
        clean["language"] = clean["language"].strip()
        if not LANGUAGE_TAG.match(clean["language"]):
            raise InvalidInput(
                _("%(value)r is not a language tag such as en or pt-BR.")
                % {"value": clean["language"]}
            )
    if clean.get("time_zone"):
        clean["time_zone"] = clean["time_zone"].strip()
        try:
            zoneinfo.ZoneInfo(clean["time_zone"])
        except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
            raise InvalidInput(
                _("%(value)r is not a known time zone.") % {"value": clean["time_zone"]}
            ) from exc
        if len(clean["time_zone"]) > 64:  # pragma: no cover - no real zone name is this long
            raise InvalidInput(_("A time zone name is at most 64 characters."))
    if "notes" in clean:
        clean["notes"] = clean["notes"].replace("\r\n", "\n").strip()
        if len(clean["notes"]) > MAX_NOTES_LENGTH:
            raise InvalidInput(_("Notes are at most %(n)s characters.") % {"n": MAX_NOTES_LENGTH})
    if "is_internal" in changes:
        if not isinstance(changes["is_internal"], bool):
            raise InvalidInput(_("is_internal must be true or false."))
        clean["is_internal"] = changes["is_internal"]
    return clean


@transaction.atomic
def customer_update(
    *,
    customer: Customer,
    changes: Mapping[str, Any],
    attributes: Mapping[str, Any] | None = None,
) -> Customer:
    """Change profile fields (`name`, `language`, `time_zone`, `notes`, `is_internal`; only
    those given) and merge `attributes` key by key (`None` removes a key).

    Publishes CustomerUpdated with the fields that really changed (none: no event)."""
    clean = _clean_profile(changes)
    locked = Customer.objects.select_for_update().get(pk=customer.pk)
    changed = [name for name, value in clean.items() if getattr(locked, name) != value]
    for name in changed:
        setattr(locked, name, clean[name])
    if attributes is not None:
        merged = merge_attributes(locked.attributes or {}, attributes)
        if merged != locked.attributes:
            locked.attributes = merged
            changed.append("attributes")
    if changed:
        locked.save(update_fields=[*changed, "updated_at"])
        publish(events.CustomerUpdated(customer_id=locked.pk, fields=tuple(changed)))
    return locked


@transaction.atomic
def customer_create(
    *,
    email: str,
    name: str = "",
    language: str = "",
    time_zone: str = "",
    notes: str = "",
    is_internal: bool = False,
    attributes: Mapping[str, Any] | None = None,
) -> Customer:
    """A new customer with `email` as their first identity. The address must be free: one that
    belongs to a customer already is a Conflict (update that customer instead)."""
    email = _clean_email(email)
    clean = _clean_profile(
        {
            "name": name,
            "language": language,
            "time_zone": time_zone,
            "notes": notes,
            "is_internal": is_internal,
        }
    )
    merged = merge_attributes({}, attributes or {})
    if CustomerIdentity.objects.filter(kind=IdentityKind.EMAIL, value=email).exists():
        raise Conflict(_("%(email)s already belongs to a customer.") % {"email": email})
    try:
        with transaction.atomic():
            customer = Customer.objects.create(email=email, attributes=merged, **clean)
            CustomerIdentity.objects.create(customer=customer, kind=IdentityKind.EMAIL, value=email)
    except IntegrityError as exc:
        # Created by someone else between the check and the insert.
        raise Conflict(_("%(email)s already belongs to a customer.") % {"email": email}) from exc
    publish(events.CustomerCreated(customer_id=customer.pk))
    return customer


def customer_surveys_opt_out(*, customer_id: int, now: dt.datetime | None = None) -> Customer:
    """The customer wants no more surveys (CSAT or NPS): recorded once, the first time."""
    with transaction.atomic():
        customer = Customer.objects.select_for_update().get(pk=customer_id)
        if customer.surveys_opted_out_at is None:
            customer.surveys_opted_out_at = now or timezone.now()
            customer.save(update_fields=["surveys_opted_out_at", "updated_at"])
            publish(
                events.CustomerUpdated(customer_id=customer.pk, fields=("surveys_opted_out_at",))
            )
    return customer


def customer_surveys_opt_in(*, customer_id: int) -> Customer:
    """The customer takes their opt-out back: surveys may reach them again."""
    with transaction.atomic():
        customer = Customer.objects.select_for_update().get(pk=customer_id)
        if customer.surveys_opted_out_at is not None:
            customer.surveys_opted_out_at = None
            customer.save(update_fields=["surveys_opted_out_at", "updated_at"])
            publish(
                events.CustomerUpdated(customer_id=customer.pk, fields=("surveys_opted_out_at",))
            )
    return customer


def customer_lock_for_contact(*, customer_id: int) -> Customer | None:
    """The customer's row, locked until the transaction ends: whoever is about to ask the
    customer something (a survey, an NPS invitation) holds it while checking who asked last,
    so two senders never both decide they are first."""
    return Customer.objects.select_for_update().filter(pk=customer_id).first()
