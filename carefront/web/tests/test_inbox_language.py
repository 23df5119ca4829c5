"""An inbox's default language: set in the inbox settings, used for customers without one."""

import pytest
from django.urls import reverse

from carefront.core.exceptions import InvalidInput
from carefront.inboxes.models import Inbox
from carefront.inboxes.setup import inbox_create

pytestmark = pytest.mark.django_db


def _post(client, inbox, **extra):
    data = {"name": inbox.name, "email_address": inbox.email_address, "is_active": "on", **extra}
    return client.post(reverse("web:manage_inbox", args=[inbox.pk]), data)


def test_admin_sets_the_default_language_in_the_inbox_settings(admin_client, inbox):
    page = admin_client.get(reverse("web:manage_inbox", args=[inbox.pk])).content.decode()
    assert 'name="default_language"' in page
    assert '<option value="de">German</option>' in page
    _post(admin_client, inbox, default_language="de")
    inbox.refresh_from_db()
    assert inbox.default_language == "de"
    page = admin_client.get(reverse("web:manage_inbox", args=[inbox.pk])).content.decode()
    assert '<option value="de" selected>German</option>' in page
    _post(admin_client, inbox, default_language="")
    inbox.refresh_from_db()
    assert inbox.default_language == ""


def test_a_language_without_translations_is_refused(admin_client, inbox):
    response = _post(admin_client, inbox, default_language="ja")
    assert response.status_code == 400
    inbox.refresh_from_db()
    assert inbox.default_language == ""


def test_the_service_refuses_a_language_carefront_does_not_speak(admin):
    with pytest.raises(InvalidInput, match="no translation"):
        inbox_create(
            actor=admin, name="Tokyo", email_address="jp@example.com", default_language="ja"
        )
    assert not Inbox.objects.filter(name="Tokyo").exists()
    inbox = inbox_create(
        actor=admin, name="Paris", email_address="fr@example.com", default_language="fr"
    )
    assert inbox.default_language == "fr"
