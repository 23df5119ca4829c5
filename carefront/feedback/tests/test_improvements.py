"""Improvements ("you said, we did"): linking comments and conversations (a customer once per
improvement), shipping tells each linked customer exactly once, in their language and their
conversation, with an opt-out; double ship, two workers and a crash mid-way tell nobody twice
and skip nobody."""

import datetime as dt
import threading

import pytest
from django.core import mail
from django.db import connection, connections
from django.utils import timezone

from carefront.accounts.models import Role
from carefront.accounts.tests.factories import AgentFactory
from carefront.conversations.models import ConversationEvent, EventKind, Message
from carefront.conversations.tests.factories import conversation_for
from carefront.core.events import _subscribers, subscribe
from carefront.core.exceptions import InvalidInput, NotFound, PermissionDenied
from carefront.customers.tests.factories import CustomerFactory
from carefront.feedback import tokens
from carefront.feedback.events import ImprovementShipped
from carefront.feedback.models import (
    Improvement,
    ImprovementLink,
    ImprovementNotice,
    ImprovementStatus,
    NoticeStatus,
)
from carefront.feedback.services import (
    improvement_create,
    improvement_link,
    improvement_link_theme,
    improvement_news_opt_out,
    improvement_notice_tell,
    improvement_notices_recover,
    improvement_ship,
    improvement_unlink,
    improvement_update,
)
from carefront.feedback.tests.factories import after_commit, comment

pytestmark = pytest.mark.django_db


@pytest.fixture
def lead(team):
    lead = AgentFactory(role=Role.LEAD, name="Lena Lead")
    team.members.add(lead)
    return lead


def new_improvement(lead, **fields) -> Improvement:
    fields.setdefault("title", "Export to CSV")
    fields.setdefault("customer_message", "You can now export your invoices as CSV.")
    return improvement_create(actor=lead, **fields)


def ship(lead, improvement) -> Improvement:
    with after_commit():
        return improvement_ship(actor=lead, improvement_id=improvement.pk)


def csat_comment(inbox, text="Please add a CSV export", **customer_fields):
    """A comment with a conversation behind it (as a CSAT comment has)."""
    customer = CustomerFactory(**customer_fields)
    conversation = conversation_for(inbox, from_address=customer.email, subject="Invoices")
    conversation.refresh_from_db()
    return comment(
        text,
        customer=conversation.customer,
        conversation_id=conversation.pk,
        inbox_id=inbox.pk,
        source="csat",
    )


def told_messages(customer_id: int) -> list[Message]:
    """The "you said, we did" messages to the customer (not, say, an acknowledgement)."""
    return list(
        Message.objects.filter(
            conversation__customer_id=customer_id,
            direction="outgoing",
            is_auto_submitted=True,
            body_text__contains="/improvements/news/",
        )
    )


def test_agents_may_not_create_or_link(agent, lead):
    with pytest.raises(PermissionDenied):
        improvement_create(actor=agent, title="Nope")
    improvement = new_improvement(lead)
    with pytest.raises(PermissionDenied):
        improvement_link(actor=agent, improvement_id=improvement.pk, comment_ids=[1])
    with pytest.raises(PermissionDenied):
        improvement_ship(actor=agent, improvement_id=improvement.pk)


def test_a_customer_counts_once_however_many_links(inbox, lead):
    improvement = new_improvement(lead)
    first = csat_comment(inbox, "CSV please")
    customer = first.customer
    second = comment("Still no CSV export", customer=customer)
    other = csat_comment(inbox, "Exports!")
    result = improvement_link(
        actor=lead, improvement_id=improvement.pk, comment_ids=[first.pk, second.pk, other.pk]
    )
    assert (result.links_added, result.customers_added) == (3, 2)
    # Linking again adds nothing.
    again = improvement_link(actor=lead, improvement_id=improvement.pk, comment_ids=[first.pk])
    assert (again.links_added, again.customers_added) == (0, 0)
    improvement.refresh_from_db()
    assert improvement.customers_linked == 2
    assert ImprovementNotice.objects.filter(improvement=improvement).count() == 2
    notice = ImprovementNotice.objects.get(improvement=improvement, customer=customer)
    assert notice.status == NoticeStatus.WAITING
    # Their earliest words are quoted.
    assert notice.said_text == "CSV please"
    assert ConversationEvent.objects.filter(
        conversation_id=first.conversation_id, kind=EventKind.IMPROVEMENT_LINKED
    ).exists()


