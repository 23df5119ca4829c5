"""The public rating page behind a survey email's links: no login, the token is the key.

A GET never records anything: mail scanners open every link of an email (all three scores)
before the customer does. The page shows the score the customer clicked, preselected, with a
comment box; the POST records it (and a later POST changes it, while the links work).
"""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from carefront.core.exceptions import InvalidInput, NotFound
from carefront.feedback.models import Rating, Score, Survey
from carefront.feedback.services import SurveyClosed, rating_record, survey_for_token
from carefront.web.forms import RatingForm
from carefront.web.http import HttpResponseSeeOther


def _page(request: HttpRequest, template: str, context: dict, *, status: int = 200):
    response = render(request, template, context, status=status)
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _closed(request: HttpRequest, exc: InvalidInput) -> HttpResponse:
    status = 410 if isinstance(exc, SurveyClosed) else 404
    return _page(request, "web/rate_error.html", {"message": exc.message}, status=status)


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
def rate(request: HttpRequest, token: str) -> HttpResponse:
    survey = _survey(request, token)
    if isinstance(survey, HttpResponse):
        return survey
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
        return _page(request, "web/rate.html", _context(survey, rating, form), status=400)
    clicked = request.GET.get("score", "")
    initial = {
        "score": clicked if clicked in Score.values else (rating.score if rating else ""),
        "comment": rating.comment if rating else "",
    }
    return _page(request, "web/rate.html", _context(survey, rating, RatingForm(initial=initial)))


@never_cache
@require_http_methods(["GET", "HEAD"])
def rate_thanks(request: HttpRequest, token: str) -> HttpResponse:
    survey = _survey(request, token)
    if isinstance(survey, HttpResponse):
        return survey
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
    return _page(request, "web/rate_thanks.html", context)
