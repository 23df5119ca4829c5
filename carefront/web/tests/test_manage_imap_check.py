"""The "Test connection" button of the inbox settings: admins only, POST with CSRF, the result
inline (htmx) or on the re-rendered page (no script), nothing saved."""

import pytest
from django.test import Client
from django.urls import reverse

from carefront.inboxes.models import ImapAccount
from carefront.inboxes.tests.conftest import (  # noqa: F401 - the real dovecot
    dovecot_server,
    imap_server,
    loopback_port,
)
from tests.support.mail import email_bytes

pytestmark = pytest.mark.django_db


def _fields(server, **overrides) -> dict:
    return {
        "name": "Support",
        "email_address": "support@example.com",
        "is_active": "on",
        "imap_host": server.host,
        "imap_port": str(server.port),
        "imap_username": server.username,
        "imap_password": server.password,
        "imap_folder": "INBOX",
        **overrides,
    }


def test_edit_page_has_the_button(admin_client, inbox):
    html = admin_client.get(reverse("web:manage_inbox", args=[inbox.pk])).content.decode()
    url = reverse("web:manage_inbox_imap_check", args=[inbox.pk])
    assert f'formaction="{url}"' in html
    assert f'hx-post="{url}"' in html
    assert "Test connection" in html


def test_htmx_check_returns_only_the_result(admin_client, inbox, imap_server):  # noqa: F811
    imap_server.append(email_bytes())
    response = admin_client.post(
        reverse("web:manage_inbox_imap_check", args=[inbox.pk]),
        _fields(imap_server),
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert html.strip().startswith('<p class="alert alert-success" data-imap-check="done">')
    assert "folder INBOX has 1 message." in html
    assert "<form" not in html
    assert not ImapAccount.objects.exists()


def test_without_script_the_page_comes_back_with_the_result(admin_client, imap_server):  # noqa: F811
    response = admin_client.post(
        reverse("web:manage_inbox_imap_check_new"), _fields(imap_server, imap_password="nope")
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-imap-check="login"' in html
    assert "Signing in as support failed" in html
    assert f'value="{imap_server.host}"' in html  # what was typed stays in the form
    assert not ImapAccount.objects.exists()


def test_wrong_folder_is_reported(admin_client, inbox, imap_server):  # noqa: F811
    response = admin_client.post(
        reverse("web:manage_inbox_imap_check", args=[inbox.pk]),
        _fields(imap_server, imap_folder="Archive"),
        headers={"HX-Request": "true"},
    )
    assert 'data-imap-check="folder"' in response.content.decode()


def test_closed_port_is_reported(admin_client, inbox, imap_server, loopback_port):  # noqa: F811
    response = admin_client.post(
        reverse("web:manage_inbox_imap_check", args=[inbox.pk]),
        _fields(imap_server, imap_port=str(loopback_port)),
        headers={"HX-Request": "true"},
    )
    html = response.content.decode()
    assert 'data-imap-check="connect"' in html
    assert "refused the connection" in html


def test_the_saved_password_is_used_when_the_field_is_empty(admin_client, inbox, imap_server):  # noqa: F811
    ImapAccount.objects.create(
        inbox=inbox,
        host=imap_server.host,
        port=imap_server.port,
        use_ssl=False,
        username=imap_server.username,
        password=imap_server.password,
    )
    response = admin_client.post(
        reverse("web:manage_inbox_imap_check", args=[inbox.pk]),
        _fields(imap_server, imap_password=""),
        headers={"HX-Request": "true"},
    )
    assert 'data-imap-check="done"' in response.content.decode()


def test_invalid_fields_are_reported_without_connecting(admin_client, inbox):
    response = admin_client.post(
        reverse("web:manage_inbox_imap_check", args=[inbox.pk]),
        {"imap_host": "h", "imap_username": "u", "imap_port": "99999"},
        headers={"HX-Request": "true"},
    )
    assert 'data-imap-check="input"' in response.content.decode()


def test_agents_may_not_check(agent_client, inbox):
    response = agent_client.post(
        reverse("web:manage_inbox_imap_check", args=[inbox.pk]),
        {"imap_host": "127.0.0.1", "imap_username": "u", "imap_password": "p"},
    )
    assert response.status_code == 403


def test_get_is_not_allowed(admin_client, inbox):
    response = admin_client.get(reverse("web:manage_inbox_imap_check", args=[inbox.pk]))
    assert response.status_code == 405


def test_csrf_token_is_required(admin, inbox):
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin)
    response = client.post(
        reverse("web:manage_inbox_imap_check", args=[inbox.pk]),
        {"imap_host": "127.0.0.1", "imap_username": "u", "imap_password": "p"},
    )
    assert response.status_code == 403
