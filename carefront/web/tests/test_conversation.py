import datetime as dt

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from carefront.automation.models import SavedReply
from carefront.conversations.inbound import InboundAttachment
from carefront.conversations.models import (
    Attachment,
    Conversation,
    DeliveryStatus,
    Direction,
    EventKind,
    Message,
    OutboxEntry,
    Status,
)
from carefront.conversations.services import (
    conversation_add_note,
    conversation_reply,
    conversation_set_tags,
)
from carefront.conversations.tests.factories import conversation_for, receive
from carefront.inboxes.models import RawInbound
from carefront.inboxes.tests.factories import InboxFactory

pytestmark = pytest.mark.django_db


def _url(name: str, conversation, *extra) -> str:
    return reverse(f"web:{name}", args=[conversation.pk, *extra])


def _page(client, conversation) -> str:
    response = client.get(_url("conversation", conversation))
    assert response.status_code == 200
    return response.content.decode()


def _count_queries(client, conversation) -> int:
    with CaptureQueriesContext(connection) as ctx:
        client.get(_url("conversation", conversation))
    return len(ctx.captured_queries)


def _add_messages(conversation, agent, n: int) -> None:
    for i in range(n // 2):
        conversation_reply(conversation=conversation, author=agent, body=f"Answer {i}")
        conversation_add_note(conversation=conversation, author=agent, body=f"Note {i}")


def _cold_and_warm(client, conversation) -> tuple[int, int]:
    cache.clear()
    return _count_queries(client, conversation), _count_queries(client, conversation)


def test_conversation_query_count_does_not_grow_with_messages(agent_client, agent, inbox):
    conversation = conversation_for(
        inbox, attachments=[InboundAttachment("a.txt", "text/plain", b"a")]
    )
    _add_messages(conversation, agent, 2)
    small = _cold_and_warm(agent_client, conversation)
    _add_messages(conversation, agent, 18)
    conversation_set_tags(conversation=conversation, names=["a", "b"], actor=agent)
    large = _cold_and_warm(agent_client, conversation)
    assert small == large
    # Warm: the agent, the conversation, its messages, events, the customer's other
    # conversations and addresses, its tags, its SLA targets, its follow-up promises. Rendered
    # messages, the session and the lists (teams, agents, saved replies) come from the cache; cold
    # adds their queries and the attachments of the messages being rendered, the business
    # calendars (none: one query) and the bell's unread count. One more each: the auto-QA marks
    # shown under the replies.
    assert large == (17, 10)


def test_new_reply_is_shown_and_quoted_part_is_collapsed(agent_client, conversation):
    html = _page(agent_client, conversation)
    assert "Hello, my parcel has not arrived." in html
    assert '<details class="quoted">' in html
    assert "On Monday you wrote" in html.split('<details class="quoted">')[1]


def test_html_body_goes_into_a_sandboxed_frame_with_cid_images_rewritten(agent_client, inbox):
    result = receive(
        inbox,
        body_text="See the picture",
        body_html='<p>See <img src="cid:logo@x"></p><script>alert(1)</script>',
        attachments=[
            InboundAttachment(
                "logo.png", "image/png", b"\x89PNG", content_id="<logo@x>", is_inline=True
            )
        ],
    )
    attachment = Attachment.objects.get(message=result.message)
    html = _page(agent_client, result.conversation)
    frame = html.split("<iframe", 1)[1].split(">", 1)[0]
    assert 'sandbox="allow-same-origin allow-popups allow-popups-to-escape-sandbox"' in frame
    assert "allow-scripts" not in frame
    assert reverse("web:attachment", args=[attachment.pk]) in frame
    assert "cid:" not in frame
    # The srcdoc is an escaped attribute value: no raw tag can break out of it.
    assert "<script>" not in frame


def test_parse_warning_is_shown_with_a_link_to_the_original(agent_client, inbox):
    raw = RawInbound.objects.create(inbox=inbox, source="test", data=b"broken")
    result = receive(inbox, parse_warning="Bad charset in part 2")
    Message.objects.filter(pk=result.message.pk).update(raw=raw)
    html = _page(agent_client, result.conversation)
    assert "Bad charset in part 2" in html
    assert _url("raw_message", result.conversation, result.message.pk) in html


def test_delivery_status_and_error_of_outgoing_messages_are_shown(
    agent_client, agent, conversation
):
    message = conversation_reply(conversation=conversation, author=agent, body="On its way")
    Message.objects.filter(pk=message.pk).update(
        delivery_status=DeliveryStatus.FAILED, delivery_error="550 mailbox unknown"
    )
    html = _page(agent_client, conversation)
    assert "delivery-failed" in html
    assert "550 mailbox unknown" in html


def test_reply_is_stored_and_queued(agent_client, conversation):
    response = agent_client.post(_url("conversation_reply", conversation), {"body": "We sent it"})
    assert response.status_code == 303
    message = conversation.messages.get(direction=Direction.OUTGOING)
    assert message.body_text == "We sent it"
    assert "We sent it" in _page(agent_client, conversation)


def test_send_and_solve_sets_the_status(agent_client, conversation):
    agent_client.post(_url("conversation_reply", conversation), {"body": "Done", "then": "solved"})
    conversation.refresh_from_db()
    assert conversation.status == Status.SOLVED


def test_send_and_set_pending_sets_the_status(agent_client, conversation):
    agent_client.post(_url("conversation_reply", conversation), {"body": "Ok?", "then": "pending"})
    conversation.refresh_from_db()
    assert conversation.status == Status.PENDING


def test_empty_reply_is_a_400_with_the_message_in_the_form(agent_client, conversation):
    response = agent_client.post(_url("conversation_reply", conversation), {"body": "   "})
    assert response.status_code == 400
    assert "field-error" in response.content.decode()
    assert not conversation.messages.filter(direction=Direction.OUTGOING).exists()


def test_reply_through_htmx_follows_to_the_page(agent_client, conversation):
    response = agent_client.post(
        _url("conversation_reply", conversation),
        {"body": "Via htmx"},
        headers={"HX-Request": "true"},
        follow=True,
    )
    assert response.status_code == 200
    assert "Via htmx" in response.content.decode()


def test_note_is_private_and_not_queued(agent_client, conversation):
    agent_client.post(_url("conversation_note", conversation), {"body": "Customer is VIP"})
    note = conversation.messages.get(direction=Direction.NOTE)
    assert note.body_text == "Customer is VIP"
    assert not OutboxEntry.objects.filter(message=note).exists()
    assert note.delivery_status == ""


def test_assign_to_me(agent_client, agent, conversation):
    agent_client.post(_url("conversation_assign", conversation), {"assignee": agent.pk})
    conversation.refresh_from_db()
    assert conversation.assignee == agent


def test_assign_to_agent_who_cannot_see_the_inbox_is_forbidden(
    agent_client, outsider, conversation
):
    response = agent_client.post(
        _url("conversation_assign", conversation), {"assignee": outsider.pk}
    )
    assert response.status_code == 403
    conversation.refresh_from_db()
    assert conversation.assignee is None


def test_assign_to_a_team(agent_client, team, conversation):
    agent_client.post(_url("conversation_assign", conversation), {"assignee": "", "team": team.pk})
    conversation.refresh_from_db()
    assert conversation.team == team


def test_status_change(agent_client, conversation):
    agent_client.post(_url("conversation_status", conversation), {"status": "pending"})
    conversation.refresh_from_db()
    assert conversation.status == Status.PENDING


def test_unknown_status_is_a_400(agent_client, conversation):
    response = agent_client.post(_url("conversation_status", conversation), {"status": "lost"})
    assert response.status_code == 400


def test_tags_are_added_and_removed(agent_client, conversation):
    agent_client.post(_url("conversation_tags", conversation), {"add": "Refund, urgent"})
    assert sorted(conversation.tags.values_list("name", flat=True)) == ["refund", "urgent"]
    agent_client.post(_url("conversation_tags", conversation), {"remove": "urgent"})
    assert list(conversation.tags.values_list("name", flat=True)) == ["refund"]
    html = _page(agent_client, conversation)
    assert "added refund" in html


def test_events_are_in_the_timeline(agent_client, agent, conversation):
    agent_client.post(_url("conversation_status", conversation), {"status": "solved"})
    html = _page(agent_client, conversation)
    assert f"{agent.name} set the status to Solved" in html
    assert conversation.events.filter(kind=EventKind.STATUS_CHANGED).exists()


def test_saved_reply_is_filled_for_the_conversation(agent_client, agent, conversation):
    saved = SavedReply.objects.create(
        title="Greeting",
        body="Hi {{ customer.first_name }}, about #{{ conversation.id }}. {{ agent.first_name }}",
    )
    response = agent_client.get(_url("saved_reply_text", conversation, saved.pk))
    assert response["Content-Type"].startswith("text/plain")
    assert response.content.decode() == (f"Hi Ana, about #{conversation.pk}. {agent.first_name}")


def test_saved_reply_without_javascript_prefills_the_composer(agent_client, conversation):
    saved = SavedReply.objects.create(title="Thanks", body="Thanks {{ customer.name }} & co")
    response = agent_client.get(_url("conversation", conversation), {"saved_reply": saved.pk})
    assert "Thanks Ana Lima &amp; co" in response.content.decode()


def test_signature_is_added_below_a_new_reply(agent_client, agent, conversation):
    agent.signature = "Grace, Support team"
    agent.save()
    assert "-- \nGrace, Support team" in _page(agent_client, conversation)


def test_sidebar_lists_other_conversations_only_from_visible_inboxes(
    agent_client, conversation, team
):
    conversation_for(conversation.inbox, from_address="ana@example.com", subject="Older question")
    hidden_inbox = InboxFactory()
    conversation_for(hidden_inbox, from_address="ana@example.com", subject="Secret other inbox")
    html = _page(agent_client, conversation)
    assert "Older question" in html
    assert "Secret other inbox" not in html


def test_missing_conversation_is_404(agent_client):
    assert agent_client.get(reverse("web:conversation", args=[999999])).status_code == 404


def test_a_new_message_is_rendered_while_the_others_come_from_the_cache(
    agent_client, agent, conversation
):
    _page(agent_client, conversation)
    warm = _count_queries(agent_client, conversation)
    conversation_add_note(conversation=conversation, author=agent, body="Called the courier")
    assert _count_queries(agent_client, conversation) == warm + 1  # its attachments
    html = _page(agent_client, conversation)
    assert "Hello, my parcel has not arrived." in html
    assert "Called the courier" in html


def test_a_new_saved_reply_shows_in_the_composer_at_once(admin_client, agent_client, conversation):
    _page(agent_client, conversation)
    admin_client.post(
        reverse("web:manage_saved_reply_new"), {"title": "Refund sent", "body": "Done."}
    )
    assert "Refund sent" in _page(agent_client, conversation)


def test_cached_messages_follow_a_new_delivery_status(agent_client, agent, conversation):
    message = conversation_reply(conversation=conversation, author=agent, body="On its way")
    assert "550 mailbox unknown" not in _page(agent_client, conversation)
    Message.objects.filter(pk=message.pk).update(
        delivery_status=DeliveryStatus.FAILED, delivery_error="550 mailbox unknown"
    )
    assert "550 mailbox unknown" in _page(agent_client, conversation)


def test_cached_messages_follow_the_authors_new_name(agent_client, agent, conversation):
    conversation_reply(conversation=conversation, author=agent, body="On its way")
    assert agent.name in _page(agent_client, conversation)
    agent.name = "Renamed Agent"
    agent.save(update_fields=["name"])
    assert "Renamed Agent" in _page(agent_client, conversation)


def test_cached_messages_follow_the_viewers_time_zone(agent_client, agent, conversation):
    Message.objects.filter(conversation=conversation).update(
        created_at=dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)
    )
    assert "1 p.m." in _page(agent_client, conversation)  # the agent is in Europe/Berlin
    agent.time_zone = "Asia/Tokyo"
    agent.save(update_fields=["time_zone"])
    assert "9 p.m." in _page(agent_client, conversation)


