"""Customers with their identities: those the caller meets in their inboxes. Agents who see
a customer may also change them; any agent may create one."""

from django.db.models import Exists, OuterRef, QuerySet
from django.http import HttpRequest
from ninja import Path, Query, Router, Status

from carefront.accounts.models import Agent
from carefront.conversations.selectors import access_customer, customers_visible_to
from carefront.customers.models import Customer, CustomerIdentity
from carefront.customers.services import customer_add_email, customer_create, customer_update

from ..auth import caller
from ..pagination import keyset_page
from ..schemas import (
    CustomerFilterIn,
    CustomerOut,
    CustomerPage,
    ErrorOut,
    Id,
    ValidationErrorOut,
)
from ..schemas_extra import CustomerCreateIn, CustomerUpdateIn, IdentityIn
from ..serializers import customers_out

router = Router(tags=["customers"])

ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ValidationErrorOut}
WRITE_ERRORS = {**ERRORS, 409: ErrorOut}
# sort name -> (key, how a cursor reads it, descending)
SORTS = {
    "name": ("name", "text", False),
    "created": ("created_at", "datetime", False),
    "-created": ("created_at", "datetime", True),
    "updated": ("updated_at", "datetime", False),
    "-updated": ("updated_at", "datetime", True),
}


def _customers_visible_to(*, actor: Agent) -> QuerySet[Customer]:
    return customers_visible_to(actor=actor).prefetch_related("identities")


def _customer_out(customer_id: int) -> dict:
    return customers_out([Customer.objects.prefetch_related("identities").get(pk=customer_id)])[0]


@router.get("/customers", response={200: CustomerPage, **ERRORS})
def list_customers(request: HttpRequest, filters: Query[CustomerFilterIn]):
    """Customers ordered by `sort` (name by default); `email` finds the customer behind any of
    their addresses, `name` those whose name starts with it, `updated_since` those changed
    since (with `sort=updated` to walk changes in order)."""
    qs = _customers_visible_to(actor=caller(request))
    if filters.email:
        identity = CustomerIdentity.objects.filter(
            customer_id=OuterRef("pk"), value=filters.email.strip().lower()
        )
        qs = qs.filter(Exists(identity))
    if filters.name:
        qs = qs.filter(name__istartswith=filters.name.strip())
    if filters.updated_since:
        qs = qs.filter(updated_at__gte=filters.updated_since)
    key, kind, descending = SORTS[filters.sort]
    page = keyset_page(
        qs,
        key=key,
        kind=kind,
        cursor=filters.cursor,
        limit=filters.limit,
        descending=descending,
        order=filters.sort,
    )
    return {"items": customers_out(page.items), "next_cursor": page.next_cursor}


@router.post("/customers", response={201: CustomerOut, **WRITE_ERRORS})
def create_customer(request: HttpRequest, payload: CustomerCreateIn):
    """A customer with a first email address. An address that belongs to a customer already
    is a 409: look them up with `GET /customers?email=` and update them instead.

    Agents see a customer once they have a conversation in one of the agent's inboxes (leads
    and admins see all), as in the UI."""
    customer = customer_create(
        email=payload.email,
        name=payload.name,
        language=payload.language,
        time_zone=payload.time_zone,
        notes=payload.notes,
        is_internal=payload.is_internal,
        attributes=payload.attributes,
    )
    return Status(201, _customer_out(customer.pk))


@router.get("/customers/{customer_id}", response={200: CustomerOut, **ERRORS})
def get_customer(request: HttpRequest, customer_id: Path[Id]):
    return customers_out([access_customer(actor=caller(request), customer_id=customer_id)])[0]


@router.patch("/customers/{customer_id}", response={200: CustomerOut, **ERRORS})
def update_customer(request: HttpRequest, customer_id: Path[Id], payload: CustomerUpdateIn):
    """Change the fields you send. `attributes` is merged key by key; `null` removes a key."""
    customer = access_customer(actor=caller(request), customer_id=customer_id)
    sent = payload.model_fields_set
    changes = {name: getattr(payload, name) for name in sent if name != "attributes"}
    attributes = payload.attributes if "attributes" in sent else None
    customer_update(customer=customer, changes=changes, attributes=attributes)
    return _customer_out(customer.pk)


@router.post("/customers/{customer_id}/identities", response={201: CustomerOut, **WRITE_ERRORS})
def add_identity(request: HttpRequest, customer_id: Path[Id], payload: IdentityIn):
    """Another email address of the same person. An address of another customer is a 409."""
    customer = access_customer(actor=caller(request), customer_id=customer_id)
    customer_add_email(customer=customer, email=payload.value)
    return Status(201, _customer_out(customer.pk))
