"""Helpers of the contact form, portal and composer-article tests."""

import re
import time

from django.core import mail

from carefront.core.events import _subscribers
from carefront.knowledge.models import ContactForm
from carefront.knowledge.services.contact import contact_stamp
from carefront.knowledge.suggestions import ArticleSuggestion


def enabled_form(inbox, **fields) -> ContactForm:
    values = {"slug": "support", "is_enabled": True, "title": "Write to us", **fields}
    return ContactForm.objects.create(inbox=inbox, **values)


def aged_stamp(seconds: float = 30) -> str:
    """A stamp of a form shown `seconds` ago (a person typing)."""
    return contact_stamp(now=time.time() - seconds)


def suggestion(article_id: int, title: str) -> ArticleSuggestion:
    return ArticleSuggestion(
        article_id=article_id,
        title=title,
        url=f"/help/articles/{article_id}-{title.lower().replace(' ', '-')}/",
        snippet=f"How to {title.lower()}.",
        score=1.0,
    )


def link_in_mail(pattern: str) -> str:
    """The last link matching `pattern` in the mail sent so far."""
    for message in reversed(mail.outbox):
        match = re.search(pattern, message.body)
        if match:
            return match.group(0)
    raise AssertionError([m.body for m in mail.outbox])


class Captured:
    """Events of one type published while the test runs."""

    def __init__(self, event_type: type) -> None:
        self.event_type = event_type
        self.seen: list = []

    def __enter__(self) -> list:
        _subscribers[self.event_type].append(self.seen.append)
        return self.seen

    def __exit__(self, *exc) -> None:
        _subscribers[self.event_type].remove(self.seen.append)
