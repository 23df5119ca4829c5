"""Writes on customer profiles."""

from django.db import IntegrityError, transaction

from .models import Customer, CustomerIdentity, IdentityKind


def customer_get_or_create_by_email(*, email: str, name: str = "") -> tuple[Customer, bool]:
    """Find the customer behind an email address, or create one. Addresses compare lower-cased."""
    email = email.strip().lower()
    identity = (
        CustomerIdentity.objects.select_related("customer")
        .filter(kind=IdentityKind.EMAIL, value=email)
        .first()
    )
    if identity is not None:
        customer = identity.customer
        if name and not customer.name:
            customer.name = name[:200]
            customer.save(update_fields=["name", "updated_at"])
        return customer, False
    try:
        with transaction.atomic():
            customer = Customer.objects.create(name=name[:200], email=email)
            CustomerIdentity.objects.create(customer=customer, kind=IdentityKind.EMAIL, value=email)
    except IntegrityError:
        # Another process created it between our read and write.
        identity = CustomerIdentity.objects.select_related("customer").get(
            kind=IdentityKind.EMAIL, value=email
        )
        return identity.customer, False
    return customer, True


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
    return CustomerIdentity.objects.create(customer=customer, kind=IdentityKind.EMAIL, value=email)
