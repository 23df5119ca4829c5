"""Surveys and the rating page in the customer's language: one full survey in German (the email
received by a real SMTP server, its link, the rating page, the thanks page), and how the
language is chosen."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from carefront.conversations.services import conversation_assign
from carefront.conversations.tests.factories import conversation_for
from carefront.customers.models import Customer
from carefront.feedback import tokens
from carefront.feedback.models import Rating, Survey
from carefront.feedback.tests.factories import set_status
from carefront.inboxes.models import Inbox

pytestmark = pytest.mark.django_db
NBSP = "\u00a0"


def _survey_mail(inbox, agent, sink, *, language: str, subject: str = "Paket nicht angekommen"):
    """Solve a conversation of a customer who prefers `language`; the survey goes out at once.
    Returns the received email and the conversation."""
    Inbox.objects.filter(pk=inbox.pk).update(rating_delay_minutes=0)
    conversation = conversation_for(
        inbox, from_address="anna@example.com", from_name="Anna Schmidt", subject=subject
    )
    Customer.objects.filter(pk=conversation.customer_id).update(language=language)
    conversation_assign(conversation=conversation, assignee=agent, actor=agent)
    set_status(conversation, "solved", agent)
    [received] = sink.messages
    return received.message, conversation


def test_a_german_customer_gets_the_whole_survey_in_german(inbox, agent, sink):
    mail, conversation = _survey_mail(inbox, agent, sink, language="de")

    assert mail["Subject"] == f"AW: Paket nicht angekommen [cf:{conversation.reply_token}]"
    text = mail.get_body(("plain",)).get_content()
    html = mail.get_body(("html",)).get_content()
    # German letters go on in lower case after the greeting's comma.
    assert "Hallo Anna Schmidt,\n\nwie bewerten" in text.replace("\r\n", "\n")
    assert "wie bewerten Sie die Hilfe, die Sie zu „Paket nicht angekommen“ bekommen haben?" in text
    assert "Vielen Dank: Das Team liest jede Antwort." in text
    assert '<html lang="de">' in html
    assert "Wie zufrieden waren Sie mit uns?</title>" in html
    assert "Hello" not in text and "How would you rate" not in html

    # The customer clicks "Sehr gut" in the email.
    link = re.search(r"^Sehr gut: (\S+)\r?$", text, re.M).group(1)
    assert link.endswith("?score=great")
    customer = Client()
    page = customer.get(link.removeprefix("https://help.example.test"))
    assert page.status_code == 200
    assert page["Content-Language"] == "de"
    body = page.content.decode()
    assert '<html lang="de">' in body
    assert "Wie zufrieden waren Sie mit uns?" in body
    assert "Zu „Paket nicht angekommen“." in body
    assert "Möchten Sie noch etwas ergänzen? (optional)" in body
    assert "Bewertung senden" in body
    assert ">In Ordnung</label>" in body and ">Nicht gut</label>" in body

    token = tokens.survey_token(Survey.objects.get(conversation=conversation).token_salt)
    sent = customer.post(reverse("web:rate", args=[token]), {"score": "great", "comment": "Danke!"})
    assert sent.status_code == 303
    thanks = customer.get(sent["Location"])
    assert thanks["Content-Language"] == "de"
    body = thanks.content.decode()
    assert "<title>Vielen Dank" in body
    assert "Vielen Dank!" in body
    assert "Ihre Bewertung: <strong>Sehr gut</strong>." in body
    assert "Das Team liest jede Antwort." in body
    # Django's German date format and month names: "bis zum 17. Dezember 2026".
    assert re.search(
        r'Bis zum <time datetime="[^"]+">\d{1,2}\. [A-ZÄÖÜ][a-zäöü]+ \d{4}</time> können Sie', body
    )
    assert Rating.objects.get(conversation=conversation).score == "great"


def test_a_missing_score_is_explained_in_german(inbox, agent, sink):
    _mail, conversation = _survey_mail(inbox, agent, sink, language="de")
    token = tokens.survey_token(Survey.objects.get(conversation=conversation).token_salt)
    response = Client().post(reverse("web:rate", args=[token]), {"comment": "x"})
    assert response.status_code == 400
    assert (
        "Bitte wählen Sie „Sehr gut“, „In Ordnung“ oder „Nicht gut“." in response.content.decode()
    )


@pytest.mark.parametrize(
    ("language", "subject"),
    [("fr", f"RE{NBSP}: Votre échange avec nous"), ("es", "RE: Su consulta con nosotros")],
)
def test_french_and_spanish_subjects(inbox, agent, sink, language, subject):
    mail, conversation = _survey_mail(inbox, agent, sink, language=language, subject="")
    assert mail["Subject"] == f"{subject} [cf:{conversation.reply_token}]"


@pytest.mark.parametrize(
    ("customer_language", "inbox_language", "greeting"),
    [
        ("de-AT", "", "Hallo Anna Schmidt,"),  # a regional tag: its base language
        ("ja", "fr", "Bonjour Anna Schmidt,"),  # no Japanese: the inbox's default
        ("", "es", "Hola, Anna Schmidt:"),  # no preference: the inbox's default
        ("", "", "Hello Anna Schmidt,"),  # neither: the site's language
        ("es", "de", "Hola, Anna Schmidt:"),  # the customer's own wins
    ],
)
def test_the_language_is_the_customers_else_the_inboxs_else_the_sites(
    inbox, agent, sink, customer_language, inbox_language, greeting
):
    Inbox.objects.filter(pk=inbox.pk).update(default_language=inbox_language)
    mail, _conversation = _survey_mail(inbox, agent, sink, language=customer_language)
    assert mail.get_body(("plain",)).get_content().startswith(greeting)


def _rating_page(inbox, agent, sink, *, language: str, accept: str) -> str:
    _mail, conversation = _survey_mail(inbox, agent, sink, language=language)
    token = tokens.survey_token(Survey.objects.get(conversation=conversation).token_salt)
    response = Client(headers={"Accept-Language": accept}).get(reverse("web:rate", args=[token]))
    assert "Accept-Language" in response["Vary"]
    return response["Content-Language"]


def test_on_the_rating_page_the_stored_language_wins_over_the_browser(inbox, agent, sink):
    assert _rating_page(inbox, agent, sink, language="de", accept="fr-FR,fr;q=0.9") == "de"


def test_without_a_stored_language_the_browser_beats_the_inbox_default(inbox, agent, sink):
    Inbox.objects.filter(pk=inbox.pk).update(default_language="de")
    assert _rating_page(inbox, agent, sink, language="", accept="ja, es;q=0.8") == "es"


def test_a_browser_language_carefront_lacks_falls_back_to_the_inbox_default(inbox, agent, sink):
    Inbox.objects.filter(pk=inbox.pk).update(default_language="fr")
    assert _rating_page(inbox, agent, sink, language="", accept="ja") == "fr"


def test_an_invalid_link_answers_in_the_browsers_language(db):
    response = Client(headers={"Accept-Language": "de"}).get(reverse("web:rate", args=["0" * 64]))
    assert response.status_code == 404
    assert "Dieser Bewertungslink ist ungültig." in response.content.decode()


def test_agent_pages_stay_in_the_site_language_whatever_the_browser(agent):
    client = Client(headers={"Accept-Language": "de"})
    client.force_login(agent)
    response = client.get(reverse("web:inbox"))
    assert response["Content-Language"] == "en"
    assert '<html lang="en"' in response.content.decode()


def test_french_links_follow_french_typography(inbox, agent, sink):
    mail, _conversation = _survey_mail(inbox, agent, sink, language="fr")
    text = mail.get_body(("plain",)).get_content()
    assert f"Très bien{NBSP}: https://help.example.test/rate/" in text
    assert f"Pas bien{NBSP}: https://help.example.test/rate/" in text
