"""Admins set up an inbox's contact form; others may not."""

import pytest
from django.urls import reverse

from carefront.knowledge.models import ContactForm

pytestmark = pytest.mark.django_db


def _post(client, inbox, **overrides):
    data = {
        "is_enabled": "on",
        "slug": "help-desk",
        "title": "Write to us",
        "intro": "",
        "allow_attachments": "on",
        "embed_origins": "https://www.shop.example/\n",
        **overrides,
    }
    return client.post(reverse("web:manage_contact_form", args=[inbox.pk]), data)


def test_an_admin_enables_a_form_and_gets_the_embed_snippet(admin_client, inbox):
    assert admin_client.get(reverse("web:manage_contact_forms")).status_code == 200
    assert _post(admin_client, inbox).status_code == 302
    form = ContactForm.objects.get()
    assert (form.slug, form.is_enabled, form.origins) == (
        "help-desk",
        True,
        ["https://www.shop.example"],
    )
    html = admin_client.get(reverse("web:manage_contact_form", args=[inbox.pk])).content.decode()
    assert "/help/contact/help-desk/?embed=1" in html and "&lt;iframe" in html


def test_a_bad_origin_or_a_taken_address_is_a_clear_error(admin_client, inbox):
    response = _post(admin_client, inbox, embed_origins="javascript:alert(1)")
    assert response.status_code == 400
    assert "is not an origin" in response.content.decode()
    assert not ContactForm.objects.exists()


def test_agents_cannot_set_up_forms(agent_client, inbox):
    assert _post(agent_client, inbox).status_code == 403
    assert agent_client.get(reverse("web:manage_contact_forms")).status_code == 403
    assert not ContactForm.objects.exists()
