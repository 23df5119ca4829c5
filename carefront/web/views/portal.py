"""The customer portal (/portal/): sign in with a one-time link, see one's conversations
across channels, read the public messages, reply, start a new conversation.

The session holds only the customer's id and the address they proved (`portal_*` keys, apart
from an agent's login); every page fetches through `knowledge.portal_selectors`, which scope
everything to that customer.
"""

import uuid
import zoneinfo
from collections.abc import Callable
from functools import wraps

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from carefront.conversations.models import Status
from carefront.core.exceptions import InvalidInput, NotFound
from carefront.core.i18n import browser_language, first_supported_language
from carefront.customers.models import Customer
from carefront.customers.services import customers_by_email
from carefront.knowledge.portal_selectors import (
    portal_contact_forms,
    portal_conversation_get,
    portal_conversation_list,
    portal_messages,
)
from carefront.knowledge.services.portal import (
    portal_conversation_start,
    portal_reply,
    portal_sign_in_complete,
    portal_sign_in_for_token,
    portal_sign_in_request,
)
from carefront.web.http import HttpResponseSeeOther
from carefront.web.portal_forms import (
    PortalNewConversationForm,
    PortalReplyForm,
    PortalSignInForm,
)

from .public_common import client_ip, public_page

SESSION_CUSTOMER = "portal_customer_id"
SESSION_EMAIL = "portal_email"


def status_label(status: str) -> str:
    """A conversation's status in the customer's words."""
    if status == Status.PENDING:
        return _("Waiting for your reply")
    if status in (Status.SOLVED, Status.CLOSED):
        return _("Solved")
    return _("Open: we are on it")


def portal_sign_in_session(request: HttpRequest, *, customer_id: int, email: str) -> None:
    """Sign the browser in as this customer (a new session key: no fixation)."""
    request.session.cycle_key()
    request.session[SESSION_CUSTOMER] = customer_id
    request.session[SESSION_EMAIL] = email


def _signed_in(request: HttpRequest) -> tuple[Customer, str] | None:
    customer_id = request.session.get(SESSION_CUSTOMER)
    email = request.session.get(SESSION_EMAIL)
    if not isinstance(customer_id, int) or not email:
        return None
    # Through the address they proved: if it has since moved to another customer (an agent
    # merged or corrected it), the session ends.
    customer = customers_by_email(emails=[email]).get(email)
    if customer is None or customer.pk != customer_id:
        return None
    return customer, email


def _language(request: HttpRequest, customer: Customer | None = None) -> str:
    return first_supported_language(
        customer.language if customer else "", browser_language(request)
    )


def portal_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Run the view for the signed-in customer, in their language; others go to sign-in.
    A conversation that is not theirs is a 404, like one that does not exist."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        signed_in = _signed_in(request)
        if signed_in is None:
            query = urlencode({"next": request.get_full_path()})
            return HttpResponseSeeOther(f"{reverse('web:portal_sign_in')}?{query}")
        customer, email = signed_in
        try:
            zone = zoneinfo.ZoneInfo(customer.time_zone) if customer.time_zone else None
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            zone = None
        # Dates in the customer's time zone when they told us theirs.
        with translation.override(_language(request, customer)), timezone.override(zone):
            try:
                return view(request, customer, email, *args, **kwargs)
            except NotFound:
                return public_page(
                    request,
                    "web/portal/error.html",
                    {"message": _("This conversation does not exist.")},
                    status=404,
                )

    return wrapped


