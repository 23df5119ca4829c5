"""Teams, agents, /me, tags and saved replies."""

import pytest

from carefront.accounts.models import Role, Team, TokenScope
from carefront.accounts.tests.factories import AgentFactory, TeamFactory
from carefront.automation.services import saved_reply_create
from carefront.conversations.services import conversation_set_tags
from carefront.inboxes.models import Inbox
from carefront.inboxes.tests.factories import InboxFactory

from .conftest import token_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def lead(db):
    return AgentFactory(role=Role.LEAD, name="Lena Lead")


# Teams ------------------------------------------------------------------------------------------


def test_an_agent_sees_their_own_teams_with_members_and_inboxes(api, agent, team, inbox):
    TeamFactory()  # another team, not theirs
    mate = AgentFactory(name="Aaron Mate")
    team.members.add(mate)
    body = api.get("/api/v1/teams").json()
    [item] = body["items"]
    assert item["id"] == team.pk
    assert item["inbox_ids"] == [inbox.pk]
    assert {m["id"] for m in item["members"]} == {agent.pk, mate.pk}
    assert api.get(f"/api/v1/teams/{team.pk}").json() == item


def test_leads_see_every_team_by_name_and_page(lead, team):
    for name in ["Zeta", "Alpha", "Beta"]:
        TeamFactory(name=name)
    client = token_client(lead)
    first = client.get("/api/v1/teams", {"limit": 2}).json()
    rest = client.get("/api/v1/teams", {"limit": 2, "cursor": first["next_cursor"]}).json()
    names = [t["name"] for t in first["items"] + rest["items"]]
    assert names == sorted([team.name, "Zeta", "Alpha", "Beta"])
    assert client.get("/api/v1/teams", {"name": "be"}).json()["items"][0]["name"] == "Beta"


def test_admin_creates_and_renames_a_team(admin_api, agent):
    response = admin_api.post(
        "/api/v1/teams",
        {"name": "Billing", "description": "Money", "member_ids": [agent.pk]},
        content_type="application/json",
    )
    assert response.status_code == 201
    team_id = response.json()["id"]
    assert [m["id"] for m in response.json()["members"]] == [agent.pk]
    response = admin_api.patch(
        f"/api/v1/teams/{team_id}", {"name": "Payments"}, content_type="application/json"
    )
    assert response.status_code == 200
    assert (response.json()["name"], response.json()["description"]) == ("Payments", "Money")
    assert [m["id"] for m in response.json()["members"]] == [agent.pk]
    response = admin_api.patch(
        f"/api/v1/teams/{team_id}", {"member_ids": []}, content_type="application/json"
    )
    assert response.json()["members"] == []


def test_a_team_name_taken_is_a_conflict(admin_api, team):
    response = admin_api.post(
        "/api/v1/teams", {"name": team.name.upper()}, content_type="application/json"
    )
    assert response.status_code == 409
    assert response.json()["code"] == "conflict"


def test_unknown_member_is_refused(admin_api):
    response = admin_api.post(
        "/api/v1/teams", {"name": "X", "member_ids": [999999]}, content_type="application/json"
    )
    assert response.status_code == 400
    assert not Team.objects.filter(name="X").exists()


def test_agents_and_leads_may_not_write_teams(api, lead, team):
    response = api.patch(f"/api/v1/teams/{team.pk}", {"name": "Mine"}, "application/json")
    assert response.status_code == 403
    response = token_client(lead).post("/api/v1/teams", {"name": "New"}, "application/json")
    assert response.status_code == 403
    assert not Team.objects.filter(name__in=["Mine", "New"]).exists()


# Agents -----------------------------------------------------------------------------------------


def test_an_agent_sees_themselves_and_teammates_only(api, agent, team):
    mate = AgentFactory(name="Aaron Mate")
    team.members.add(mate)
    AgentFactory(name="Stranger")
    secret_team = TeamFactory(name="Secret")
    secret_team.members.add(mate)
    items = api.get("/api/v1/agents").json()["items"]
    assert {a["id"] for a in items} == {agent.pk, mate.pk}
    mate_out = next(a for a in items if a["id"] == mate.pk)
    # The teammate's other team is not the caller's business.
    assert mate_out["teams"] == [{"id": team.pk, "name": team.name}]


def test_agents_filter_by_team_role_and_active(lead, team):
    a = AgentFactory(name="A", role=Role.AGENT)
    b = AgentFactory(name="B", role=Role.ADMIN)
    c = AgentFactory(name="C", role=Role.AGENT, is_active=False)
    team.members.add(a, c)
    client = token_client(lead)

    def ids(**params):
        return {x["id"] for x in client.get("/api/v1/agents", params).json()["items"]}

    assert ids(team_id=team.pk) == {a.pk, c.pk}
    assert ids(role="admin") == {b.pk}
    assert ids(team_id=team.pk, is_active="false") == {c.pk}
    assert ids(team_id=team.pk, is_active="true") == {a.pk}


def test_bad_agent_filter_is_422(api):
    response = api.get("/api/v1/agents", {"role": "boss"})
    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"


def test_me_says_who_and_what_the_token_may_do(agent, team):
    client = token_client(agent, TokenScope.READ)
    body = client.get("/api/v1/me").json()
    assert (body["id"], body["role"], body["token_scope"]) == (agent.pk, "agent", "read")
    assert body["sees_all_inboxes"] is False
    assert body["teams"] == [{"id": team.pk, "name": team.name}]


def test_me_with_a_session(client, agent):
    client.force_login(agent)
    assert client.get("/api/v1/me").json()["token_scope"] == "session"


