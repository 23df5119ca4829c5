"""The signature goes out once: the composer pre-fills it, the email adds nothing, and the
customer's email, the stored message and the timeline are the same text."""

import re
from html import unescape

import pytest
from django.template.defaultfilters import linebreaks_filter
from django.urls import reverse

from carefront.conversations.models import Direction

pytestmark = pytest.mark.django_db


def _composer_text(client, conversation) -> str:
    html = client.get(reverse("web:conversation", args=[conversation.pk])).content.decode()
    textarea = re.search(r'<textarea[^>]*id="reply-body"[^>]*>(.*?)</textarea>', html, re.S)
    assert textarea is not None
    # A textarea drops one leading newline; Django's widget writes one for that reason.
    return unescape(textarea.group(1)).removeprefix("\n").replace("\r\n", "\n")


def test_web_reply_emails_exactly_the_composer_text_with_one_signature(
    agent_client, agent, conversation, sink, django_capture_on_commit_callbacks
):
    agent.signature = "Grace Hopper\nCustomer Care"
    agent.save()
    prefilled = _composer_text(agent_client, conversation)
    assert prefilled == "\n\n-- \nGrace Hopper\nCustomer Care"

    body = "Your parcel left our warehouse today." + prefilled
    with django_capture_on_commit_callbacks(execute=True):
        agent_client.post(reverse("web:conversation_reply", args=[conversation.pk]), {"body": body})

    [received] = sink.messages
    sent = received.message.get_content().replace("\r\n", "\n").rstrip("\n")
    message = conversation.messages.get(direction=Direction.OUTGOING)
    assert sent == message.body_text == body
    assert sent.count("Grace Hopper") == 1
    page = agent_client.get(reverse("web:conversation", args=[conversation.pk])).content.decode()
    timeline = page.split(f'id="message-{message.pk}"', 1)[1]
    assert f'<div class="message-body">{linebreaks_filter(sent)}</div>' in timeline
    assert page.count("Grace Hopper") == 2  # the timeline once, and the composer's next reply


def test_agent_without_signature_sends_the_text_alone(
    agent_client, agent, conversation, sink, django_capture_on_commit_callbacks
):
    agent.signature = "   "
    agent.save()
    assert _composer_text(agent_client, conversation) == ""
    with django_capture_on_commit_callbacks(execute=True):
        agent_client.post(
            reverse("web:conversation_reply", args=[conversation.pk]), {"body": "Done."}
        )
    sent = sink.messages[0].message.get_content().replace("\r\n", "\n").rstrip("\n")
    assert sent == "Done."
