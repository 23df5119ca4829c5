"""Public pages behind NPS and survey emails: the NPS answer page (0-10 and a comment) and the
unsubscribe page. No login: the token in the link is the key, and it names one invitation (or,
for unsubscribing, one customer) only.

As on the rating page, a GET never records anything (mail scanners open every link of an
email): the page opens with the clicked score preselected, and the POST records it. The pages
speak the customer's language (their preference, then the browser's, then the inbox's).
"""

import zoneinfo
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from carefront.conversations.language import customer_language
from carefront.core.exceptions import InvalidInput, NotFound
from carefront.core.i18n import browser_language, first_supported_language
from carefront.customers.models import Customer
from carefront.customers.services import customer_surveys_opt_in, customer_surveys_opt_out
from carefront.feedback import tokens
from carefront.feedback.emails import nps_question
from carefront.feedback.models import NpsInvitation, NpsResponse
from carefront.feedback.services import (
    SurveyClosed,
    nps_answer_record,
    nps_invitation_for_token,
)
from carefront.web.http import HttpResponseSeeOther
from carefront.web.public_forms import NpsAnswerForm

from .public_common import customer_page


def _zone(customer: Customer) -> zoneinfo.ZoneInfo | None:
    try:
        return zoneinfo.ZoneInfo(customer.time_zone) if customer.time_zone else None
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return None


def _closed(request: HttpRequest, exc: InvalidInput) -> HttpResponse:
    status = 410 if isinstance(exc, SurveyClosed) else 404
    return customer_page(request, "web/nps_error.html", {"message": exc.message}, status=status)


def _invitation_page(
    view: Callable[[HttpRequest, NpsInvitation, str], HttpResponse],
) -> Callable[[HttpRequest, str], HttpResponse]:
    """Find the invitation behind the token, then run the view in the customer's language and
    time zone."""

    def wrapped(request: HttpRequest, token: str) -> HttpResponse:
        browser = browser_language(request)
        with translation.override(first_supported_language(browser)):
            try:
                invitation = nps_invitation_for_token(token=token)
            except (NotFound, SurveyClosed) as exc:
                return _closed(request, exc)
        customer = invitation.customer
        language = customer_language(
            customer=customer, inbox=invitation.campaign.sender_inbox, browser=browser
        )
        with translation.override(language), timezone.override(_zone(customer)):
            return view(request, invitation, token)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


def _context(invitation: NpsInvitation, response: NpsResponse | None, form) -> dict:
    return {
        "invitation": invitation,
        "inbox": invitation.campaign.sender_inbox,
        "question": nps_question(invitation.campaign),
        "response": response,
        "form": form,
        "scores": list(range(11)),
    }


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
@_invitation_page
def nps_answer(request: HttpRequest, invitation: NpsInvitation, token: str) -> HttpResponse:
    response = NpsResponse.objects.filter(invitation=invitation).first()
    if request.method == "POST":
        form = NpsAnswerForm(request.POST)
        if form.is_valid():
            try:
                nps_answer_record(
                    invitation=invitation,
                    score=form.cleaned_data["score"],
                    comment=form.cleaned_data["comment"],
                )
            except SurveyClosed as exc:
                return _closed(request, exc)
            except InvalidInput as exc:
                form.add_error(None, exc.message)
            else:
                return HttpResponseSeeOther(reverse("web:nps_thanks", args=[token]))
        return customer_page(
            request, "web/nps.html", _context(invitation, response, form), status=400
        )
    clicked = request.GET.get("score", "")
    if clicked.isdigit() and 0 <= int(clicked) <= 10:
        score = str(int(clicked))
    else:
        score = str(response.score) if response else ""
    initial = {"score": score, "comment": response.comment if response else ""}
    form = NpsAnswerForm(initial=initial)
    return customer_page(request, "web/nps.html", _context(invitation, response, form))


@never_cache
@require_http_methods(["GET", "HEAD"])
@_invitation_page
def nps_thanks(request: HttpRequest, invitation: NpsInvitation, token: str) -> HttpResponse:
    response = NpsResponse.objects.filter(invitation=invitation).first()
    if response is None:
        return HttpResponseSeeOther(reverse("web:nps_answer", args=[token]))
    context = {
        "invitation": invitation,
        "inbox": invitation.campaign.sender_inbox,
        "response": response,
        "change_url": reverse("web:nps_answer", args=[token]),
        "unsubscribe_url": reverse(
            "web:survey_unsubscribe", args=[tokens.unsubscribe_token(invitation.customer_id)]
        ),
    }
    return customer_page(request, "web/nps_thanks.html", context)


# csrf_exempt: mail clients unsubscribe with a one-click POST (RFC 8058) that carries no
# cookie. The token in the URL is the secret; all a forged request could do is what the
# link's owner asked for.
@csrf_exempt
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def survey_unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """GET asks to confirm (scanners open links); POST opts the customer out of every survey
    (CSAT and NPS), or back in with `action=resubscribe`."""
    browser = browser_language(request)
    customer_id = tokens.unsubscribe_customer_id(token)
    customer = Customer.objects.filter(pk=customer_id).first() if customer_id else None
    if customer is None:
        with translation.override(first_supported_language(browser)):
            message = _("This unsubscribe link is not valid.")
            return customer_page(request, "web/nps_error.html", {"message": message}, status=404)
    language = first_supported_language(customer.language, browser)
    with translation.override(language):
        done = ""
        if request.method == "POST":
            if request.POST.get("action") == "resubscribe":
                customer = customer_surveys_opt_in(customer_id=customer.pk)
                done = "resubscribed"
            else:
                customer = customer_surveys_opt_out(customer_id=customer.pk)
                done = "unsubscribed"
        context = {"customer": customer, "done": done}
        return customer_page(request, "web/survey_unsubscribe.html", context)