# Tags -------------------------------------------------------------------------------------------


def test_tags_by_name_with_prefix(api, conversation, agent):
    conversation_set_tags(conversation=conversation, names=["refund", "vip", "review"], actor=agent)
    assert [t["name"] for t in api.get("/api/v1/tags").json()["items"]] == [
        "refund",
        "review",
        "vip",
    ]
    assert [t["name"] for t in api.get("/api/v1/tags", {"prefix": "RE"}).json()["items"]] == [
        "refund",
        "review",
    ]


# Saved replies ----------------------------------------------------------------------------------


def test_saved_replies_list_detail_and_render(api, lead, conversation, agent):
    thanks = saved_reply_create(
        actor=lead, title="Thanks", body="Hi {{ customer.first_name }}, {{ agent.first_name }}"
    )
    saved_reply_create(actor=lead, title="Apology", body="Sorry")
    titles = [s["title"] for s in api.get("/api/v1/saved-replies").json()["items"]]
    assert titles == ["Apology", "Thanks"]
    assert [s["id"] for s in api.get("/api/v1/saved-replies", {"title": "th"}).json()["items"]] == [
        thanks.pk
    ]
    detail = api.get(f"/api/v1/saved-replies/{thanks.pk}").json()
    assert detail["body"] == "Hi {{ customer.first_name }}, {{ agent.first_name }}"
    rendered = api.get(
        f"/api/v1/saved-replies/{thanks.pk}/render", {"conversation_id": conversation.pk}
    )
    assert rendered.status_code == 200
    assert rendered.json() == {
        "saved_reply_id": thanks.pk,
        "conversation_id": conversation.pk,
        "body": f"Hi Ana, {agent.first_name}",
    }


def test_rendering_for_a_conversation_one_cannot_see_is_404(outsider_api, lead, conversation):
    saved = saved_reply_create(actor=lead, title="T", body="Hi {{ customer.name }}")
    response = outsider_api.get(
        f"/api/v1/saved-replies/{saved.pk}/render", {"conversation_id": conversation.pk}
    )
    assert response.status_code == 404
    assert "Ana" not in response.content.decode()


def test_unknown_saved_reply_is_404(api, conversation):
    response = api.get("/api/v1/saved-replies/999999/render", {"conversation_id": conversation.pk})
    assert response.status_code == 404
    assert response.json()["detail"] == "Saved reply not found."


def test_huge_ids_are_422_not_a_database_error(api):
    for url in ("/api/v1/teams/99999999999999999999", "/api/v1/agents/0"):
        response = api.get(url)
        assert response.status_code == 422, url
    response = api.get("/api/v1/conversations", {"inbox_id": 2**64})
    assert response.status_code == 422


def test_inbox_ids_of_another_teams_inbox_are_not_shown(api, team):
    InboxFactory(teams=[TeamFactory()])
    [item] = api.get("/api/v1/teams").json()["items"]
    assert item["id"] == team.pk


def test_leads_write_saved_replies(lead, conversation, agent):
    client = token_client(lead)
    created = client.post(
        "/api/v1/saved-replies",
        {"title": "Refund", "body": "Hi {{ customer.first_name }}, refunded."},
        "application/json",
    )
    assert created.status_code == 201
    saved_id = created.json()["id"]
    renamed = client.patch(
        f"/api/v1/saved-replies/{saved_id}", {"title": "Refund done"}, "application/json"
    )
    assert renamed.json()["title"] == "Refund done"
    assert renamed.json()["body"] == "Hi {{ customer.first_name }}, refunded."
    broken = client.patch(
        f"/api/v1/saved-replies/{saved_id}", {"body": "Hi {% if %}"}, "application/json"
    )
    assert broken.status_code == 400
    assert "placeholder" in broken.json()["detail"]
    assert client.delete(f"/api/v1/saved-replies/{saved_id}").status_code == 204
    assert client.get(f"/api/v1/saved-replies/{saved_id}").status_code == 404


def test_agents_may_not_write_saved_replies(api, lead):
    saved = saved_reply_create(actor=lead, title="T", body="B")
    assert (
        api.post(
            "/api/v1/saved-replies", {"title": "X", "body": "Y"}, "application/json"
        ).status_code
        == 403
    )
    assert api.delete(f"/api/v1/saved-replies/{saved.pk}").status_code == 403
    assert api.get(f"/api/v1/saved-replies/{saved.pk}").json()["title"] == "T"


def test_saved_replies_carry_their_language(lead):
    client = token_client(lead)
    created = client.post(
        "/api/v1/saved-replies",
        {"title": "Danke", "body": "Vielen Dank!", "language": "de"},
        "application/json",
    )
    assert created.status_code == 201
    assert created.json()["language"] == "de"
    saved_id = created.json()["id"]
    kept = client.patch(f"/api/v1/saved-replies/{saved_id}", {"title": "Dank"}, "application/json")
    assert kept.json()["language"] == "de"
    cleared = client.patch(
        f"/api/v1/saved-replies/{saved_id}", {"language": ""}, "application/json"
    )
    assert cleared.json()["language"] == ""
    refused = client.patch(
        f"/api/v1/saved-replies/{saved_id}", {"language": "no tag"}, "application/json"
    )
    assert refused.status_code == 400


def test_inboxes_show_their_default_language(api, inbox):
    Inbox.objects.filter(pk=inbox.pk).update(default_language="fr")
    [item] = api.get("/api/v1/inboxes").json()["items"]
    assert item["default_language"] == "fr"
