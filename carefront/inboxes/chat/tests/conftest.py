"""A chat inbox embedded on shop.example.com, answered by `team`."""

import uuid

import pytest
from django.test import Client

from carefront.inboxes.chat.services import chat_inbox_create

ORIGIN = "https://shop.example.com"
SECRET = "s3cret-of-the-shop"


@pytest.fixture
def chat(team, agent):
    inbox = chat_inbox_create(
        name="Website chat",
        teams=[team],
        allowed_domains="shop.example.com\n*.example.org",
        title="Ask us",
        prechat_fields=[{"name": "name", "required": False}, {"name": "email"}],
        identity_secret=SECRET,
    )
    return inbox.chat_settings


class Widget:
    """The widget's HTTP calls, from `origin`."""

    def __init__(self, chat, origin=ORIGIN, client=None):
        self.chat = chat
        self.origin = origin
        self.client = client or Client()
        self.token = None

    def url(self, name):
        return f"/chat/{self.chat.public_key}/{name}"

    def get(self, name, **params):
        headers = {"Origin": self.origin} if self.origin else {}
        return self.client.get(self.url(name), params, headers=headers)

    def post(self, name, data, **kwargs):
        headers = {"Origin": self.origin} if self.origin else {}
        return self.client.post(
            self.url(name), data, content_type="application/json", headers=headers, **kwargs
        )

    def start(self, user=None):
        response = self.post("session", {"visitor_token": self.token, "user": user})
        assert response.status_code == 200, response.content
        self.token = response.json()["visitor_token"]
        return response.json()

    def say(self, text, client_id=None, **extra):
        return self.post(
            "messages",
            {
                "visitor_token": self.token,
                "text": text,
                "client_id": client_id or str(uuid.uuid4()),
                **extra,
            },
        )

    def events(self, after=0):
        return self.get("events", visitor_token=self.token, after=after)


@pytest.fixture
def widget(chat):
    return Widget(chat)
