import pytest
from django.urls import reverse

from carefront.accounts.models import Agent, Role, Team
from carefront.automation.models import SavedReply
from carefront.inboxes.models import ImapAccount, Inbox

pytestmark = pytest.mark.django_db


def test_admin_creates_inbox_with_teams_and_imap_account(admin_client, team):
    response = admin_client.post(
        reverse("web:manage_inbox_new"),
        {
            "name": "Billing",
            "email_address": "billing@example.com",
            "from_name": "Billing team",
            "teams": [team.pk],
            "is_active": "on",
            "imap_host": "imap.example.com",
            "imap_port": "993",
            "imap_use_ssl": "on",
            "imap_username": "billing",
            "imap_password": "secret",
            "imap_folder": "INBOX",
        },
    )
    assert response.status_code == 302
    inbox = Inbox.objects.get(name="Billing")
    assert list(inbox.teams.all()) == [team]
    assert ImapAccount.objects.get(inbox=inbox).password == "secret"


def test_inbox_with_a_taken_address_is_refused_and_nothing_is_saved(admin_client, inbox):
    response = admin_client.post(
        reverse("web:manage_inbox_new"),
        {"name": "Copy", "email_address": inbox.email_address, "is_active": "on"},
    )
    assert response.status_code == 400
    assert "Another inbox uses" in response.content.decode()
    assert not Inbox.objects.filter(name="Copy").exists()


def test_failed_imap_settings_roll_back_the_new_inbox(admin_client):
    response = admin_client.post(
        reverse("web:manage_inbox_new"),
        {"name": "Half", "email_address": "half@example.com", "imap_host": "imap.example.com"},
    )
    assert response.status_code == 400
    assert not Inbox.objects.filter(name="Half").exists()


def test_admin_edits_inbox_and_keeps_stored_imap_password(admin_client, admin, inbox):
    ImapAccount.objects.create(inbox=inbox, host="h", username="u", password="kept")
    admin_client.post(
        reverse("web:manage_inbox", args=[inbox.pk]),
        {
            "name": "Renamed",
            "email_address": inbox.email_address,
            "is_active": "on",
            "imap_host": "h2",
            "imap_username": "u",
            "imap_port": "993",
        },
    )
    inbox.refresh_from_db()
    assert inbox.name == "Renamed"
    account = ImapAccount.objects.get(inbox=inbox)
    assert (account.host, account.password) == ("h2", "kept")


def test_admin_creates_team_with_members(admin_client, agent):
    admin_client.post(reverse("web:manage_team_new"), {"name": "Returns", "members": [agent.pk]})
    assert list(Team.objects.get(name="Returns").members.all()) == [agent]


def test_admin_creates_agent_who_can_sign_in(admin_client, team, client):
    response = admin_client.post(
        reverse("web:manage_agent_new"),
        {
            "name": "New Person",
            "email": "new@carefront.test",
            "role": Role.LEAD,
            "teams": [team.pk],
            "password": "a-good-long-passphrase",
        },
    )
    assert response.status_code == 302
    agent = Agent.objects.get(email="new@carefront.test")
    assert agent.role == Role.LEAD
    assert client.login(username="new@carefront.test", password="a-good-long-passphrase")


def test_weak_initial_password_is_refused(admin_client):
    response = admin_client.post(
        reverse("web:manage_agent_new"),
        {"name": "Weak", "email": "weak@carefront.test", "role": "agent", "password": "123"},
    )
    assert response.status_code == 400
    assert not Agent.objects.filter(email="weak@carefront.test").exists()


def test_admin_deactivates_and_reactivates_an_agent(admin_client, agent):
    url = reverse("web:manage_agent_toggle_active", args=[agent.pk])
    admin_client.post(url)
    agent.refresh_from_db()
    assert not agent.is_active
    admin_client.post(url)
    agent.refresh_from_db()
    assert agent.is_active


def test_admin_cannot_deactivate_themselves(admin_client, admin):
    response = admin_client.post(reverse("web:manage_agent_toggle_active", args=[admin.pk]))
    assert response.status_code == 400
    admin.refresh_from_db()
    assert admin.is_active


def test_saved_reply_with_a_broken_placeholder_is_refused(admin_client):
    response = admin_client.post(
        reverse("web:manage_saved_reply_new"),
        {"title": "Bad", "body": "Hi {{ customer.name|nosuchfilter }}"},
    )
    assert response.status_code == 400
    assert not SavedReply.objects.exists()


def test_saved_reply_is_created_edited_and_deleted(admin_client):
    admin_client.post(reverse("web:manage_saved_reply_new"), {"title": "Hi", "body": "Hello"})
    saved = SavedReply.objects.get()
    admin_client.post(
        reverse("web:manage_saved_reply", args=[saved.pk]), {"title": "Hi", "body": "Hello!"}
    )
    saved.refresh_from_db()
    assert saved.body == "Hello!"
    admin_client.post(reverse("web:manage_saved_reply_delete", args=[saved.pk]))
    assert not SavedReply.objects.exists()


def test_django_admin_lists_conversations(admin_client, conversation):
    response = admin_client.get("/admin/conversations/conversation/?q=parcel")
    assert response.status_code == 200
    assert "Where is my parcel?" in response.content.decode()


def test_admin_sets_the_rating_request_of_an_inbox(admin_client, inbox):
    url = reverse("web:manage_inbox", args=[inbox.pk])
    page = admin_client.get(url).content.decode()
    assert "Ask for a rating after resolution" in page
    assert "Minutes to wait before asking" in page
    data = {"name": inbox.name, "email_address": inbox.email_address, "is_active": "on"}
    response = admin_client.post(url, {**data, "rating_delay_minutes": "1440"})
    assert response.status_code == 302
    inbox.refresh_from_db()
    assert (inbox.ask_for_rating, inbox.rating_delay_minutes) == (False, 1440)
    admin_client.post(url, {**data, "ask_for_rating": "on", "rating_delay_minutes": "0"})
    inbox.refresh_from_db()
    assert (inbox.ask_for_rating, inbox.rating_delay_minutes) == (True, 0)
    refused = admin_client.post(url, {**data, "rating_delay_minutes": "99999"})
    assert refused.status_code == 400
    inbox.refresh_from_db()
    assert inbox.rating_delay_minutes == 0
