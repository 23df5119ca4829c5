"""The public page behind the opt-out link of every "you said, we did" message: no login, the
signed token names one customer and is good for this purpose only (a survey unsubscribe link
does not work here). A GET asks to confirm (mail scanners open links); the POST records it."""

from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from carefront.core.i18n import browser_language, first_supported_language
from carefront.customers.models import Customer
from carefront.feedback import tokens
from carefront.feedback.services import (
    improvement_news_opt_in,
    improvement_news_opt_out,
    improvement_news_opted_out,
)

from .public_common import customer_page


# csrf_exempt: the token in the URL is the secret, and all a forged request could do is what
# the link's owner asked for (as the survey unsubscribe page).
@csrf_exempt
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def improvement_optout(request: HttpRequest, token: str) -> HttpResponse:
    browser = browser_language(request)
    customer_id = tokens.improvement_optout_customer_id(token)
    customer = Customer.objects.filter(pk=customer_id).first() if customer_id else None
    if customer is None:
        with translation.override(first_supported_language(browser)):
            message = _("This link is not valid.")
            return customer_page(request, "web/nps_error.html", {"message": message}, status=404)
    with translation.override(first_supported_language(customer.language, browser)):
        done = ""
        if request.method == "POST":
            if request.POST.get("action") == "resubscribe":
                improvement_news_opt_in(customer_id=customer.pk)
                done = "resubscribed"
            else:
                improvement_news_opt_out(customer_id=customer.pk)
                done = "unsubscribed"
        context = {
            "opted_out": improvement_news_opted_out(customer_id=customer.pk),
            "done": done,
        }
        return customer_page(request, "web/improvement_optout.html", context)
