"""The public rating page behind a survey email's links: no login, the token is the key.

A GET never records anything: mail scanners open every link of an email (all three scores)
before the customer does. The page shows the score the customer clicked, preselected, with a
comment box; the POST records it (and a later POST changes it, while the links work).

The pages speak the customer's language: their stored preference wins (the survey email was in
it too), then the browser's Accept-Language, then the inbox's default, then the site's
(carefront.conversations.language). A link that does not lead to a survey: the browser's.
"""

import zoneinfo
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from carefront.conversations.language import customer_language
from carefront.core.exceptions import InvalidInput, NotFound
from carefront.core.i18n import browser_language, first_supported_language
from carefront.feedback.models import Rating, Score, Survey
from carefront.feedback.services import SurveyClosed, rating_record, survey_for_token
from carefront.web.http import HttpResponseSeeOther
from carefront.web.public_forms import RatingForm

from .public_common import customer_page


def _customer_page(
    view: Callable[[HttpRequest, Survey, str], HttpResponse],
) -> Callable[[HttpRequest, str], HttpResponse]:
    """Find the survey behind the token, then run the view in the customer's language and
    time zone (dates on the page are theirs)."""

    def wrapped(request: HttpRequest, token: str) -> HttpResponse:
        browser = browser_language(request)
        with translation.override(first_supported_language(browser)):
            survey = _survey(request, token)
        if isinstance(survey, HttpResponse):
            return survey
        customer = survey.customer
        language = customer_language(
            customer=customer, inbox=survey.conversation.inbox, browser=browser
        )
        try:
            zone = zoneinfo.ZoneInfo(customer.time_zone) if customer.time_zone else None
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            zone = None
        with translation.override(language), timezone.override(zone):
            return view(request, survey, token)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


def _closed(request: HttpRequest, exc: InvalidInput) -> HttpResponse:
    status = 410 if isinstance(exc, SurveyClosed) else 404
    return customer_page(request, "web/rate_error.html", {"message": exc.message}, status=status)


def _survey(request: HttpRequest, token: str) -> Survey | HttpResponse:
    try:
        return survey_for_token(token=token)
    except (NotFound, SurveyClosed) as exc:
        return _closed(request, exc)


def _context(survey: Survey, rating: Rating | None, form: RatingForm) -> dict:
    return {
        "survey": survey,
        "conversation": survey.conversation,
        "inbox": survey.conversation.inbox,
        "rating": rating,
        "form": form,
        "scores": Score.choices,
    }


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
@_customer_page
def rate(request: HttpRequest, survey: Survey, token: str) -> HttpResponse:
    rating = Rating.objects.filter(survey=survey).first()
    if request.method == "POST":
        form = RatingForm(request.POST)
        if form.is_valid():
            try:
                rating_record(
                    survey=survey,
                    score=form.cleaned_data["score"],
                    comment=form.cleaned_data["comment"],
                )
            except SurveyClosed as exc:
                return _closed(request, exc)
            except InvalidInput as exc:
                form.add_error(None, exc.message)
            else:
                return HttpResponseSeeOther(reverse("web:rate_thanks", args=[token]))
        return customer_page(request, "web/rate.html", _context(survey, rating, form), status=400)
    clicked = request.GET.get("score", "")
    initial = {
        "score": clicked if clicked in Score.values else (rating.score if rating else ""),
        "comment": rating.comment if rating else "",
    }
    return customer_page(
        request, "web/rate.html", _context(survey, rating, RatingForm(initial=initial))
    )


@never_cache
@require_http_methods(["GET", "HEAD"])
@_customer_page
def rate_thanks(request: HttpRequest, survey: Survey, token: str) -> HttpResponse:
    rating = Rating.objects.filter(survey=survey).first()
    if rating is None:
        return HttpResponseSeeOther(reverse("web:rate", args=[token]))
    context = {
        "survey": survey,
        "inbox": survey.conversation.inbox,
        "rating": rating,
        "change_url": reverse("web:rate", args=[token]),
        "title": _("Thank you"),
    }
    return customer_page(request, "web/rate_thanks.html", context)
