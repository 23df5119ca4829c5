"""Writes on customer profiles."""

from django.db import IntegrityError, transaction

from carefront.core.db import bulk_update_rows
from carefront.core.events import publish

from . import events
from .models import Customer, CustomerIdentity, IdentityKind


def customer_get_or_create_by_email(*, email: str, name: str = "") -> tuple[Customer, bool]:
    """Find the customer behind an email address, or create one. Addresses compare lower-cased."""
    email = email.strip().lower()[:320]
    customers, created = _customers_by_email(senders=[(email, name)])
    return customers[email], email in created


def customers_get_or_create_by_email(*, senders: list[tuple[str, str]]) -> dict[str, Customer]:
    """The customers behind many (email, name) pairs at once: one lookup, bulk creation.

    Returns a map from the lower-cased address to its customer. A known customer without a
    name takes the name the sender gives.
    """
    return _customers_by_email(senders=senders)[0]


def _customers_by_email(
    *, senders: list[tuple[str, str]], _retry: bool = True
) -> tuple[dict[str, Customer], set[str]]:
    """The work of `customers_get_or_create_by_email`, also telling which addresses are new."""
    names: dict[str, str] = {}
    for email, name in senders:
        email = email.strip().lower()[:320]
        if not names.get(email):
            names[email] = (name or "")[:200]
    found = {
        identity.value: identity.customer
        for identity in CustomerIdentity.objects.select_related("customer").filter(
            kind=IdentityKind.EMAIL, value__in=list(names)
        )
    }
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


def customer_add_email(*, customer: Customer, email: str) -> CustomerIdentity:
    """Attach another email address to a customer (one person, several addresses)."""
    from carefront.core.exceptions import InvalidInput

    email = email.strip().lower()
    if "@" not in email:
        raise InvalidInput(f"{email!r} is not an email address.")
    existing = CustomerIdentity.objects.filter(kind=IdentityKind.EMAIL, value=email).first()
    if existing is not None:
        if existing.customer_id != customer.pk:
            raise InvalidInput(f"{email} already belongs to another customer.")
        return existing
    identity = CustomerIdentity.objects.create(
        customer=customer, kind=IdentityKind.EMAIL, value=email
    )
    publish(events.CustomerUpdated(customer_id=customer.pk, fields=("identities",)))
    return identity
