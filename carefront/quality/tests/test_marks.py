"""Every sent agent reply is checked by a task; its marks are stored per behaviour, with their
version; a re-check replaces them; reads are scoped (own, team, all)."""

import datetime as dt

import pytest
from django.utils import timezone

from carefront.accounts.models import Role
from carefront.accounts.tests.factories import AgentFactory
from carefront.conversations.services import conversation_add_note, conversation_assign
from carefront.core.exceptions import InvalidInput, PermissionDenied
from carefront.feedback.tests.factories import after_commit
from carefront.quality import checks
from carefront.quality.behaviours import Behaviour, Outcome
from carefront.quality.models import QaMark
from carefront.quality.selectors import (
    MarkFilters,
    mark_page,
    quality_trends,
    reply_marks_for_conversation,
)
from carefront.quality.services import (
    check_config,
    check_setting_update,
    replies_recheck,
    reply_check,
)
from carefront.sla.services import followup_create

from .conftest import send_reply

pytestmark = pytest.mark.django_db

MISSING_NAME = "Hello,\n\nthe parcel left our warehouse yesterday. It arrives tomorrow."


def test_a_sent_reply_is_checked_once_per_behaviour(conversation, agent):
    reply = send_reply(conversation, agent, MISSING_NAME)
    marks = {m.behaviour: m for m in QaMark.objects.filter(message=reply)}
    assert set(marks) == set(Behaviour.values)
    greets = marks[Behaviour.GREETS_BY_NAME]
    assert greets.outcome == Outcome.MISSED
    assert "Ana" in greets.hint
    assert greets.agent_id == agent.pk
    assert greets.conversation_id == conversation.pk
    assert greets.language == "en"
    assert greets.version == f"{checks.CHECKS_VERSION}.0"
    assert greets.replied_at == reply.created_at
    # The customer wrote "late again ... nobody answers": negative, and no apology.
    assert marks[Behaviour.ACKNOWLEDGES_FEELINGS].outcome == Outcome.MISSED
    assert marks[Behaviour.ANSWERS_QUESTIONS].outcome == Outcome.PASSED


def test_the_team_is_the_conversations_team(conversation, agent, team, admin):
    with after_commit():
        conversation_assign(conversation=conversation, assignee=agent, team=team, actor=admin)
    reply = send_reply(conversation, agent, "Hi Ana, thanks! It arrives tomorrow.")
    assert set(QaMark.objects.filter(message=reply).values_list("team_id", flat=True)) == {team.pk}


def test_notes_and_customer_messages_are_not_checked(conversation, agent):
    with after_commit():
        conversation_add_note(conversation=conversation, author=agent, body="Call the carrier")
    assert not QaMark.objects.exists()
    assert reply_check(message_id=conversation.messages.first().pk) == []


def test_next_step_is_off_by_default_and_an_admin_may_switch_it_on(conversation, agent, admin):
    first = send_reply(conversation, agent, "Hi Ana, thanks for waiting.")
    mark = QaMark.objects.get(message=first, behaviour=Behaviour.NEXT_STEP)
    assert mark.outcome == Outcome.NOT_CHECKED
    check_setting_update(actor=admin, behaviour=Behaviour.NEXT_STEP, enabled=True, words={})
    second = send_reply(conversation, agent, "Hi Ana, thanks for waiting.")
    assert (
        QaMark.objects.get(message=second, behaviour=Behaviour.NEXT_STEP).outcome == Outcome.MISSED
    )
    solved = send_reply(conversation, agent, "Hi Ana, thanks. Done!", status="solved")
    mark = QaMark.objects.get(message=solved, behaviour=Behaviour.NEXT_STEP)
    assert mark.outcome == Outcome.NOT_APPLICABLE


def test_a_promise_with_a_follow_up_passes(conversation, agent):
    with after_commit():
        from django.db import transaction

        from carefront.conversations.services import conversation_reply

        with transaction.atomic():
            reply = conversation_reply(
                conversation=conversation,
                author=agent,
                body="Hi Ana, thanks. I'll check with the carrier and get back to you.",
            )
            followup_create(
                conversation=conversation,
                owner=agent,
                due_at=timezone.now() + dt.timedelta(days=1),
                actor=agent,
            )
    mark = QaMark.objects.get(message=reply, behaviour=Behaviour.PROMISE_FOLLOWED_UP)
    assert mark.outcome == Outcome.PASSED


def test_a_promise_without_a_follow_up_is_missed(conversation, agent):
    reply = send_reply(conversation, agent, "Hi Ana, thanks. I'll get back to you.")
    mark = QaMark.objects.get(message=reply, behaviour=Behaviour.PROMISE_FOLLOWED_UP)
    assert mark.outcome == Outcome.MISSED
    assert "get back to you" in mark.evidence


def test_checking_again_under_the_same_rules_changes_nothing(conversation, agent):
    reply = send_reply(conversation, agent, MISSING_NAME)
    before = set(QaMark.objects.values_list("pk", flat=True))
    reply_check(message_id=reply.pk)
    assert set(QaMark.objects.values_list("pk", flat=True)) == before


def test_changed_settings_make_a_new_version_and_a_recheck_replaces_current_marks(
    conversation, agent, admin
):
    reply = send_reply(conversation, agent, MISSING_NAME)
    check_setting_update(actor=admin, behaviour=Behaviour.GREETS_BY_NAME, enabled=False, words={})
    _config, version = check_config()
    assert version == f"{checks.CHECKS_VERSION}.1"
    assert replies_recheck() == 1
    current = QaMark.objects.filter(message=reply, is_current=True)
    assert current.count() == len(Behaviour.values)
    assert {m.version for m in current} == {version}
    assert current.get(behaviour=Behaviour.GREETS_BY_NAME).outcome == Outcome.NOT_CHECKED
    # The old marks stay, retired: they say what the agent was shown then.
    assert QaMark.objects.filter(message=reply, is_current=False).count() == len(Behaviour.values)
    assert replies_recheck() == 0


