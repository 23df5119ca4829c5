"""The NPS endpoints: campaigns, one campaign, results; leads and admins only."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from carefront.accounts.models import Role
from carefront.accounts.tests.factories import AgentFactory
from carefront.feedback.models import NpsInvitation
from carefront.feedback.services import nps_answer_record
from carefront.feedback.tests.factories import (
    START,
    Clock,
    nps_campaign,
    nps_customer,
    run_campaign,
)

from .conftest import token_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def clock(monkeypatch):
    return Clock(monkeypatch, START)


@pytest.fixture
def answered(admin, inbox, clock):
    """A sent campaign to three customers, answered 10, 8 and 3."""
    for n in range(3):
        nps_customer(f"c{n}@example.com")
    campaign = run_campaign(admin, nps_campaign(admin, inbox, name="Spring", sample_percent=100))
    for n, score in enumerate([10, 8, 3]):
        invitation = NpsInvitation.objects.get(
            campaign=campaign, customer__email=f"c{n}@example.com"
        )
        nps_answer_record(invitation=invitation, score=score, comment=f"c{n}")
    return campaign


def test_campaigns_list_newest_first_with_counts(admin_api, admin, inbox, answered):
    draft = nps_campaign(admin, inbox, name="Draft", segment_attribute="plan", segment_value="gold")
    body = admin_api.get("/api/v1/nps/campaigns").json()
    assert [c["name"] for c in body["items"]] == ["Draft", "Spring"]
    first, second = body["items"]
    assert first["status"] == "draft"
    assert first["segment"] == {
        "attribute": "plan",
        "value": "gold",
        "inbox_id": None,
        "contacted_within_days": None,
        "sample_percent": 100,
    }
    assert (first["invited"], first["responses"]) == (0, 0)
    assert (second["status"], second["invited"], second["responses"]) == ("sent", 3, 3)
    assert second["question"] == (
        "How likely are you to recommend Carefront Support to a friend or colleague?"
    )
    page = admin_api.get("/api/v1/nps/campaigns?limit=1").json()
    assert [c["id"] for c in page["items"]] == [draft.pk]
    rest = admin_api.get(f"/api/v1/nps/campaigns?limit=1&cursor={page['next_cursor']}").json()
    assert [c["id"] for c in rest["items"]] == [answered.pk]
    assert rest["next_cursor"] is None


def test_one_campaign_and_its_results(admin_api, answered):
    campaign = admin_api.get(f"/api/v1/nps/campaigns/{answered.pk}").json()
    assert (campaign["name"], campaign["invited"]) == ("Spring", 3)
    results = admin_api.get(f"/api/v1/nps/campaigns/{answered.pk}/results").json()
    assert results["nps"] == 0.0
    assert (results["promoters"], results["passives"], results["detractors"]) == (1, 1, 1)
    assert (results["invited"], results["responses"], results["response_rate"]) == (3, 3, 100.0)
    assert results["period"] == "week"
    assert results["trend"] == [
        {
            "start": "2026-03-02T00:00:00Z",
            "responses": 3,
            "promoters": 1,
            "passives": 1,
            "detractors": 1,
            "nps": 0.0,
        }
    ]
    monthly = admin_api.get(f"/api/v1/nps/campaigns/{answered.pk}/results?period=month").json()
    assert monthly["trend"][0]["start"] == "2026-03-01T00:00:00Z"


def test_results_over_all_campaigns(admin_api, answered):
    results = admin_api.get("/api/v1/nps/results").json()
    assert (results["nps"], results["responses"]) == (0.0, 3)


def test_no_answers_give_null_scores_not_zero(admin_api):
    results = admin_api.get("/api/v1/nps/results").json()
    assert (results["nps"], results["response_rate"], results["trend"]) == (None, None, [])


def test_a_bad_period_or_unknown_campaign_is_a_clear_error(admin_api, answered):
    assert admin_api.get("/api/v1/nps/results?period=year").status_code == 422
    response = admin_api.get("/api/v1/nps/campaigns/999999")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_leads_may_read_agents_may_not(answered):
    lead = token_client(AgentFactory(role=Role.LEAD))
    agent = token_client(AgentFactory(role=Role.AGENT))
    for url in (
        "/api/v1/nps/campaigns",
        f"/api/v1/nps/campaigns/{answered.pk}",
        f"/api/v1/nps/campaigns/{answered.pk}/results",
        "/api/v1/nps/results",
    ):
        assert lead.get(url).status_code == 200, url
        response = agent.get(url)
        assert response.status_code == 403, url
        assert response.json()["code"] == "permission_denied"


def test_the_list_costs_the_same_queries_for_more_campaigns(admin_api, admin, inbox, answered):
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert admin_api.get("/api/v1/nps/campaigns").status_code == 200
        return len(queries)

    count()  # the first call also looks the token up
    few = count()
    for n in range(5):
        nps_campaign(admin, inbox, name=f"Draft {n}")
    assert count() == few


def test_a_customer_shows_when_they_unsubscribed_from_surveys(admin_api, clock):
    from carefront.customers.services import customer_surveys_opt_out

    customer = nps_customer("ana@example.com")
    assert admin_api.get(f"/api/v1/customers/{customer.pk}").json()["surveys_opted_out_at"] is None
    customer_surveys_opt_out(customer_id=customer.pk)
    body = admin_api.get(f"/api/v1/customers/{customer.pk}").json()
    assert body["surveys_opted_out_at"] == "2026-03-03T10:00:00Z"
