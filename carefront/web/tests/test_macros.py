"""Macros: a saved reply with actions (status, tags, priority, assignment), set on the saved-reply
admin page, offered in the composer ("Will also: ..."), applied with the reply in one step."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from carefront.automation.models import SavedReply
from carefront.automation.services import saved_reply_create, saved_reply_send
from carefront.conversations.models import Conversation, Direction, Message, Priority, Status
from carefront.conversations.services import conversation_set_tags
from carefront.core.exceptions import InvalidInput

pytestmark = pytest.mark.django_db

SOLVE_AND_TAG = [
    {"type": "add_tags", "params": {"tags": ["billing"]}},
    {"type": "set_priority", "params": {"priority": "high"}},
    {"type": "set_status", "params": {"status": "solved"}},
]


@pytest.fixture
def macro(admin):
    return saved_reply_create(
        actor=admin, title="Refund done", body="Your refund is on its way.", actions=SOLVE_AND_TAG
    )


def test_the_admin_page_saves_the_actions_of_a_saved_reply(admin_client, team, agent):
    data = {
        "title": "Refund done",
        "body": "Your refund is on its way.",
        "language": "",
        "also_add_tags": "billing, Refund",
        "also_remove_tags": "",
        "also_priority": "high",
        "also_agent": str(agent.pk),
        "also_team": str(team.pk),
        "also_status": "solved",
    }
    response = admin_client.post(reverse("web:manage_saved_reply_new"), data)
    assert response.status_code == 302
    saved = SavedReply.objects.get()
    assert saved.actions == [
        {"type": "add_tags", "params": {"tags": ["billing", "refund"]}},
        {"type": "set_priority", "params": {"priority": "high"}},
        {"type": "assign_agent", "params": {"agent_id": agent.pk}},
        {"type": "assign_team", "params": {"team_id": team.pk}},
        {"type": "set_status", "params": {"status": "solved"}},
    ]
    page = admin_client.get(reverse("web:manage_saved_reply", args=[saved.pk])).content.decode()
    assert 'value="billing, refund"' in page
    assert '<option value="solved" selected>' in page


def test_a_bad_action_is_refused_with_its_number(admin):
    with pytest.raises(InvalidInput, match="Action 2"):
        saved_reply_create(
            actor=admin,
            title="x",
            body="y",
            actions=[
                {"type": "add_tags", "params": {"tags": ["a"]}},
                {"type": "set_status", "params": {"status": "snoozed"}},
            ],
        )
    with pytest.raises(InvalidInput):
        saved_reply_create(
            actor=admin, title="x", body="y", actions=[{"type": "webhook", "params": {}}]
        )
    assert not SavedReply.objects.exists()


def test_the_composer_says_what_the_macro_will_also_do(agent_client, conversation, macro):
    page = agent_client.get(reverse("web:conversation", args=[conversation.pk])).content.decode()
    assert 'data-macro="tag billing; set priority High; set status Solved"' in page
    # Without script: inserting the saved reply offers its actions, ticked.
    page = agent_client.get(
        reverse("web:conversation", args=[conversation.pk]), {"saved_reply": macro.pk}
    ).content.decode()
    assert "Your refund is on its way." in page
    assert f'name="macro" value="{macro.pk}" checked' in page


def test_sending_with_the_macro_applies_its_actions_after_the_reply(
    agent_client, agent, conversation, macro
):
    conversation_set_tags(conversation=conversation, names=["refund"], actor=agent)
    response = agent_client.post(
        reverse("web:conversation_reply", args=[conversation.pk]),
        {"body": "Your refund is on its way.", "macro": str(macro.pk)},
    )
    assert response.status_code == 303
    conversation.refresh_from_db()
    assert conversation.status == Status.SOLVED
    assert conversation.priority == Priority.HIGH
    assert sorted(conversation.tags.values_list("name", flat=True)) == ["billing", "refund"]
    reply = Message.objects.get(conversation=conversation, direction=Direction.OUTGOING)
    assert reply.body_text.startswith("Your refund is on its way.")


def test_unticking_the_macro_sends_a_plain_reply(agent_client, conversation, macro):
    agent_client.post(
        reverse("web:conversation_reply", args=[conversation.pk]),
        {"body": "Your refund is on its way."},
    )
    conversation.refresh_from_db()
    assert conversation.status != Status.SOLVED
    assert not conversation.tags.exists()


def test_a_refused_action_undoes_the_reply_too(agent_client, admin, agent, conversation):
    from carefront.accounts.models import Role
    from carefront.accounts.tests.factories import AgentFactory

    # Someone who cannot see the conversation's inbox: the assignment is refused.
    stranger = AgentFactory(role=Role.AGENT)
    saved = saved_reply_create(
        actor=admin,
        title="Hand over",
        body="A colleague takes over.",
        actions=[
            {"type": "add_tags", "params": {"tags": ["handover"]}},
            {"type": "assign_agent", "params": {"agent_id": stranger.pk}},
        ],
    )
    before = Message.objects.count()
    response = agent_client.post(
        reverse("web:conversation_reply", args=[conversation.pk]),
        {"body": "A colleague takes over.", "macro": str(saved.pk)},
    )
    assert response.status_code == 400
    assert Message.objects.count() == before
    assert not conversation.tags.exists()
    # Nothing typed is lost.
    assert "A colleague takes over." in response.content.decode()


def test_saved_reply_send_is_one_service_call(agent, conversation, macro):
    saved_reply_send(
        conversation=conversation, saved_reply=macro, author=agent, body="Done", status="pending"
    )
    conversation = Conversation.objects.get(pk=conversation.pk)
    # The macro's status comes after the reply's own.
    assert conversation.status == Status.SOLVED


def test_macros_do_not_add_queries_to_the_conversation_page(agent_client, conversation, admin):
    url = reverse("web:conversation", args=[conversation.pk])

    def warm() -> int:
        cache.clear()
        agent_client.get(url)
        with CaptureQueriesContext(connection) as ctx:
            agent_client.get(url)
        return len(ctx.captured_queries)

    saved_reply_create(actor=admin, title="Plain", body="Hi")
    plain = warm()
    for n in range(3):
        saved_reply_create(actor=admin, title=f"Macro {n}", body="Hi", actions=SOLVE_AND_TAG)
    assert warm() == plain
