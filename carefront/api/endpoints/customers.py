"""Customers with their identities: those the caller meets in their inboxes."""

from django.db.models import Exists, OuterRef, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Path, Query, Router

from carefront.accounts.models import Agent
from carefront.conversations.selectors import conversations_visible_to
from carefront.core.exceptions import NotFound
from carefront.customers.models import Customer, CustomerIdentity

from ..auth import caller
from ..pagination import keyset_page
from ..schemas import CustomerFilterIn, CustomerOut, CustomerPage, ErrorOut, Id
from ..serializers import customers_out

router = Router(tags=["customers"])

ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut}


def _customers_visible_to(*, actor: Agent) -> QuerySet[Customer]:
    """As in the UI: an agent sees a customer who wrote to one of the agent's inboxes."""
    qs = Customer.objects.prefetch_related("identities")
    if actor.sees_all_inboxes:
        return qs
    visible = conversations_visible_to(actor=actor).filter(customer_id=OuterRef("pk"))
    return qs.filter(Exists(visible))


@router.get("/customers", response={200: CustomerPage, **ERRORS})
def list_customers(request: HttpRequest, filters: Query[CustomerFilterIn]):
    """Customers ordered by name; `email` finds the customer behind any of their addresses."""
    qs = _customers_visible_to(actor=caller(request))
    if filters.email:
        identity = CustomerIdentity.objects.filter(
            customer_id=OuterRef("pk"), value=filters.email.strip().lower()
        )
        qs = qs.filter(Exists(identity))
    page = keyset_page(qs, key="name", kind="text", cursor=filters.cursor, limit=filters.limit)
    return {"items": customers_out(page.items), "next_cursor": page.next_cursor}


@router.get("/customers/{customer_id}", response={200: CustomerOut, **ERRORS})
def get_customer(request: HttpRequest, customer_id: Path[Id]):
    customer = _customers_visible_to(actor=caller(request)).filter(pk=customer_id).first()
    if customer is None:
        raise NotFound(_("Customer not found."))
    return customers_out([customer])[0]