def test_a_forged_id_links_nothing(inbox, lead):
    improvement = new_improvement(lead)
    real = csat_comment(inbox)
    with pytest.raises(NotFound):
        improvement_link(actor=lead, improvement_id=improvement.pk, comment_ids=[real.pk, 999_999])
    with pytest.raises(NotFound):
        improvement_link(actor=lead, improvement_id=improvement.pk, conversation_ids=[999_999])
    with pytest.raises(NotFound):
        improvement_link(actor=lead, improvement_id=999_999, comment_ids=[real.pk])
    assert not ImprovementLink.objects.exists()
    assert not ImprovementNotice.objects.exists()


def test_shipping_tells_each_customer_once_in_their_conversation(inbox, lead):
    improvement = new_improvement(lead)
    first = csat_comment(inbox, "CSV please")
    second = comment("CSV export would be great", customer=first.customer)
    conversation_only = conversation_for(inbox, from_address="olga@example.com")
    improvement_link(
        actor=lead,
        improvement_id=improvement.pk,
        comment_ids=[first.pk, second.pk],
        conversation_ids=[conversation_only.pk],
    )
    mail.outbox.clear()
    ship(lead, improvement)
    improvement.refresh_from_db()
    assert improvement.status == ImprovementStatus.SHIPPED
    assert improvement.customers_told == 2
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [first.customer.email, "olga@example.com"]
    )
    # In the conversation the customer wrote in, threaded, and on its timeline.
    [message] = told_messages(first.customer_id)
    assert message.conversation_id == first.conversation_id
    assert "CSV please" in message.body_text
    assert "You can now export your invoices as CSV." in message.body_text
    assert tokens.improvement_optout_token(first.customer_id) in message.body_text
    assert ConversationEvent.objects.filter(
        conversation_id=first.conversation_id, kind=EventKind.IMPROVEMENT_TOLD
    ).exists()


def test_shipping_twice_tells_nobody_twice(inbox, lead):
    improvement = new_improvement(lead)
    linked = csat_comment(inbox)
    improvement_link(actor=lead, improvement_id=improvement.pk, comment_ids=[linked.pk])
    ship(lead, improvement)
    ship(lead, improvement)
    assert len(told_messages(linked.customer_id)) == 1
    # A notice told already is not told again by anyone.
    notice = ImprovementNotice.objects.get(improvement=improvement)
    assert improvement_notice_tell(notice_id=notice.pk) == NoticeStatus.SENT
    assert len(told_messages(linked.customer_id)) == 1
    improvement.refresh_from_db()
    assert improvement.customers_told == 1


def test_the_message_speaks_the_customers_language(inbox, lead, monkeypatch):
    monkeypatch.setattr(
        "django.utils.timezone.now", lambda: dt.datetime(2026, 12, 4, 12, tzinfo=dt.UTC)
    )
    improvement = new_improvement(lead)
    linked = csat_comment(inbox, "Bitte CSV-Export", language="de", name="Jana Berg")
    improvement_link(actor=lead, improvement_id=improvement.pk, comment_ids=[linked.pk])
    ship(lead, improvement)
    [message] = told_messages(linked.customer_id)
    assert message.body_text.startswith("Hallo Jana,")
    assert "Am 4. Dezember 2026 haben Sie uns geschrieben: „Bitte CSV-Export“" in (
        message.body_text
    )
    assert "Das haben wir geändert:" in message.body_text


def test_an_nps_comment_without_conversation_gets_a_new_one(inbox, lead):
    improvement = new_improvement(lead)
    customer = CustomerFactory(email="nina@example.com")
    nps = comment("Make exports easier", customer=customer, inbox_id=inbox.pk)
    improvement_link(actor=lead, improvement_id=improvement.pk, comment_ids=[nps.pk])
    ship(lead, improvement)
    [message] = told_messages(customer.pk)
    conversation = message.conversation
    assert conversation.customer_id == customer.pk
    assert conversation.inbox_id == inbox.pk
    assert conversation.status == "solved"
    assert "Export to CSV" in conversation.subject
    assert ConversationEvent.objects.filter(
        conversation=conversation, kind=EventKind.IMPROVEMENT_TOLD
    ).exists()


def test_opted_out_customers_are_not_told_and_it_stays_so(inbox, lead):
    linked = csat_comment(inbox)
    improvement_news_opt_out(customer_id=linked.customer_id)
    for title in ("First", "Second"):
        improvement = new_improvement(lead, title=title)
        improvement_link(actor=lead, improvement_id=improvement.pk, comment_ids=[linked.pk])
        ship(lead, improvement)
        notice = ImprovementNotice.objects.get(improvement=improvement)
        assert notice.status == NoticeStatus.SKIPPED
        assert notice.skip_reason
        improvement.refresh_from_db()
        assert improvement.customers_told == 0
    assert told_messages(linked.customer_id) == []


