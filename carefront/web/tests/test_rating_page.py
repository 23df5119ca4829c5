"""The public rating page behind a survey's links, over HTTP, without login."""

import datetime as dt
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from carefront.feedback.models import Rating, Survey
from carefront.feedback.tests.factories import sent_survey

pytestmark = pytest.mark.django_db


@pytest.fixture
def survey_and_token(inbox, agent):
    return sent_survey(inbox, agent)


@pytest.fixture
def customer_client() -> Client:
    return Client()


def _url(token: str, score: str | None = None) -> str:
    url = reverse("web:rate", args=[token])
    return f"{url}?score={score}" if score else url


def test_opening_a_link_preselects_the_score_and_records_nothing(customer_client, survey_and_token):
    _survey, token = survey_and_token
    for score in ("great", "okay", "not_good"):  # a mail scanner opening every link
        response = customer_client.get(_url(token, score))
        assert response.status_code == 200
        html = response.content.decode()
        assert re.search(rf'value="{score}" id="score-{score}"[^>]*checked', html)
    assert not Rating.objects.exists()
    assert "How did we do?" in html
    assert "Where is my parcel?" in html
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert "no-cache" in response["Cache-Control"]


def test_sending_the_form_records_the_rating_and_thanks_the_customer(
    customer_client, survey_and_token
):
    survey, token = survey_and_token
    response = customer_client.post(
        _url(token), {"score": "not_good", "comment": "The parcel never came."}
    )
    assert response.status_code == 303
    assert response["Location"] == reverse("web:rate_thanks", args=[token])
    rating = Rating.objects.get()
    assert (rating.score, rating.comment, rating.survey_id) == (
        "not_good",
        "The parcel never came.",
        survey.pk,
    )
    thanks = customer_client.get(response["Location"]).content.decode()
    assert "Thank you!" in thanks
    assert "Not good" in thanks
    assert "The parcel never came." in thanks
    assert "We are sorry we let you down." in thanks


def test_the_customer_can_change_their_rating(customer_client, survey_and_token):
    _survey, token = survey_and_token
    customer_client.post(_url(token), {"score": "okay", "comment": ""})
    page = customer_client.get(_url(token)).content.decode()
    assert "You rated us: Okay." in page
    assert "Change my rating" in page
    customer_client.post(_url(token), {"score": "great", "comment": "It came after all"})
    assert list(Rating.objects.values_list("score", "comment")) == [("great", "It came after all")]


def test_the_page_works_with_csrf_checks_like_a_real_browser(survey_and_token):
    _survey, token = survey_and_token
    browser = Client(enforce_csrf_checks=True)
    page = browser.get(_url(token, "great")).content.decode()
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    response = browser.post(
        _url(token), {"score": "great", "comment": "", "csrfmiddlewaretoken": csrf}
    )
    assert response.status_code == 303
    assert Rating.objects.get().score == "great"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"comment": "no score"}, "Choose great, okay or not good."),
        ({"score": "superb"}, "Select a valid choice."),
        ({"score": "great", "comment": "x" * 2001}, "at most 2000 characters"),
    ],
)
def test_bad_input_is_a_400_with_the_reason(customer_client, survey_and_token, data, message):
    _survey, token = survey_and_token
    response = customer_client.post(_url(token), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Rating.objects.exists()


@pytest.mark.parametrize("token", ["nope", "0" * 64, "a" * 300, "%00"])
def test_a_bad_token_is_a_clear_404(customer_client, survey_and_token, token):
    for response in (customer_client.get(_url(token)), customer_client.post(_url(token), {})):
        assert response.status_code == 404
        assert "This rating link is not valid." in response.content.decode()


def test_an_expired_link_is_a_clear_410(customer_client, survey_and_token):
    survey, token = survey_and_token
    Survey.objects.filter(pk=survey.pk).update(expires_at=timezone.now() - dt.timedelta(days=1))
    for response in (
        customer_client.get(_url(token, "great")),
        customer_client.post(_url(token), {"score": "great"}),
        customer_client.get(reverse("web:rate_thanks", args=[token])),
    ):
        assert response.status_code == 410
        assert "This rating link has expired." in response.content.decode()
    assert not Rating.objects.exists()


def test_thanks_before_rating_goes_back_to_the_form(customer_client, survey_and_token):
    _survey, token = survey_and_token
    response = customer_client.get(reverse("web:rate_thanks", args=[token]))
    assert response.status_code == 303
    assert response["Location"] == _url(token)


def test_the_page_is_csp_clean_and_made_for_phones(customer_client, survey_and_token):
    _survey, token = survey_and_token
    response = customer_client.get(_url(token, "okay"))
    policy = response["Content-Security-Policy"]
    assert "unsafe-inline" not in policy
    html = response.content.decode()
    assert "<style" not in html
    assert " style=" not in html
    assert "<script" not in html
    assert 'name="viewport"' in html
    assert '<label for="score-okay"' in html
