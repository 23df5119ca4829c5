"""NPS results: the score, the response rate and the trend, with frozen time."""

import datetime as dt

import pytest

from carefront.core.exceptions import InvalidInput, PermissionDenied
from carefront.feedback.models import NpsInvitation
from carefront.feedback.selectors import nps_results, nps_score
from carefront.feedback.services import nps_answer_record
from carefront.feedback.tests.factories import (
    START,
    Clock,
    nps_campaign,
    nps_customer,
    run_campaign,
)

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("promoters", "passives", "detractors", "expected"),
    [
        (0, 0, 0, None),  # no answers: no score, not 0
        (5, 0, 0, 100.0),
        (0, 0, 5, -100.0),
        (0, 7, 0, 0.0),  # passives only
        (1, 0, 2, -33.3),
        (2, 1, 0, 66.7),
        (3, 4, 3, 0.0),
        (70, 20, 10, 60.0),
    ],
)
def test_nps_is_promoters_minus_detractors_in_percent(promoters, passives, detractors, expected):
    assert nps_score(promoters=promoters, passives=passives, detractors=detractors) == expected


@pytest.fixture
def clock(monkeypatch):
    return Clock(monkeypatch, START)


def _answer(campaign, scores_by_email: dict[str, int]) -> None:
    for email, score in scores_by_email.items():
        invitation = NpsInvitation.objects.get(campaign=campaign, customer__email=email)
        nps_answer_record(invitation=invitation, score=score)


def test_bands_are_0_to_6_7_to_8_and_9_to_10(admin, inbox, clock):
    scores = dict(enumerate(range(11)))
    for n in scores:
        nps_customer(f"c{n}@example.com")
    campaign = run_campaign(admin, nps_campaign(admin, inbox))
    _answer(campaign, {f"c{n}@example.com": score for n, score in scores.items()})
    results = nps_results(actor=admin, campaign=campaign)
    assert (results.promoters, results.passives, results.detractors) == (2, 2, 7)
    assert results.nps == round(100 * (2 - 7) / 11, 1) == -45.5
    assert results.invited == 11
    assert results.response_rate == 100.0


def test_a_campaign_without_answers_has_no_score_and_a_zero_response_rate(admin, inbox, clock):
    nps_customer("a@example.com")
    nps_customer("b@example.com")
    campaign = run_campaign(admin, nps_campaign(admin, inbox))
    results = nps_results(actor=admin, campaign=campaign)
    assert results.nps is None
    assert results.responses == 0
    assert results.response_rate == 0.0
    assert results.trend == []


def test_nothing_sent_means_no_response_rate(admin, inbox):
    results = nps_results(actor=admin)
    assert (results.nps, results.response_rate, results.invited) == (None, None, 0)


def test_response_rate_counts_answers_per_invitation_sent(admin, inbox, clock):
    for n in range(4):
        nps_customer(f"c{n}@example.com")
    campaign = run_campaign(admin, nps_campaign(admin, inbox))
    _answer(campaign, {"c0@example.com": 10})
    assert nps_results(actor=admin, campaign=campaign).response_rate == 25.0


def test_a_changed_answer_counts_once_with_its_latest_score(admin, inbox, clock):
    nps_customer("a@example.com")
    campaign = run_campaign(admin, nps_campaign(admin, inbox))
    _answer(campaign, {"a@example.com": 2})
    _answer(campaign, {"a@example.com": 10})
    results = nps_results(actor=admin, campaign=campaign)
    assert (results.responses, results.nps) == (1, 100.0)


def test_trend_by_week_and_by_month_counts_answers_when_first_given(admin, inbox, clock):
    for n in range(5):
        nps_customer(f"c{n}@example.com")
    campaign = run_campaign(admin, nps_campaign(admin, inbox))
    # Tuesday 3 March: two answers; the next week one; 1 April (another month) two.
    _answer(campaign, {"c0@example.com": 10, "c1@example.com": 3})
    clock.advance(days=7)
    _answer(campaign, {"c2@example.com": 9})
    clock.now = dt.datetime(2026, 4, 1, 9, 0, tzinfo=dt.UTC)
    _answer(campaign, {"c3@example.com": 0, "c4@example.com": 8})
    # Changing an answer later does not move it to a later period.
    _answer(campaign, {"c0@example.com": 9})

    weekly = nps_results(actor=admin, campaign=campaign, period="week")
    assert [(p.start.date(), p.responses, p.nps) for p in weekly.trend] == [
        (dt.date(2026, 3, 2), 2, 0.0),
        (dt.date(2026, 3, 9), 1, 100.0),
        (dt.date(2026, 3, 30), 2, -50.0),
    ]
    monthly = nps_results(actor=admin, campaign=campaign, period="month")
    assert [(p.start.date(), p.responses, p.nps) for p in monthly.trend] == [
        (dt.date(2026, 3, 1), 3, 33.3),
        (dt.date(2026, 4, 1), 2, -50.0),
    ]
    assert (monthly.responses, monthly.nps) == (5, 0.0)


def test_results_over_all_campaigns_add_them_up(admin, inbox, clock):
    nps_customer("a@example.com")
    first = run_campaign(admin, nps_campaign(admin, inbox, name="Q1"))
    _answer(first, {"a@example.com": 10})
    clock.advance(days=91)  # past the throttle: the same customer may be asked again
    nps_customer("b@example.com")
    second = run_campaign(admin, nps_campaign(admin, inbox, name="Q2"))
    _answer(second, {"a@example.com": 0, "b@example.com": 0})
    overall = nps_results(actor=admin)
    assert (overall.invited, overall.responses, overall.nps) == (3, 3, -33.3)
    assert nps_results(actor=admin, campaign=second).nps == -100.0


def test_results_are_for_leads_and_admins(agent, admin):
    with pytest.raises(PermissionDenied):
        nps_results(actor=agent)
    with pytest.raises(InvalidInput):
        nps_results(actor=admin, period="year")


def test_results_take_three_queries_whatever_the_number_of_answers(
    admin, inbox, clock, django_assert_num_queries
):
    for n in range(6):
        nps_customer(f"c{n}@example.com")
    campaign = run_campaign(admin, nps_campaign(admin, inbox))
    _answer(campaign, {f"c{n}@example.com": n + 4 for n in range(6)})
    with django_assert_num_queries(3):
        nps_results(actor=admin, campaign=campaign)