def test_settings_are_cached_and_refresh_on_change(admin, django_assert_num_queries):
    check_config()
    with django_assert_num_queries(0):
        check_config()
    check_setting_update(
        actor=admin, behaviour=Behaviour.THANKS, enabled=True, words={"en": "cheers\nta"}
    )
    config, _version = check_config()
    assert config.words_for(Behaviour.THANKS, "en") == ("cheers", "ta")
    assert config.words_for(Behaviour.THANKS, "de") == checks.DEFAULT_WORDS[Behaviour.THANKS]["de"]


def test_only_admins_change_settings_and_bad_words_are_refused(agent, admin):
    with pytest.raises(PermissionDenied):
        check_setting_update(actor=agent, behaviour=Behaviour.THANKS, enabled=False, words={})
    with pytest.raises(InvalidInput, match=r"\*"):
        check_setting_update(
            actor=admin, behaviour=Behaviour.THANKS, enabled=True, words={"en": "th*nks"}
        )
    with pytest.raises(InvalidInput):
        check_setting_update(actor=admin, behaviour="charm", enabled=True, words={})
    with pytest.raises(InvalidInput):
        check_setting_update(
            actor=admin, behaviour=Behaviour.THANKS, enabled=True, words={"fr": "merci"}
        )
    config, version = check_config()
    assert not config.words and version.endswith(".0")


def test_reply_marks_for_conversation_prefills_reviews(conversation, agent):
    first = send_reply(conversation, agent, MISSING_NAME)
    second = send_reply(conversation, agent, "Hi Ana, thanks for your patience!")
    marks = reply_marks_for_conversation(conversation.pk)
    assert set(marks) == {first.pk, second.pk}
    assert [m.behaviour for m in marks[first.pk]] == list(Behaviour.values)
    assert marks[first.pk][0].outcome == Outcome.MISSED
    assert marks[first.pk][0].hint


@pytest.fixture
def two_teams_marks(conversation, agent, outsider, inbox, admin):
    """A reply by the agent (team A) and one by the outsider (another team)."""
    mine = send_reply(conversation, agent, MISSING_NAME)
    inbox.teams.add(outsider.teams.first())
    theirs = send_reply(conversation, outsider, "Hi Ana, thanks! It is on its way.")
    return mine, theirs


def _page_messages(actor, **filters) -> set[int]:
    page = mark_page(actor=actor, filters=MarkFilters(**filters), cursor=None, limit=100)
    return {m.message_id for m in page.items}


def test_marks_are_scoped_own_team_all(two_teams_marks, agent, outsider, lead, other_lead, admin):
    mine, theirs = two_teams_marks
    assert _page_messages(agent) == {mine.pk}
    assert _page_messages(outsider) == {theirs.pk}
    assert _page_messages(lead) == {mine.pk}
    assert _page_messages(other_lead) == {theirs.pk}
    assert _page_messages(admin) == {mine.pk, theirs.pk}
    # Forged filters: another team's agent or team gives nothing, not an error.
    assert _page_messages(agent, agent_id=outsider.pk) == set()
    assert _page_messages(lead, team_id=outsider.teams.first().pk) == set()


def test_trends_per_agent_and_team(two_teams_marks, agent, outsider, admin, lead):
    now = timezone.now()
    trends = quality_trends(actor=admin, since=now - dt.timedelta(days=7), until=now)
    rows = {row.key: row for row in trends.by_agent}
    assert set(rows) == {agent.pk, outsider.pk}
    assert rows[agent.pk].cell(Behaviour.GREETS_BY_NAME).missed == 1
    assert rows[outsider.pk].cell(Behaviour.GREETS_BY_NAME).passed == 1
    assert rows[outsider.pk].cell(Behaviour.GREETS_BY_NAME).percent == 100
    assert trends.weekly
    lead_trends = quality_trends(actor=lead, since=now - dt.timedelta(days=7), until=now)
    assert [row.key for row in lead_trends.by_agent] == [agent.pk]
    empty = quality_trends(
        actor=admin, since=now - dt.timedelta(days=30), until=now - dt.timedelta(days=8)
    )
    assert empty.by_agent == [] and empty.weekly == []


def test_trends_cost_the_same_queries_for_many_replies(
    conversation, agent, lead, django_assert_max_num_queries
):
    for n in range(6):
        send_reply(conversation, agent, f"Hi Ana, thanks. Update {n}: it arrives tomorrow.")
    for _ in range(2):
        AgentFactory(role=Role.AGENT)
    now = timezone.now()
    with django_assert_max_num_queries(6):
        quality_trends(actor=lead, since=now - dt.timedelta(days=7), until=now)


def test_the_recheck_command_checks_replies_whose_task_was_lost(conversation, agent, admin):
    from django.core.management import call_command

    from carefront.conversations.services import conversation_reply

    # Sent without running what follows the commit: its check task never ran.
    lost = conversation_reply(conversation=conversation, author=agent, body=MISSING_NAME)
    assert not QaMark.objects.filter(message=lost).exists()
    call_command("quality_recheck")
    assert QaMark.objects.filter(message=lost, is_current=True).count() == len(Behaviour.values)
