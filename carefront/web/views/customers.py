"""A customer's profile: identities, notes, and every conversation the agent may see."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from carefront.accounts.models import Agent
from carefront.conversations.selectors import conversations_visible_to
from carefront.core.exceptions import InvalidInput, NotFound
from carefront.customers.models import Customer
from carefront.customers.services import customer_add_email, customer_update
from carefront.feedback.selectors import customer_rating_counts, customer_ratings
from carefront.web.errors import agent_view, form_error
from carefront.web.forms import CustomerAttributeForm, CustomerEmailForm, CustomerProfileForm
from carefront.web.http import HttpResponseSeeOther

CONVERSATIONS_SHOWN = 100
RATINGS_SHOWN = 20


def _access_customer(*, actor: Agent, customer_id: int) -> Customer:
    """A customer is visible to an agent who can see at least one of their conversations."""
    customer = Customer.objects.filter(pk=customer_id).first()
    if customer is None:
        raise NotFound(_("Customer not found."))
    if actor.sees_all_inboxes:
        return customer
    if not conversations_visible_to(actor=actor).filter(customer=customer).exists():
        raise NotFound(_("Customer not found."))
    return customer


def _render(
    request: HttpRequest,
    customer: Customer,
    form: CustomerEmailForm | None = None,
    *,
    profile_form: CustomerProfileForm | None = None,
    attribute_form: CustomerAttributeForm | None = None,
    status: int = 200,
):
    conversations = list(
        conversations_visible_to(actor=request.user)
        .filter(customer=customer)
        .select_related("inbox", "assignee")
        .order_by("-last_message_at", "-id")[: CONVERSATIONS_SHOWN + 1]
    )
    rating_counts = customer_rating_counts(actor=request.user, customer_id=customer.pk)
    context = {
        "customer": customer,
        "identities": list(customer.identities.order_by("id")),
        "ratings": customer_ratings(
            actor=request.user, customer_id=customer.pk, limit=RATINGS_SHOWN
        ),
        "rating_counts": rating_counts,
        "rating_total": sum(rating_counts.values()),
        "conversations": conversations[:CONVERSATIONS_SHOWN],
        "more_conversations": len(conversations) > CONVERSATIONS_SHOWN,
        "email_form": form or CustomerEmailForm(),
        "profile_form": profile_form
        or CustomerProfileForm(
            initial={
                "name": customer.name,
                "language": customer.language,
                "time_zone": customer.time_zone,
                "notes": customer.notes,
                "is_internal": customer.is_internal,
            }
        ),
        "profile_open": profile_form is not None,
        "attribute_form": attribute_form or CustomerAttributeForm(),
        "attributes": sorted((customer.attributes or {}).items()),
    }
    return render(request, "web/customer.html", context, status=status)


@require_GET
@agent_view
def customer_detail(request: HttpRequest, customer_id: int) -> HttpResponse:
    customer = _access_customer(actor=request.user, customer_id=customer_id)
    return _render(request, customer, CustomerEmailForm())


@require_POST
@agent_view
def customer_add_email_view(request: HttpRequest, customer_id: int) -> HttpResponse:
    customer = _access_customer(actor=request.user, customer_id=customer_id)
    form = CustomerEmailForm(request.POST)
    if form.is_valid():
        try:
            customer_add_email(customer=customer, email=form.cleaned_data["email"])
        except InvalidInput as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("Email address added."))
            return HttpResponseSeeOther(reverse("web:customer", args=[customer.pk]))
    return _render(request, customer, form, status=400)


def _back(customer: Customer) -> HttpResponse:
    return HttpResponseSeeOther(reverse("web:customer", args=[customer.pk]))


@require_POST
@agent_view
def customer_edit_view(request: HttpRequest, customer_id: int) -> HttpResponse:
    customer = _access_customer(actor=request.user, customer_id=customer_id)
    form = CustomerProfileForm(request.POST)
    if form.is_valid():
        try:
            customer_update(customer=customer, changes=form.cleaned_data)
        except InvalidInput as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("Customer profile saved."))
            return _back(customer)
    return _render(request, customer, profile_form=form, status=400)


@require_POST
@agent_view
def customer_attribute_view(request: HttpRequest, customer_id: int) -> HttpResponse:
    """Set one custom attribute (as text) or remove one."""
    customer = _access_customer(actor=request.user, customer_id=customer_id)
    form = CustomerAttributeForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        key = (data["remove"] or data["key"]).strip()
        change = {key: None} if data["remove"] else {key: data["value"]}
        try:
            if not key:
                raise InvalidInput(_("Name the attribute."))
            customer_update(customer=customer, changes={}, attributes=change)
        except InvalidInput as exc:
            form_error(form, exc)
        else:
            return _back(customer)
    return _render(request, customer, attribute_form=form, status=400)
