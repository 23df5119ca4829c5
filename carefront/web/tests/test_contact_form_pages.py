"""The public contact form over HTTP: suggestions, deflections, sending (through
message_receive), spam checks, rate limits, and the address confirmation."""

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from carefront.conversations.models import Conversation, Direction, Message
from carefront.customers.tests.factories import CustomerFactory
from carefront.knowledge.events import ContactDeflected, ContactFormSubmitted
from carefront.knowledge.models import ContactDeflection, ContactForm, ContactSubmission
from carefront.knowledge.services.contact import contact_stamp

from .kb_portal_support import Captured, aged_stamp, enabled_form, link_in_mail, suggestion

pytestmark = pytest.mark.django_db


@pytest.fixture
def form(inbox):
    return enabled_form(inbox, embed_origins="https://www.shop.example")


def _data(**overrides) -> dict:
    return {
        "subject": "Refund for order 1234",
        "description": "I sent the parcel back two weeks ago and have no refund yet.",
        "name": "Ana Lima",
        "email": "Ana@Example.com",
        "website": "",
        "stamp": aged_stamp(),
        "viewed": "",
        **overrides,
    }


def _send(client, form, data, captured=None, **kwargs):
    return client.post(reverse("web:contact_form", args=[form.slug]), data, **kwargs)


def test_the_form_is_public_embeddable_by_the_listed_sites_and_carries_its_spam_fields(form):
    response = Client().get(reverse("web:contact_form", args=[form.slug]) + "?embed=1")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Write to us" in html
    assert 'name="website"' in html and 'name="stamp"' in html
    assert "X-Frame-Options" not in response
    assert "frame-ancestors 'self' https://www.shop.example" in response["Content-Security-Policy"]
    assert response["X-Robots-Tag"] == "noindex, nofollow"


def test_the_form_answers_at_its_inbox_id_too_and_not_when_disabled(form, inbox):
    assert Client().get(reverse("web:contact_form", args=[str(inbox.pk)])).status_code == 200
    ContactForm.objects.filter(pk=form.pk).update(is_enabled=False)
    assert Client().get(reverse("web:contact_form", args=[form.slug])).status_code == 404
    assert Client().get(reverse("web:contact_form", args=["no-such-form"])).status_code == 404


def test_sending_creates_a_conversation_through_message_receive_and_asks_to_confirm(
    form, inbox, django_capture_on_commit_callbacks
):
    with Captured(ContactFormSubmitted) as seen, django_capture_on_commit_callbacks(execute=True):
        response = _send(Client(), form, _data(viewed="7,9,x,7"))
    assert response.status_code == 303
    assert response["Location"] == reverse("web:contact_sent", args=[form.slug])
    conversation = Conversation.objects.get()
    assert (conversation.inbox_id, conversation.subject) == (inbox.pk, "Refund for order 1234")
    assert conversation.customer.email == "ana@example.com"
    message = Message.objects.get(direction=Direction.INCOMING)
    assert (message.direction, message.channel) == (Direction.INCOMING, "web")
    assert message.raw is not None and message.raw.source == "contact-form"
    submission = ContactSubmission.objects.get()
    assert submission.confirmed_at is None
    assert submission.viewed_article_ids == [7, 9]
    assert seen == [
        ContactFormSubmitted(
            inbox_id=inbox.pk,
            conversation_id=conversation.pk,
            query="Refund for order 1234\nI sent the parcel back two weeks ago and have no refund "
            "yet.",
            viewed_article_ids=(7, 9),
        )
    ]
    confirmation = [m for m in mail.outbox if "/help/contact/confirm/" in m.body]
    assert [m.to for m in confirmation] == [["ana@example.com"]]
    assert ContactForm.objects.get().submission_count == 1


def test_an_attachment_is_kept_with_the_message(form):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("receipt.txt", b"order 1234", content_type="text/plain")
    response = _send(Client(), form, {**_data(), "attachment": upload})
    assert response.status_code == 303
    attachment = Message.objects.get(direction=Direction.INCOMING).attachments.get()
    assert (attachment.filename, attachment.size) == ("receipt.txt", 10)


def test_sending_the_same_form_twice_stores_it_once(form):
    data = _data()
    assert _send(Client(), form, data).status_code == 303
    assert _send(Client(), form, data).status_code == 303
    assert Conversation.objects.count() == 1
    assert ContactSubmission.objects.count() == 1


def test_a_form_sent_too_quickly_is_refused_and_keeps_what_was_typed(form):
    response = _send(Client(), form, _data(stamp=contact_stamp()))
    assert response.status_code == 400
    html = response.content.decode()
    assert "That was very quick" in html
    assert 'value="Refund for order 1234"' in html
    assert "have no refund yet.</textarea>" in html
    assert not Conversation.objects.exists()


def test_a_forged_stamp_or_a_filled_honeypot_is_refused(form):
    for data in (_data(stamp="1.0:forged"), _data(stamp=""), _data(website="http://spam.example")):
        response = _send(Client(), form, data)
        assert response.status_code == 400
        assert "Refund for order 1234" in response.content.decode()
    assert not Conversation.objects.exists()


def test_sends_are_limited_per_address_and_per_ip(form):
    client = Client()
    for _ in range(3):
        assert _send(client, form, _data()).status_code == 303
    response = _send(client, form, _data())
    assert response.status_code == 400
    assert "several messages in the last few minutes" in response.content.decode()
    # Another address from the same IP gets on, up to the IP's limit.
    for n in range(7):
        assert _send(client, form, _data(email=f"other{n}@example.com")).status_code == 303
    assert _send(client, form, _data(email="last@example.com")).status_code == 400
    assert Conversation.objects.count() == 10


