"""Admins create a chat inbox and copy its snippet; others cannot."""

import pytest

from carefront.inboxes.chat.models import ChatSettings
from carefront.inboxes.models import Inbox

pytestmark = pytest.mark.django_db


def test_an_admin_creates_a_chat_inbox_and_sees_the_snippet(client, admin, team):
    client.force_login(admin)
    response = client.post(
        "/manage/chat/new/",
        {
            "name": "Shop chat",
            "teams": [team.pk],
            "allowed_domains": "https://shop.example.com/\n*.example.org",
            "title": "Ask us",
            "accent_color": "#112233",
            "prechat_ask": ["name", "email"],
            "prechat_require": ["email"],
            "identity_secret": "abc",
            "use_business_hours": "on",
            "accept_timeout_minutes": "3",
            "email_after_minutes": "5",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    inbox = Inbox.objects.get(name="Shop chat")
    chat = ChatSettings.objects.get(inbox=inbox)
    assert inbox.channel == "chat"
    assert chat.domains == ["shop.example.com", "*.example.org"]
    assert chat.prechat_fields == [
        {"name": "name", "label": "", "required": False},
        {"name": "email", "label": "", "required": True},
    ]
    assert chat.identity_secret == "abc"
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert f'data-carefront-chat="{chat.public_key}"'.encode() in page.content.replace(
        b"&quot;", b'"'
    )
    assert b"abc" not in page.content  # the secret is never shown again
    assert client.get("/manage/chat/").status_code == 200


def test_a_bad_domain_is_a_clear_error(client, admin, team):
    client.force_login(admin)
    response = client.post(
        "/manage/chat/new/",
        {
            "name": "Shop chat",
            "allowed_domains": "not a host!",
            "accent_color": "#112233",
            "accept_timeout_minutes": "3",
            "email_after_minutes": "5",
        },
    )
    assert response.status_code == 400
    assert not Inbox.objects.filter(name="Shop chat").exists()


def test_agents_cannot_manage_chats(client, agent):
    client.force_login(agent)
    assert client.get("/manage/chat/").status_code in (403, 404)
    assert client.get("/manage/chat/new/").status_code in (403, 404)
