import pytest

from carefront.conversations.models import Conversation, Message, Status
from carefront.conversations.services import Outcome, conversation_set_status
from carefront.conversations.tests.factories import receive

pytestmark = pytest.mark.django_db


def test_first_message_creates_conversation_and_customer(inbox):
    result = receive(inbox, from_address="Ana@Example.com", from_name="Ana Lima", subject="Refund")
    assert result.outcome == Outcome.CREATED
    conversation = result.conversation
    assert conversation.subject == "Refund"
    assert conversation.status == Status.OPEN
    assert conversation.customer.email == "ana@example.com"
    assert conversation.customer.name == "Ana Lima"
    assert conversation.waiting_since is not None


def test_reply_threads_by_in_reply_to(inbox):
    first = receive(inbox, message_id="a1@example.com", from_address="ana@example.com")
    second = receive(
        inbox,
        message_id="a2@example.com",
        in_reply_to=["<a1@example.com>"],
        from_address="ana@example.com",
        subject="Re: Question",
    )
    assert second.outcome == Outcome.THREADED
    assert second.conversation.pk == first.conversation.pk
    assert Message.objects.filter(conversation=first.conversation).count() == 2


def test_reply_threads_by_references_when_parent_unknown_but_grandparent_known(inbox):
    first = receive(inbox, message_id="r1@example.com")
    third = receive(
        inbox,
        message_id="r3@example.com",
        in_reply_to=["r2@example.com"],
        references=["<r1@example.com>", "<r2@example.com>"],
    )
    assert third.conversation.pk == first.conversation.pk


def test_same_message_twice_is_stored_once(inbox):
    receive(inbox, message_id="dup@example.com")
    again = receive(inbox, message_id="<dup@example.com>")
    assert again.outcome == Outcome.DUPLICATE
    assert Message.objects.filter(message_id="dup@example.com").count() == 1


def test_reply_arriving_before_parent_is_joined_when_parent_arrives(inbox):
    reply = receive(inbox, message_id="child@example.com", in_reply_to=["parent@example.com"])
    parent = receive(inbox, message_id="parent@example.com")
    assert parent.outcome == Outcome.THREADED
    assert parent.conversation.pk == reply.conversation.pk


def test_late_parent_merges_two_sibling_conversations(inbox):
    one = receive(inbox, message_id="s1@example.com", in_reply_to=["root@example.com"])
    two = receive(inbox, message_id="s2@example.com", in_reply_to=["root@example.com"])
    assert one.conversation.pk == two.conversation.pk  # the shared parent id links them already
    other = receive(inbox, message_id="s3@example.com", references=["other-root@example.com"])
    root = receive(inbox, message_id="other-root@example.com", in_reply_to=["root@example.com"])
    assert root.conversation.pk == one.conversation.pk
    assert not Conversation.objects.filter(pk=other.conversation.pk).exists()
    assert root.conversation.messages.count() == 4


def test_reply_token_threads_for_the_conversations_customer(inbox):
    first = receive(inbox, from_address="ana@example.com")
    token = first.conversation.reply_token
    second = receive(inbox, from_address="ana@example.com", reply_tokens=[token], message_id="x1@e")
    assert second.conversation.pk == first.conversation.pk


def test_forged_reply_token_from_another_sender_starts_new_conversation(inbox, caplog):
    first = receive(inbox, from_address="ana@example.com")
    token = first.conversation.reply_token
    forged = receive(inbox, from_address="mallory@example.com", reply_tokens=[token])
    assert forged.outcome == Outcome.CREATED
    assert forged.conversation.pk != first.conversation.pk
    assert "not its customer" in caplog.text


def test_customer_reply_reopens_solved_conversation(inbox, agent):
    first = receive(inbox, message_id="o1@example.com")
    conversation_set_status(conversation=first.conversation, status=Status.SOLVED, actor=agent)
    reply = receive(inbox, message_id="o2@example.com", in_reply_to=["o1@example.com"])
    reply.conversation.refresh_from_db()
    assert reply.conversation.status == Status.OPEN


def test_auto_reply_without_conversation_is_rejected(inbox):
    result = receive(inbox, is_auto_submitted=True)
    assert result.outcome == Outcome.REJECTED
    assert not Conversation.objects.exists()


def test_auto_reply_on_a_thread_does_not_reopen(inbox, agent):
    first = receive(inbox, message_id="ar1@example.com")
    conversation_set_status(conversation=first.conversation, status=Status.SOLVED, actor=agent)
    receive(
        inbox, message_id="ar2@example.com", in_reply_to=["ar1@example.com"], is_auto_submitted=True
    )
    first.conversation.refresh_from_db()
    assert first.conversation.status == Status.SOLVED


def test_overlong_subject_is_truncated_on_conversation_but_kept_on_message(inbox):
    result = receive(inbox, subject="x" * 10_000)
    assert len(result.conversation.subject) == 255
    assert len(result.message.subject) == 10_000