def test_invalid_fields_get_clear_errors_and_nothing_is_lost(form):
    response = _send(Client(), form, _data(email="not-an-address", subject=""))
    assert response.status_code == 400
    html = response.content.decode()
    assert "Enter a valid email address." in html
    assert "Please enter a subject." in html
    assert "have no refund yet." in html


def test_suggestions_follow_what_the_visitor_typed(form, monkeypatch):
    calls = []

    def fake(text, **kwargs):
        calls.append((text, kwargs))
        return [suggestion(11, "Track a refund"), suggestion(12, "Return a parcel")]

    monkeypatch.setattr("carefront.web.views.contact_form.article_suggestions", fake)
    url = reverse("web:contact_suggestions", args=[form.slug])
    response = Client().get(url, {"subject": "refund", "description": "where is  my money"})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-article-id="11"' in html and "Return a parcel" in html
    assert "This answered my question" in html
    assert calls == [("refund where is my money", {"language": "en", "limit": 5})]
    # Too short to ask: nothing, no call.
    assert "Track" not in Client().get(url, {"subject": "re"}).content.decode()
    assert len(calls) == 1


def test_this_answered_my_question_records_a_deflection(
    form, inbox, django_capture_on_commit_callbacks
):
    url = reverse("web:contact_deflect", args=[form.slug])
    with Captured(ContactDeflected) as seen, django_capture_on_commit_callbacks(execute=True):
        response = Client().post(
            url, {"article_id": "11", "query": "refund"}, headers={"HX-Request": "true"}
        )
    assert response.status_code == 200
    assert "Glad we could help" in response.content.decode()
    assert seen == [ContactDeflected(inbox_id=inbox.pk, article_id=11, query="refund")]
    assert ContactDeflection.objects.get().article_id == 11
    assert ContactForm.objects.get().deflection_count == 1
    assert Client().post(url, {"article_id": "x"}).status_code == 400
    assert Client().post(url, {"article_id": "-3"}).status_code == 400
    assert ContactDeflection.objects.count() == 1


def test_an_unconfirmed_form_never_joins_an_existing_customers_portal(
    form, inbox, django_capture_on_commit_callbacks
):
    owner = CustomerFactory(email="ana@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        assert _send(Client(), form, _data()).status_code == 303
    link = link_in_mail(r"/help/contact/confirm/[\w-]+/")
    conversation = Conversation.objects.get()
    assert conversation.customer_id == owner.pk  # the team sees it with the customer's history

    # The real owner signed in to the portal does not see it yet...
    from carefront.web.views.portal import SESSION_CUSTOMER, SESSION_EMAIL

    owner_client = Client()
    session = owner_client.session
    session[SESSION_CUSTOMER] = owner.pk
    session[SESSION_EMAIL] = "ana@example.com"
    session.save()
    assert "Refund for order 1234" not in owner_client.get(reverse("web:portal")).content.decode()
    forged = reverse("web:portal_conversation", args=[conversation.pk])
    assert owner_client.get(forged).status_code == 404

    # ... until the link is used: a GET (a mail scanner) changes nothing, the POST confirms and
    # signs in.
    visitor = Client()
    assert visitor.get(link).status_code == 200
    assert ContactSubmission.objects.get().confirmed_at is None
    response = visitor.post(link)
    assert response.status_code == 303
    assert response["Location"] == forged
    assert "Refund for order 1234" in visitor.get(forged).content.decode()
    assert owner_client.get(forged).status_code == 200
    # A second use of the link confirms nothing new and signs nobody in.
    again = Client().post(link)
    assert again["Location"] == reverse("web:portal_sign_in")


def test_a_forged_confirmation_token_is_refused(form):
    assert Client().get(reverse("web:contact_confirm", args=["forged"])).status_code == 404
    assert Client().post(reverse("web:contact_confirm", args=["forged"])).status_code == 404


def test_the_form_speaks_the_visitors_language(form):
    response = Client().get(
        reverse("web:contact_form", args=[form.slug]), headers={"accept-language": "de-AT"}
    )
    assert "Wie können wir helfen?" in response.content.decode()
    assert response["Content-Language"] == "de"


def test_the_form_page_costs_a_fixed_number_of_queries(form, django_assert_max_num_queries):
    with django_assert_max_num_queries(2):
        assert Client().get(reverse("web:contact_form", args=[form.slug])).status_code == 200


def test_suggestions_are_limited_per_address(form, monkeypatch):
    monkeypatch.setattr("carefront.web.views.contact_form.SUGGESTIONS_PER_MINUTE", 2)
    monkeypatch.setattr(
        "carefront.web.views.contact_form.article_suggestions", lambda text, **kw: []
    )
    url = reverse("web:contact_suggestions", args=[form.slug])
    client = Client()
    assert [client.get(url, {"subject": "refund"}).status_code for _ in range(3)] == [
        200,
        200,
        429,
    ]


def test_agents_are_told_while_the_address_is_not_confirmed(
    form, agent_client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        assert _send(Client(), form, _data()).status_code == 303
    conversation = Conversation.objects.get()
    url = reverse("web:conversation", args=[conversation.pk])
    assert "has not confirmed this address yet" in agent_client.get(url).content.decode()
    Client().post(link_in_mail(r"/help/contact/confirm/[\w-]+/"))
    assert "has not confirmed this address yet" not in agent_client.get(url).content.decode()
