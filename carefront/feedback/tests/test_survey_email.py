"""The survey email, captured by a real SMTP server on loopback."""

import re

import pytest

from carefront.feedback import tokens
from carefront.feedback.tests.factories import sent_survey

pytestmark = pytest.mark.django_db


def test_the_survey_is_sent_by_smtp_in_the_conversations_thread_with_one_link_per_score(
    sink, inbox, agent
):
    survey, token = sent_survey(
        inbox, agent, message_id="first@example.com", references=["<older@example.com>"]
    )
    conversation = survey.conversation
    [received] = sink.messages
    mail = received.message
    assert received.rcpt_tos == ["ana@example.com"]
    assert received.mail_from == inbox.email_address
    assert mail["Message-ID"] == f"<{survey.message_id}>"
    assert mail["In-Reply-To"] == "<first@example.com>"
    assert mail["References"].split() == ["<older@example.com>", "<first@example.com>"]
    assert mail["Auto-Submitted"] == "auto-generated"
    assert mail["Subject"] == f"Re: Where is my parcel? [cf:{conversation.reply_token}]"
    local, domain = inbox.email_address.split("@")
    assert mail["Reply-To"] == f"{local}+cf-{conversation.reply_token}@{domain}"

    text = mail.get_body(("plain",)).get_content()
    html = mail.get_body(("html",)).get_content()
    assert "Hello Ana Lima," in text
    base = f"https://help.example.test/rate/{token}/"
    for score in ("great", "okay", "not_good"):
        assert f"{base}?score={score}" in text
        assert f'href="{base}?score={score}"' in html
    # The links carry the token; the database only its hash.
    assert tokens.token_hash(token) == survey.token_hash
    assert re.search(r"/rate/([0-9a-f]{64})/", text).group(1) == token