@never_cache
@require_http_methods(["GET", "HEAD"])
@portal_view
def portal_home(request: HttpRequest, customer: Customer, email: str) -> HttpResponse:
    try:
        page = portal_conversation_list(customer_id=customer.pk, cursor=request.GET.get("after"))
    except InvalidInput:
        page = portal_conversation_list(customer_id=customer.pk)
    rows = [(c, status_label(c.status)) for c in page.items]
    context = {
        "customer": customer,
        "email": email,
        "rows": rows,
        "next_cursor": page.next_cursor,
        "can_start": bool(portal_contact_forms()),
    }
    return public_page(request, "web/portal/home.html", context)


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
@portal_view
def portal_conversation(
    request: HttpRequest, customer: Customer, email: str, conversation_id: int
) -> HttpResponse:
    conversation = portal_conversation_get(customer_id=customer.pk, conversation_id=conversation_id)
    status = 200
    if request.method == "POST":
        form = PortalReplyForm(request.POST)
        if form.is_valid():
            try:
                portal_reply(
                    customer=customer,
                    email=email,
                    conversation=conversation,
                    body=form.cleaned_data["body"],
                    key=form.cleaned_data["key"],
                )
            except InvalidInput as exc:
                form.add_error(None, exc.message)
            else:
                url = reverse("web:portal_conversation", args=[conversation.pk])
                return HttpResponseSeeOther(f"{url}#latest")
        status = 400
    else:
        form = PortalReplyForm(initial={"key": str(uuid.uuid4())})
    context = {
        "customer": customer,
        "conversation": conversation,
        "status_label": status_label(conversation.status),
        "messages": portal_messages(conversation=conversation),
        "form": form,
    }
    return public_page(request, "web/portal/conversation.html", context, status=status)


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
@portal_view
def portal_new(request: HttpRequest, customer: Customer, email: str) -> HttpResponse:
    available = portal_contact_forms()
    status = 200
    if request.method == "POST":
        form = PortalNewConversationForm(request.POST, forms_available=available)
        if form.is_valid():
            chosen = next(f for f in available if f.inbox_id == form.cleaned_data["inbox"])
            try:
                result = portal_conversation_start(
                    customer=customer,
                    email=email,
                    form=chosen,
                    subject=form.cleaned_data["subject"],
                    body=form.cleaned_data["body"],
                    key=form.cleaned_data["key"],
                )
            except (InvalidInput, NotFound) as exc:
                form.add_error(None, exc.message)
            else:
                return HttpResponseSeeOther(
                    reverse("web:portal_conversation", args=[result.conversation.pk])
                )
        status = 400
    else:
        form = PortalNewConversationForm(
            initial={"key": str(uuid.uuid4())}, forms_available=available
        )
    context = {"customer": customer, "form": form, "available": available}
    return public_page(request, "web/portal/new.html", context, status=status)


def _next_path(request: HttpRequest) -> str:
    value = request.POST.get("next") or request.GET.get("next") or ""
    if value.startswith("/portal/") and url_has_allowed_host_and_scheme(
        value, allowed_hosts={request.get_host()}
    ):
        return value
    return ""


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def portal_sign_in(request: HttpRequest) -> HttpResponse:
    """Ask for a link by email. The answer is the same for every address."""
    with translation.override(_language(request)):
        if _signed_in(request) is not None and request.method != "POST":
            return HttpResponseSeeOther(reverse("web:portal"))
        status = 200
        if request.method == "POST":
            form = PortalSignInForm(request.POST)
            if form.is_valid():
                try:
                    portal_sign_in_request(
                        email=form.cleaned_data["email"],
                        ip_address=client_ip(request),
                        next_path=_next_path(request),
                    )
                except InvalidInput as exc:
                    form.add_error(None, exc.message)
                else:
                    return HttpResponseSeeOther(reverse("web:portal_sign_in_sent"))
            status = 400
        else:
            form = PortalSignInForm()
        context = {"form": form, "next": _next_path(request)}
        return public_page(request, "web/portal/sign_in.html", context, status=status)


@never_cache
@require_http_methods(["GET", "HEAD"])
def portal_sign_in_sent(request: HttpRequest) -> HttpResponse:
    with translation.override(_language(request)):
        return public_page(request, "web/portal/sign_in_sent.html", {})


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def portal_sign_in_link(request: HttpRequest, token: str) -> HttpResponse:
    """The link from the email. A GET shows a button (mail scanners open links, and must not
    use up the one-time link); the POST signs in."""
    with translation.override(_language(request)):
        try:
            if request.method == "POST":
                sign_in = portal_sign_in_complete(token=token)
            else:
                sign_in = portal_sign_in_for_token(token=token)
        except NotFound as exc:
            return public_page(
                request, "web/portal/link_invalid.html", {"message": exc.message}, status=410
            )
        if request.method == "POST":
            portal_sign_in_session(request, customer_id=sign_in.customer_id, email=sign_in.email)
            return HttpResponseSeeOther(sign_in.next_path or reverse("web:portal"))
        response = public_page(request, "web/portal/sign_in_link.html", {"sign_in": sign_in})
        response["Referrer-Policy"] = "same-origin"  # the token in this URL stays on this site
        return response


@require_POST
def portal_sign_out(request: HttpRequest) -> HttpResponse:
    request.session.pop(SESSION_CUSTOMER, None)
    request.session.pop(SESSION_EMAIL, None)
    request.session.cycle_key()
    return HttpResponseSeeOther(reverse("web:portal_sign_in"))