def test_merging_moves_everything_into_the_target(agent_client, agent, inbox, conversation):
    duplicate = conversation_for(inbox, from_address="ana@example.com", subject="Parcel again")
    conversation_add_note(conversation=duplicate, author=agent, body="Same parcel")
    response = agent_client.post(
        _url("conversation_merge", duplicate), {"target": f"#{conversation.pk}"}
    )
    assert response.status_code == 303
    assert response["Location"] == _url("conversation", conversation)
    assert not Conversation.objects.filter(pk=duplicate.pk).exists()
    html = _page(agent_client, conversation)
    assert "Same parcel" in html
    assert f"Conversation #{duplicate.pk} was merged into this one" in html


def test_merging_into_itself_or_an_unknown_conversation_is_a_clear_400(
    agent_client, outsider, conversation
):
    other_team = conversation_for(InboxFactory(teams=[outsider.teams.first()]))
    for target, message in (
        (str(conversation.pk), "cannot be merged into itself"),
        ("abc", "Give the number of a conversation"),
        (str(other_team.pk), f"no conversation #{other_team.pk} in your inboxes"),
    ):
        response = agent_client.post(_url("conversation_merge", conversation), {"target": target})
        assert response.status_code == 400
        assert message in response.content.decode()
    assert Conversation.objects.filter(pk=other_team.pk).exists()