def test_the_survey_unsubscribe_link_is_no_improvement_opt_out():
    survey_token = tokens.unsubscribe_token(42)
    assert tokens.improvement_optout_customer_id(survey_token) is None
    assert tokens.improvement_optout_customer_id(tokens.improvement_optout_token(42)) == 42
    assert tokens.improvement_optout_customer_id("42-" + "0" * 64) is None


def test_linked_after_shipping_is_told_at_once(inbox, lead):
    improvement = new_improvement(lead)
    ship(lead, improvement)
    late = csat_comment(inbox)
    with after_commit():
        improvement_link(actor=lead, improvement_id=improvement.pk, comment_ids=[late.pk])
    assert len(told_messages(late.customer_id)) == 1


def test_shipping_needs_the_customer_text_when_customers_are_linked(inbox, lead):
    improvement = new_improvement(lead, customer_message="")
    linked = csat_comment(inbox)
    improvement_link(actor=lead, improvement_id=improvement.pk, comment_ids=[linked.pk])
    with pytest.raises(InvalidInput):
        improvement_ship(actor=lead, improvement_id=improvement.pk)
    improvement.refresh_from_db()
    assert improvement.status == ImprovementStatus.PLANNED


def test_status_moves_but_shipped_is_final(lead):
    improvement = new_improvement(lead)
    improvement = improvement_update(
        actor=lead, improvement_id=improvement.pk, status=ImprovementStatus.IN_PROGRESS
    )
    assert improvement.status == ImprovementStatus.IN_PROGRESS
    with pytest.raises(InvalidInput):
        improvement_update(
            actor=lead, improvement_id=improvement.pk, status=ImprovementStatus.SHIPPED
        )
    ship(lead, improvement)
    with pytest.raises(InvalidInput):
        improvement_update(
            actor=lead, improvement_id=improvement.pk, status=ImprovementStatus.PLANNED
        )
    with pytest.raises(InvalidInput):
        improvement_update(actor=lead, improvement_id=improvement.pk, title="  ")


def test_unlinking_the_last_link_drops_the_customer(inbox, lead):
    improvement = new_improvement(lead)
    linked = csat_comment(inbox)
    improvement_link(actor=lead, improvement_id=improvement.pk, comment_ids=[linked.pk])
    link = ImprovementLink.objects.get()
    improvement_unlink(actor=lead, improvement_id=improvement.pk, link_id=link.pk)
    improvement.refresh_from_db()
    assert improvement.customers_linked == 0
    assert not ImprovementNotice.objects.exists()


def test_link_a_whole_theme(inbox, lead):
    from carefront.feedback.models import Theme

    theme = Theme.objects.create(name="Exports")
    comments = [csat_comment(inbox, f"export {i}") for i in range(3)]
    for c in comments:
        c.theme = theme
        c.save(update_fields=["theme"])
    elsewhere = csat_comment(inbox, "something else")
    improvement = new_improvement(lead)
    result = improvement_link_theme(actor=lead, improvement_id=improvement.pk, theme_id=theme.pk)
    assert (result.links_added, result.customers_added) == (3, 3)
    assert not ImprovementLink.objects.filter(comment=elsewhere).exists()


def test_shipping_publishes_one_event(inbox, lead):
    seen = []
    subscribe(ImprovementShipped, seen.append)
    try:
        improvement = new_improvement(lead)
        ship(lead, improvement)
        ship(lead, improvement)
    finally:
        _subscribers[ImprovementShipped].remove(seen.append)
    assert [e.improvement_id for e in seen] == [improvement.pk]


# Crashes and concurrency --------------------------------------------------------------------


class Killed(BaseException):
    """Stands for SIGKILL: nothing after it runs in the worker (as in test_outbox_crash)."""


def kill_at(monkeypatch, name: str, *, after: bool) -> None:
    """Make the worker die when it reaches improvements.<name> (before or after that step)."""
    from carefront.feedback.services import improvements as module

    step = getattr(module, name)

    def dies(*args, **kwargs):
        if after:
            step(*args, **kwargs)
        raise Killed

    monkeypatch.setattr(module, name, dies)


