"""The bell, the notifications page, and the profile's email switch."""

import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from carefront.notifications.models import Notification, NotificationPreference
from carefront.notifications.services import notification_create

pytestmark = pytest.mark.django_db

PAGE_URL = reverse("web:notifications")


def _notify(agent, conversation, key: str, kind: str = "sla_breached", **params):
    params.setdefault("target", "first_reply")
    return notification_create(
        recipient=agent,
        kind=kind,
        conversation_id=conversation.pk if conversation else None,
        dedupe_key=key,
        **params,
    )


def _bell_count(html: str) -> str | None:
    match = re.search(r"data-unread-count>([^<]+)<", html)
    return match.group(1) if match else None


def test_the_bell_shows_the_unread_count_on_every_page(agent_client, agent, conversation):
    html = agent_client.get(reverse("web:inbox")).content.decode()
    assert _bell_count(html) is None
    assert "Notifications: none unread" in html
    _notify(agent, conversation, "a")
    _notify(agent, conversation, "b")
    html = agent_client.get(reverse("web:inbox")).content.decode()
    assert _bell_count(html) == "2"
    assert "Notifications: 2 unread" in html
    assert _bell_count(agent_client.get(reverse("web:profile")).content.decode()) == "2"


def test_the_bell_says_99_plus_at_the_cap(agent_client, agent, conversation, monkeypatch):
    from carefront.notifications import selectors

    monkeypatch.setattr(selectors, "UNREAD_COUNT_CAP", 3)
    for i in range(4):
        _notify(agent, conversation, f"k{i}")
    html = agent_client.get(reverse("web:notification_bell")).content.decode()
    assert _bell_count(html) == "2+"


def test_the_inbox_pays_no_query_for_the_bell_when_nothing_changed(
    agent_client, agent, conversation
):
    _notify(agent, conversation, "a")

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            agent_client.get(reverse("web:inbox"), {"folder": "all"})
        return len(ctx.captured_queries)

    cache.clear()
    cold, warm = count(), count()
    # Warm: the agent, the page of conversations, their tags, their open recovery tasks (as in
    # test_inbox.py): the bell comes from the cache. A new notification costs the next page one
    # bounded count.
    assert warm == 4
    _notify(agent, conversation, "b")
    assert count() == warm + 1
    assert count() == warm
    assert cold > warm


def test_the_page_lists_newest_first_with_links_and_due_times(agent_client, agent, conversation):
    first = _notify(
        agent, conversation, "a", kind="sla_at_risk", due_at="2026-03-01T12:00:00+00:00"
    )
    second = _notify(agent, conversation, "b")
    html = agent_client.get(PAGE_URL).content.decode()
    assert html.index(f"notification-{second.pk}") < html.index(f"notification-{first.pk}")
    assert "First reply target at risk" in html
    assert "First reply target breached" in html
    assert f"#{conversation.pk} Where is my parcel?" in html
    assert reverse("web:notification_open", args=[first.pk]) in html
    # In the agent's zone (Europe/Berlin), through |when.
    assert "March 1, 2026, 1 p.m." in html


def test_opening_a_notification_marks_it_read_and_opens_the_conversation(
    agent_client, agent, conversation
):
    notification = _notify(agent, conversation, "a")
    response = agent_client.get(reverse("web:notification_open", args=[notification.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("web:conversation", args=[conversation.pk])
    notification.refresh_from_db()
    assert notification.read_at is not None
    html = agent_client.get(PAGE_URL).content.decode()
    assert "Nothing unread" in html
    assert (
        f"notification-{notification.pk}"
        in agent_client.get(PAGE_URL, {"show": "all"}).content.decode()
    )


def test_mark_read_with_htmx_swaps_the_row_and_refreshes_the_bell(
    agent_client, agent, conversation
):
    notification = _notify(agent, conversation, "a")
    response = agent_client.post(
        reverse("web:notification_read", args=[notification.pk]), headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    assert response["HX-Trigger"] == "notifications-changed"
    html = response.content.decode()
    assert f'id="notification-{notification.pk}"' in html
    assert "Mark read" not in html
    assert Notification.objects.get(pk=notification.pk).read_at is not None


def test_mark_all_read_spares_one_that_arrived_after_the_page(agent_client, agent, conversation):
    seen = _notify(agent, conversation, "a")
    page = agent_client.get(PAGE_URL)
    assert page.context["newest_id"] == seen.pk
    arrived = _notify(agent, conversation, "b")
    response = agent_client.post(reverse("web:notifications_read_all"), {"up_to_id": seen.pk})
    assert response.status_code == 302
    assert Notification.objects.get(pk=seen.pk).read_at is not None
    assert Notification.objects.get(pk=arrived.pk).read_at is None


def test_another_agents_notification_is_not_found(outsider_client, agent, conversation):
    notification = _notify(agent, conversation, "a")
    assert (
        outsider_client.get(reverse("web:notification_open", args=[notification.pk])).status_code
        == 404
    )
    assert (
        outsider_client.post(reverse("web:notification_read", args=[notification.pk])).status_code
        == 404
    )
    assert f"notification-{notification.pk}" not in outsider_client.get(PAGE_URL).content.decode()


def test_the_page_costs_the_same_queries_for_3_or_30_and_pages_with_htmx(
    agent_client, agent, inbox
):
    from carefront.conversations.tests.factories import conversation_for

    conversations = [conversation_for(inbox, subject=f"Parcel {i}") for i in range(30)]
    for i in range(3):
        _notify(agent, conversations[i], f"k{i}")

    def count() -> int:
        agent_client.get(PAGE_URL)  # the bell's count is cached after this
        with CaptureQueriesContext(connection) as ctx:
            agent_client.get(PAGE_URL)
        return len(ctx.captured_queries)

    small = count()
    for i in range(3, 30):
        _notify(agent, conversations[i], f"k{i}")
    assert count() == small
    first = agent_client.get(PAGE_URL)
    assert len(first.context["rows"]) == 25
    more = agent_client.get(
        PAGE_URL, {"cursor": first.context["next_cursor"]}, headers={"HX-Request": "true"}
    )
    html = more.content.decode()
    assert html.count("data-notification") == 5
    assert "<html" not in html


def test_a_bad_cursor_is_a_clear_400(agent_client):
    response = agent_client.get(PAGE_URL, {"cursor": "nonsense"})
    assert response.status_code == 400
    assert "cursor is not valid" in response.content.decode()


def test_the_profile_turns_notification_emails_off_and_on(agent_client, agent):
    html = agent_client.get(reverse("web:profile")).content.decode()
    assert re.search(r'name="email_notifications"[^>]*checked', html)
    data = {"name": agent.name, "time_zone": "Europe/Berlin", "signature": ""}
    assert agent_client.post(reverse("web:profile"), data).status_code == 302
    assert NotificationPreference.objects.get(agent=agent).email_digest is False
    html = agent_client.get(reverse("web:profile")).content.decode()
    assert not re.search(r'name="email_notifications"[^>]*checked', html)
    data["email_notifications"] = "on"
    agent_client.post(reverse("web:profile"), data)
    assert NotificationPreference.objects.get(agent=agent).email_digest is True


def test_the_bell_tells_a_signed_out_visitor_nothing(client, agent, conversation):
    _notify(agent, conversation, "a")
    response = client.get(reverse("web:notification_bell"))
    assert response.status_code == 204
    assert response.content == b""
