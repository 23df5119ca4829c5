"""The promise sentence: the customer's language (else the inbox's, else the site's) and time
zone (else the inbox's calendar, named in the sentence)."""

import datetime as dt

import pytest

from carefront.conversations.tests.factories import conversation_for
from carefront.sla.promises import conversation_promise_text, promise_text

pytestmark = pytest.mark.django_db

# Friday 4 December 2026, 08:00 UTC: 09:00 in Berlin, 03:00 in New York.
DUE = dt.datetime(2026, 12, 4, 8, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "I will get back to you by Friday, Dec. 4, 2026, 9 a.m."),
        ("de", "Ich melde mich bis Freitag, 4. Dezember 2026 09:00 wieder bei Ihnen."),
        (
            "fr",
            "Je reviendrai vers vous d\N{RIGHT SINGLE QUOTATION MARK}ici "
            "vendredi, 4 décembre 2026 09:00.",
        ),
        (
            "es",
            "Me pondré en contacto con usted antes del "
            "viernes, 4 de diciembre de 2026 a las 09:00.",
        ),
    ],
)
def test_the_sentence_in_each_language(language, expected):
    text = promise_text(due_at=DUE, language=language, time_zone="Europe/Berlin", name_zone=False)
    assert text == expected


def test_the_customers_own_language_and_time_zone(inbox):
    conversation = conversation_for(inbox)
    customer = conversation.customer
    customer.language, customer.time_zone = "de", "America/New_York"
    customer.save(update_fields=["language", "time_zone"])
    text = conversation_promise_text(conversation=conversation, due_at=DUE)
    assert text == "Ich melde mich bis Freitag, 4. Dezember 2026 03:00 wieder bei Ihnen."


def test_without_a_customer_time_zone_the_sentence_names_the_zone_used(inbox):
    inbox.default_language = "fr"
    inbox.save(update_fields=["default_language"])
    conversation = conversation_for(inbox)
    text = conversation_promise_text(conversation=conversation, due_at=DUE)
    assert text.startswith("Je reviendrai vers vous d\N{RIGHT SINGLE QUOTATION MARK}ici vendredi")
    assert "(heure de UTC)" in text


def test_the_inbox_calendar_gives_the_time_zone(inbox):
    from carefront.sla.models import BusinessCalendar, InboxCalendar

    calendar = BusinessCalendar.objects.create(name="Berlin", time_zone="Europe/Berlin")
    InboxCalendar.objects.create(inbox=inbox, calendar=calendar)
    conversation = conversation_for(inbox)
    text = conversation_promise_text(conversation=conversation, due_at=DUE)
    assert text == "I will get back to you by Friday, Dec. 4, 2026, 9 a.m. (Europe/Berlin time)."