@pytest.mark.parametrize(
    ("step", "after"),
    [
        ("_why_not_tell", False),
        ("conversation_send_automatic", True),
        ("conversation_timeline_add", False),
        ("conversation_timeline_add", True),
    ],
)
def test_a_worker_killed_mid_way_tells_nobody_twice_and_skips_nobody(
    inbox, lead, monkeypatch, sink, step, after
):
    """Killed at each step of telling (before the commit, the message already written or
    not): nothing is kept, the notice stays pending, and the recovery hook run by the next
    worker tells the customer: one email through a real SMTP server."""
    from carefront.core.workers import workers_recover

    improvement = new_improvement(lead)
    linked = csat_comment(inbox)
    other = csat_comment(inbox)
    improvement_link(actor=lead, improvement_id=improvement.pk, comment_ids=[linked.pk, other.pk])
    improvement_ship(actor=lead, improvement_id=improvement.pk)  # its task never runs
    notice = ImprovementNotice.objects.get(improvement=improvement, customer=linked.customer)
    kill_at(monkeypatch, step, after=after)
    with pytest.raises(Killed):
        improvement_notice_tell(notice_id=notice.pk)
    monkeypatch.undo()
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.PENDING
    assert told_messages(linked.customer_id) == []
    assert not ConversationEvent.objects.filter(kind=EventKind.IMPROVEMENT_TOLD).exists()

    # Too fresh for the recovery: a live task may be telling them.
    assert improvement_notices_recover() == 0
    later = timezone.now() + dt.timedelta(minutes=2)
    monkeypatch.setattr("django.utils.timezone.now", lambda: later)
    with after_commit():
        recovery = workers_recover()
    with after_commit():
        workers_recover()
    assert recovery.counts["improvement-notices"] == 2
    for customer in (linked.customer, other.customer):
        assert len(told_messages(customer.pk)) == 1
        assert len([m for m in sink.messages if customer.email in m.rcpt_tos]) == 1
    improvement.refresh_from_db()
    assert improvement.customers_told == 2


def test_the_recovery_is_registered_with_the_workers():
    from carefront.core.workers import _recovery_hooks

    assert "improvement-notices" in [name for name, _hook in _recovery_hooks]


@pytest.mark.django_db(transaction=True)
def test_two_workers_tell_a_customer_once(inbox, team):
    """Two workers race for the same notices with real row locks: each customer is told
    exactly once. PostgreSQL only (the in-memory SQLite test database is one connection's)."""
    if connection.vendor != "postgresql":
        pytest.skip("concurrent workers need PostgreSQL")
    lead = AgentFactory(role=Role.LEAD)
    improvement = new_improvement(lead)
    linked = [csat_comment(inbox, f"csv {i}") for i in range(6)]
    improvement_link(actor=lead, improvement_id=improvement.pk, comment_ids=[c.pk for c in linked])
    # Shipped as the service does, without its task: the two workers do the telling.
    Improvement.objects.filter(pk=improvement.pk).update(
        status=ImprovementStatus.SHIPPED, shipped_at=dt.datetime.now(dt.UTC)
    )
    ImprovementNotice.objects.update(status=NoticeStatus.PENDING)
    notice_ids = list(ImprovementNotice.objects.order_by("pk").values_list("pk", flat=True))
    barrier = threading.Barrier(2)
    results: list[str] = []
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            barrier.wait(timeout=10)
            results.extend(improvement_notice_tell(notice_id=pk) for pk in notice_ids)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors
    assert results.count(NoticeStatus.SENT) == 12  # each worker sees every notice told
    for c in linked:
        assert len(told_messages(c.customer_id)) == 1
    assert ConversationEvent.objects.filter(kind=EventKind.IMPROVEMENT_TOLD).count() == 6
    improvement.refresh_from_db()
    assert improvement.customers_told == 6


def test_a_merged_conversation_still_gets_its_customers_message(inbox, lead):
    """The notice follows a conversation merge: the customer is told in the merged one."""
    from carefront.conversations.services import conversation_merge

    source = conversation_for(inbox, from_address="mia@example.com", subject="CSV?")
    target = conversation_for(inbox, from_address="mia@example.com", subject="Exports")
    improvement = new_improvement(lead)
    improvement_link(actor=lead, improvement_id=improvement.pk, conversation_ids=[source.pk])
    conversation_merge(source_id=source.pk, target_id=target.pk)
    ship(lead, improvement)
    [message] = told_messages(target.customer_id)
    assert message.conversation_id == target.pk
    improvement.refresh_from_db()
    assert improvement.customers_told == 1