def test_reply_with_files_attaches_them_and_lists_them(agent_client, conversation):
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = agent_client.post(
        _url("conversation_reply", conversation),
        {
            "body": "Label attached",
            "files": [
                SimpleUploadedFile("label.pdf", b"%PDF", "application/pdf"),
                SimpleUploadedFile("steps.txt", b"1. print", "text/plain"),
            ],
        },
    )
    assert response.status_code == 303
    message = conversation.messages.get(direction=Direction.OUTGOING)
    assert sorted(message.attachments.values_list("filename", flat=True)) == [
        "label.pdf",
        "steps.txt",
    ]
    page = _page(agent_client, conversation)
    assert 'enctype="multipart/form-data"' in page
    assert "label.pdf" in page


def test_note_with_a_file(agent_client, conversation):
    from django.core.files.uploadedfile import SimpleUploadedFile

    agent_client.post(
        _url("conversation_note", conversation),
        {"body": "Photo", "files": SimpleUploadedFile("dmg.jpg", b"\xff\xd8", "image/jpeg")},
    )
    note = conversation.messages.get(direction=Direction.NOTE)
    assert note.attachments.get().filename == "dmg.jpg"


def test_a_file_over_the_limit_is_a_400_in_the_form(agent_client, conversation, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.CAREFRONT = {**settings.CAREFRONT, "MAX_ATTACHMENT_BYTES": 3}
    response = agent_client.post(
        _url("conversation_reply", conversation),
        {"body": "Big", "files": SimpleUploadedFile("big.bin", b"1234")},
    )
    assert response.status_code == 400
    assert "at most 3 bytes" in response.content.decode()
    assert not conversation.messages.filter(direction=Direction.OUTGOING).exists()


def test_the_message_template_fingerprint_follows_edits_under_debug_only(settings, monkeypatch):
    from types import SimpleNamespace

    from carefront.web import timeline

    source = {"text": "<li>one</li>"}
    monkeypatch.setattr(
        timeline,
        "get_template",
        lambda name: SimpleNamespace(template=SimpleNamespace(source=source["text"])),
    )
    timeline._template_fingerprint.cache_clear()
    try:
        settings.DEBUG = True
        before = timeline._fingerprint()
        source["text"] = "<li>two</li>"
        assert timeline._fingerprint() != before
        settings.DEBUG = False
        cached = timeline._fingerprint()
        source["text"] = "<li>three</li>"
        assert timeline._fingerprint() == cached  # computed once per process
    finally:
        timeline._template_fingerprint.cache_clear()


def test_a_rating_shows_on_the_timeline_and_in_the_sidebar_and_a_bad_one_is_flagged(
    agent_client, agent, inbox
):
    from carefront.feedback.tests.factories import rated

    rating = rated(inbox, agent, score="not_good", comment="Never arrived")
    html = _page(agent_client, rating.conversation)
    assert "Satisfaction survey sent to ana@example.com" in html
    assert "Customer rated: Not good — “Never arrived”" in html
    assert 'class="event event-rating-bad"' in html
    assert 'data-rating="not_good"' in html
    assert "Follow up with the customer." in html


def test_a_changed_rating_shows_the_latest_score_in_the_sidebar(agent_client, agent, inbox):
    from carefront.feedback.services import rating_record
    from carefront.feedback.tests.factories import rated

    rating = rated(inbox, agent, score="not_good")
    rating_record(survey=rating.survey, score="great", comment="Found it")
    html = _page(agent_client, rating.conversation)
    assert "changed their rating from Not good to Great" in html
    assert 'data-rating="great"' in html
    assert "Follow up with the customer." not in html


def test_a_rated_conversation_costs_the_same_queries(agent_client, agent, inbox):
    from carefront.feedback.tests.factories import rated

    rating = rated(inbox, agent, score="okay", comment="fine")
    assert _cold_and_warm(agent_client, rating.conversation) == (17, 10)
