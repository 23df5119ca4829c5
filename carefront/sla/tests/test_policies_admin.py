"""Writing SLA policies: durations as admins type them, the checks, order and admin-only."""

import pytest

from carefront.conversations.models import Priority, Tag
from carefront.conversations.tests.factories import conversation_for
from carefront.core.exceptions import InvalidInput, PermissionDenied
from carefront.sla.models import SlaPolicy
from carefront.sla.services import sla_policy_match
from carefront.sla.services.policies_admin import (
    format_duration_minutes,
    parse_duration_minutes,
    sla_policy_create,
    sla_policy_delete,
    sla_policy_move,
    sla_policy_update,
)


@pytest.mark.parametrize(
    ("text", "minutes"),
    [
        ("", None),
        ("  ", None),
        ("90", 90),
        ("90m", 90),
        ("2h", 120),
        ("2h 30m", 150),
        ("2h30m", 150),
        ("2 hours 30 minutes", 150),
        ("1d 4h", 28 * 60),
        ("1 day", 24 * 60),
        ("1:30", 90),
        ("2H, 5M", 125),
    ],
)
def test_durations_are_read_as_admins_type_them(text, minutes):
    assert parse_duration_minutes(text) == minutes


@pytest.mark.parametrize("text", ["soon", "2x", "h2", "2h and a bit", "-5", "1.5h"])
def test_an_unreadable_duration_is_a_clear_error(text):
    with pytest.raises(InvalidInput, match="is not a duration"):
        parse_duration_minutes(text)


@pytest.mark.parametrize(
    ("minutes", "text"), [(None, ""), (0, "0m"), (45, "45m"), (150, "2h 30m"), (1440, "1d")]
)
def test_durations_are_written_back_in_the_same_form(minutes, text):
    assert format_duration_minutes(minutes) == text
    if minutes:
        assert parse_duration_minutes(text) == minutes


@pytest.mark.django_db
def test_a_policy_without_any_target_is_refused(admin):
    with pytest.raises(InvalidInput, match="at least one target") as info:
        sla_policy_create(actor=admin, name="Empty")
    assert info.value.extra["field"] == "first_reply_minutes"
    assert not SlaPolicy.objects.exists()


@pytest.mark.django_db
def test_checks_name_the_setting_that_is_wrong(admin, team):
    cases = [
        ({"first_reply_minutes": 0}, "first_reply_minutes"),
        ({"first_reply_minutes": 60, "first_reply_basis": "lunar"}, "first_reply_basis"),
        ({"first_reply_minutes": 60, "at_risk_minutes": 60}, "at_risk_minutes"),
        ({"first_reply_minutes": 60, "priorities": [99]}, "priorities"),
        ({"first_reply_minutes": 60, "channels": ["fax"]}, "channels"),
        ({"first_reply_minutes": 60, "customer_attribute_value": "x"}, "customer_attribute"),
        ({"first_reply_minutes": 60, "requester": "robots"}, "requester"),
        ({"first_reply_minutes": 60, "raise_priority": "always"}, "raise_priority"),
        ({"first_reply_minutes": 60, "reassign_team": team}, "reassign_when"),
        ({"first_reply_minutes": 60, "tags": ["x" * 65]}, "tags"),
    ]
    for settings, field in cases:
        with pytest.raises(InvalidInput) as info:
            sla_policy_create(actor=admin, name="P", **settings)
        assert info.value.extra["field"] == field, settings
    assert not SlaPolicy.objects.exists()
    assert not Tag.objects.exists()


@pytest.mark.django_db
def test_new_policies_go_last_and_matching_follows_the_order(admin, inbox):
    broad = sla_policy_create(actor=admin, name="Everyone", first_reply_minutes=240)
    urgent = sla_policy_create(
        actor=admin,
        name="Urgent",
        first_reply_minutes=30,
        at_risk_minutes=10,
        priorities=[Priority.URGENT],
    )
    conversation = conversation_for(inbox)
    conversation.priority = Priority.URGENT
    conversation.save(update_fields=["priority"])
    assert sla_policy_match(conversation=conversation) == broad
    order = sla_policy_move(actor=admin, policy=urgent, direction="up")
    assert [p.name for p in order] == ["Urgent", "Everyone"]
    assert sla_policy_match(conversation=conversation) == urgent


@pytest.mark.django_db
def test_update_replaces_every_setting_and_tags_are_created_when_new(admin, inbox):
    policy = sla_policy_create(
        actor=admin, name="VIP", first_reply_minutes=60, tags=["VIP"], inboxes=[inbox]
    )
    assert Tag.objects.get().name == "vip"
    sla_policy_update(actor=admin, policy=policy, name="VIP customers", resolution_minutes=480)
    policy.refresh_from_db()
    assert (policy.name, policy.first_reply_minutes, policy.resolution_minutes) == (
        "VIP customers",
        None,
        480,
    )
    assert not policy.inboxes.exists() and not policy.tags.exists()


@pytest.mark.django_db
def test_only_admins_write_policies(agent, admin):
    with pytest.raises(PermissionDenied):
        sla_policy_create(actor=agent, name="Mine", first_reply_minutes=60)
    policy = sla_policy_create(actor=admin, name="Theirs", first_reply_minutes=60)
    with pytest.raises(PermissionDenied):
        sla_policy_delete(actor=agent, policy=policy)
    with pytest.raises(PermissionDenied):
        sla_policy_move(actor=agent, policy=policy, direction="up")
    sla_policy_delete(actor=admin, policy=policy)
    assert not SlaPolicy.objects.exists()


def test_a_new_policy_starts_clocks_on_open_conversations_and_deleting_it_stops_them(
    admin, inbox, django_capture_on_commit_callbacks
):
    from carefront.sla.models import SlaTarget, TargetState

    waiting = conversation_for(inbox)
    assert not SlaTarget.objects.filter(conversation=waiting).exists()
    with django_capture_on_commit_callbacks(execute=True):
        policy = sla_policy_create(actor=admin, name="Everyone", first_reply_minutes=60)
    running = SlaTarget.objects.get(conversation=waiting, kind="first_reply")
    assert (running.state, running.policy_id) == (TargetState.RUNNING, policy.pk)
    waiting.refresh_from_db()
    assert waiting.sla_due_at == running.due_at
    with django_capture_on_commit_callbacks(execute=True):
        sla_policy_delete(actor=admin, policy=policy)
    running.refresh_from_db()
    assert running.state == TargetState.CANCELLED
    waiting.refresh_from_db()
    assert waiting.sla_due_at is None
