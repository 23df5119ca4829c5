"""/api/v1/improvements: leads and admins list, create, update, link and ship; agents get 403;
forged ids link nothing; shipping twice tells nobody twice; query counts stay fixed."""

from typing import get_args

import pytest
from django.core import mail

from carefront.accounts.models import Role, TokenScope
from carefront.accounts.tests.factories import AgentFactory
from carefront.api.schemas_improvements import ImprovementStatusName, OpenImprovementStatusName
from carefront.feedback.models import ImprovementLink, ImprovementStatus, Theme
from carefront.feedback.tests.factories import comment

from .conftest import token_client

pytestmark = pytest.mark.django_db

URL = "/api/v1/improvements"


@pytest.fixture
def lead_api(team):
    lead = AgentFactory(role=Role.LEAD, name="Lena Lead")
    team.members.add(lead)
    return token_client(lead)


def create(client, **payload) -> dict:
    payload.setdefault("title", "CSV export")
    payload.setdefault("customer_message", "You can export CSV now.")
    response = client.post(URL, payload, content_type="application/json")
    assert response.status_code == 201, response.content
    return response.json()


def test_schema_choices_match_the_domain():
    assert set(get_args(ImprovementStatusName)) == set(ImprovementStatus.values)
    assert set(get_args(OpenImprovementStatusName)) == set(ImprovementStatus.values) - {"shipped"}


def test_agents_get_403_and_anonymous_401(api, client, lead_api):
    improvement = create(lead_api)
    n = improvement["id"]
    for method, url, payload in [
        ("get", URL, None),
        ("post", URL, {"title": "x"}),
        ("get", f"{URL}/{n}", None),
        ("patch", f"{URL}/{n}", {"title": "x"}),
        ("post", f"{URL}/{n}/links", {"comment_ids": [1]}),
        ("post", f"{URL}/{n}/ship", None),
    ]:
        kwargs = {"content_type": "application/json"} if payload is not None else {}
        args = (url, payload) if payload is not None else (url,)
        assert getattr(client, method)(*args, **kwargs).status_code == 401, url
        response = getattr(api, method)(*args, **kwargs)
        assert response.status_code == 403, url
        assert "CSV export" not in response.content.decode()


def test_a_read_only_token_cannot_write(lead_api, team):
    lead = AgentFactory(role=Role.LEAD)
    read_only = token_client(lead, TokenScope.READ)
    assert read_only.get(URL).status_code == 200
    response = read_only.post(URL, {"title": "x"}, content_type="application/json")
    assert response.status_code == 403


def test_create_list_update(lead_api):
    first = create(lead_api, title="First")
    second = create(lead_api, title="Second", status="in_progress")
    assert first["status"] == "planned"
    assert first["created_by"]["name"] == "Lena Lead"
    listed = lead_api.get(URL).json()
    assert [i["id"] for i in listed["items"]] == [second["id"], first["id"]]
    only = lead_api.get(URL, {"status": "in_progress"}).json()
    assert [i["id"] for i in only["items"]] == [second["id"]]
    page = lead_api.get(URL, {"limit": 1}).json()
    rest = lead_api.get(URL, {"limit": 1, "cursor": page["next_cursor"]}).json()
    assert [i["id"] for i in page["items"] + rest["items"]] == [second["id"], first["id"]]
    response = lead_api.patch(
        f"{URL}/{first['id']}", {"description": "For accounting"}, content_type="application/json"
    )
    assert response.status_code == 200
    assert response.json()["description"] == "For accounting"
    assert response.json()["title"] == "First"


def test_bad_input_is_refused_and_changes_nothing(lead_api):
    improvement = create(lead_api)
    n = improvement["id"]
    assert lead_api.post(URL, {"title": ""}, content_type="application/json").status_code == 422
    assert (
        lead_api.post(
            URL, {"title": "x", "status": "shipped"}, content_type="application/json"
        ).status_code
        == 422
    )
    response = lead_api.patch(f"{URL}/{n}", {"status": "shipped"}, content_type="application/json")
    assert response.status_code == 422
    assert lead_api.get(URL, {"cursor": "garbage"}).status_code == 400
    assert lead_api.get(f"{URL}/987654").status_code == 404
    response = lead_api.post(f"{URL}/{n}/links", {}, content_type="application/json")
    assert response.status_code == 400
    assert lead_api.get(f"{URL}/{n}").json()["status"] == "planned"


def test_link_and_ship_tell_each_customer_once(lead_api, inbox, django_capture_on_commit_callbacks):
    from carefront.conversations.tests.factories import conversation_for

    improvement = create(lead_api)
    n = improvement["id"]
    conversation = conversation_for(inbox, from_address="ana@example.com")
    linked = comment("CSV please", customer=conversation.customer, conversation_id=conversation.pk)
    response = lead_api.post(
        f"{URL}/{n}/links",
        {"comment_ids": [linked.pk], "conversation_ids": [conversation.pk]},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["links_added"], body["customers_added"]) == (2, 1)
    assert body["improvement"]["customers_linked"] == 1
    # A forged id links nothing.
    response = lead_api.post(
        f"{URL}/{n}/links", {"comment_ids": [987654]}, content_type="application/json"
    )
    assert response.status_code == 404
    assert ImprovementLink.objects.count() == 2
    mail.outbox.clear()
    for _twice in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            response = lead_api.post(f"{URL}/{n}/ship")
        assert response.status_code == 200
    assert response.json()["status"] == "shipped"
    assert response.json()["customers_told"] == 1
    assert [m.to for m in mail.outbox] == [["ana@example.com"]]
    response = lead_api.patch(f"{URL}/{n}", {"status": "planned"}, content_type="application/json")
    assert response.status_code == 400


def test_link_a_theme(lead_api):
    theme = Theme.objects.create(name="Exports")
    for i in range(3):
        c = comment(f"export {i}")
        c.theme = theme
        c.save(update_fields=["theme"])
    n = create(lead_api)["id"]
    response = lead_api.post(
        f"{URL}/{n}/links", {"theme_id": theme.pk}, content_type="application/json"
    )
    assert response.json()["customers_added"] == 3
    response = lead_api.post(
        f"{URL}/{n}/links", {"theme_id": 987654}, content_type="application/json"
    )
    assert response.status_code == 404


def test_shipping_without_the_customer_text_is_a_400(lead_api, inbox):
    n = create(lead_api, customer_message="")["id"]
    linked = comment("CSV please", inbox_id=inbox.pk)
    lead_api.post(f"{URL}/{n}/links", {"comment_ids": [linked.pk]}, content_type="application/json")
    assert lead_api.post(f"{URL}/{n}/ship").status_code == 400
    assert lead_api.get(f"{URL}/{n}").json()["status"] == "planned"


def test_the_list_costs_the_same_for_few_and_many(lead_api, django_assert_num_queries):
    for i in range(2):
        create(lead_api, title=f"Few {i}")
    lead_api.get(URL)
    with django_assert_num_queries(1):  # the page (the token is cached)
        lead_api.get(URL)
    for i in range(20):
        create(lead_api, title=f"Many {i}")
    with django_assert_num_queries(1):
        lead_api.get(URL)
