"""SLA at a glance: countdowns on inbox rows and the conversation, the SLA panel with each
target's outcome, the "due soonest" sort and the "breached" / "at risk" filters."""

import datetime as dt

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from carefront.conversations.models import Status
from carefront.conversations.services import conversation_set_sla_due
from carefront.conversations.tests.factories import conversation_for
from carefront.sla.models import SlaPolicy, SlaTarget, TargetKind, TargetState, TimeBasis
from carefront.web.sla_display import duration_text, outcome_text

pytestmark = pytest.mark.django_db

INBOX_URL = reverse("web:inbox")


def _due(conversation, *, due_in: dt.timedelta, risk_in: dt.timedelta | None = None) -> None:
    now = timezone.now()
    conversation_set_sla_due(
        conversation_id=conversation.pk,
        due_at=now + due_in,
        at_risk_at=now + risk_in if risk_in is not None else None,
    )


def _row(html: str, conversation) -> str:
    start = html.index(f'data-id="{conversation.pk}"')
    return html[start : html.index("</li>", start)]


@pytest.mark.parametrize(
    ("seconds", "round_up", "text"),
    [
        (0, False, "0 m"),
        (59, False, "0 m"),
        (59, True, "1 m"),
        (25 * 60, False, "25 m"),
        (72 * 60, False, "1 h 12 m"),
        (3 * 3600, False, "3 h"),
        (2 * 86400 + 4 * 3600 + 59, False, "2 d 4 h"),
        (86400, False, "1 d"),
    ],
)
def test_durations_read_in_the_two_largest_units(seconds, round_up, text):
    with translation.override("en"):
        assert duration_text(seconds, round_up=round_up) == text


def test_inbox_rows_count_down_and_say_the_state_in_words_and_shape(agent_client, inbox):
    fine = conversation_for(inbox, subject="Fine")
    risky = conversation_for(inbox, subject="Risky")
    late = conversation_for(inbox, subject="Late")
    waiting = conversation_for(inbox, subject="Waiting on customer")
    plain = conversation_for(inbox, subject="No SLA")
    _due(fine, due_in=dt.timedelta(minutes=25), risk_in=dt.timedelta(minutes=15))
    _due(risky, due_in=dt.timedelta(minutes=8), risk_in=dt.timedelta(minutes=-2))
    _due(late, due_in=dt.timedelta(minutes=-12, seconds=-1))
    _due(waiting, due_in=dt.timedelta(minutes=30))
    waiting.__class__.objects.filter(pk=waiting.pk).update(status=Status.PENDING)
    html = agent_client.get(INBOX_URL, {"folder": "all"}).content.decode()

    assert 'class="sla sla-ok"' in _row(html, fine)
    assert "due in 25 m" in _row(html, fine)
    assert 'class="sla sla-at-risk"' in _row(html, risky)
    assert "at risk: 8 m" in _row(html, risky)
    assert 'class="sla sla-breached"' in _row(html, late)
    assert "breached 12 m ago" in _row(html, late)
    # A different shape per state, hidden from screen readers (the words say it).
    assert '<span class="sla-icon" aria-hidden="true">▲</span>' in _row(html, risky)
    assert '<span class="sla-icon" aria-hidden="true">■</span>' in _row(html, late)
    # Paused: no countdown to run.
    assert "SLA paused" in _row(html, waiting)
    assert "data-sla-due" not in _row(html, waiting)
    assert 'class="sla' not in _row(html, plain)
    # The instants for the script, and its words once per page.
    assert f'data-sla-due="{risky.__class__.objects.get(pk=risky.pk).sla_due_at.isoformat()}"' in (
        _row(html, risky)
    )
    assert html.count("data-sla-texts") == 1
    assert 'data-risk="at risk: %(duration)s"' in html


def test_countdowns_cost_no_query_per_row(agent_client, inbox):
    def make(n: int) -> None:
        for i in range(n):
            _due(
                conversation_for(inbox),
                due_in=dt.timedelta(minutes=i - 5),
                risk_in=dt.timedelta(minutes=i - 10),
            )

    def count(params: dict) -> int:
        agent_client.get(INBOX_URL, params)
        with CaptureQueriesContext(connection) as ctx:
            response = agent_client.get(INBOX_URL, params)
        assert response.status_code == 200
        return len(ctx.captured_queries)

    make(3)
    cache.clear()
    small = [count(p) for p in ({}, {"sort": "due"}, {"sla": "breached"})]
    make(30)
    large = [count(p) for p in ({}, {"sort": "due"}, {"sla": "breached"})]
    # The agent, the page of conversations, their tag names, their open recovery tasks.
    assert small == large == [4, 4, 4]


def test_the_inbox_sorts_by_due_soonest_and_filters_breached_and_at_risk(agent_client, inbox):
    later = conversation_for(inbox, subject="Later")
    soon = conversation_for(inbox, subject="Soon")
    late = conversation_for(inbox, subject="Late")
    conversation_for(inbox, subject="None")
    _due(later, due_in=dt.timedelta(hours=3), risk_in=dt.timedelta(hours=2))
    _due(soon, due_in=dt.timedelta(minutes=5), risk_in=dt.timedelta(minutes=-5))
    _due(late, due_in=dt.timedelta(minutes=-1))

    def subjects(**params) -> list[str]:
        response = agent_client.get(INBOX_URL, params)
        assert response.status_code == 200
        return [c.subject for c in response.context["page"].items]

    assert subjects(sort="due") == ["Late", "Soon", "Later", "None"]
    assert subjects(sla="breached") == ["Late"]
    assert subjects(sla="at_risk") == ["Soon"]
    # An unknown value is dropped, as other bad filter values are.
    assert len(subjects(sla="whenever")) == 4
    html = agent_client.get(INBOX_URL, {"sla": "breached"}).content.decode()
    assert '<option value="breached" selected>Breached</option>' in html
    assert '<option value="due" selected>Due soonest (SLA)</option>' in html
    assert "in use" in html


def _target(conversation, **fields) -> SlaTarget:
    now = timezone.now()
    values = {
        "conversation": conversation,
        "kind": TargetKind.FIRST_REPLY,
        "basis": TimeBasis.BUSINESS,
        "target_seconds": 3600,
        "state": TargetState.RUNNING,
        "started_at": now - dt.timedelta(hours=2),
        **fields,
    }
    return SlaTarget.objects.create(**values)


def test_outcomes_say_the_time_taken_and_by_how_much_a_target_was_breached(inbox):
    conversation = conversation_for(inbox)
    breached = _target(
        conversation,
        state=TargetState.MET,
        elapsed_seconds=72 * 60,
        breached_at=timezone.now(),
    )
    kept = _target(
        conversation,
        kind=TargetKind.RESOLUTION,
        basis=TimeBasis.CALENDAR,
        target_seconds=8 * 3600,
        state=TargetState.MET,
        elapsed_seconds=3 * 3600,
    )
    with translation.override("en"):
        assert outcome_text(breached) == "First reply in 1 h 12 m business time; breached by 12 m"
        assert outcome_text(kept) == "Resolution in 3 h; within the 8 h target"


def test_the_conversation_shows_an_sla_panel_with_each_target(agent_client, inbox):
    conversation = conversation_for(inbox)
    policy = SlaPolicy.objects.create(name="Enterprise", first_reply_minutes=60)
    now = timezone.now()
    _target(
        conversation,
        policy=policy,
        state=TargetState.MET,
        elapsed_seconds=72 * 60,
        breached_at=now - dt.timedelta(minutes=20),
        met_at=now - dt.timedelta(minutes=8),
    )
    _target(
        conversation,
        policy=policy,
        kind=TargetKind.NEXT_REPLY,
        target_seconds=1800,
        due_at=now + dt.timedelta(minutes=25),
        at_risk_at=now + dt.timedelta(minutes=15),
        running_since=now,
    )
    _target(
        conversation,
        policy=policy,
        kind=TargetKind.RESOLUTION,
        target_seconds=8 * 3600,
        state=TargetState.PAUSED,
        spent_seconds=3 * 3600,
    )
    _target(conversation, kind=TargetKind.RESOLUTION, state=TargetState.CANCELLED)
    conversation_set_sla_due(
        conversation_id=conversation.pk,
        due_at=now + dt.timedelta(minutes=25),
        at_risk_at=now + dt.timedelta(minutes=15),
    )
    html = agent_client.get(reverse("web:conversation", args=[conversation.pk])).content.decode()
    panel = html[
        html.index("data-sla-panel") : html.index("</section>", html.index("data-sla-panel"))
    ]
    assert "First reply in 1 h 12 m business time; breached by 12 m" in panel
    assert "Next reply: " in panel
    assert "due in 25 m" in panel
    assert "Resolution: paused, 5 h left" in panel
    assert panel.count("<li") == 3  # the cancelled one is left out
    # The header counts down to the next due time too.
    facts = html.index('class="conversation-facts"')
    header = html[facts : html.index("</p>", facts)]
    assert "due in 25 m" in header


def test_a_conversation_without_targets_has_no_sla_panel(agent_client, conversation):
    html = agent_client.get(reverse("web:conversation", args=[conversation.pk])).content.decode()
    assert "data-sla-panel" not in html
    assert "data-sla-texts" not in html


def test_countdown_words_at_the_edges():
    from carefront.web.sla_display import AT_RISK, BREACHED, OK, countdown_text, state_of

    now = timezone.now()
    due = now + dt.timedelta(seconds=30)
    with translation.override("en"):
        # Time left is rounded up: never "0 m" while time remains.
        assert countdown_text(state_of(due, None, now), due, now) == "due in 1 m"
        assert state_of(due, now, now) == AT_RISK
        assert state_of(now, now - dt.timedelta(minutes=5), now) == BREACHED
        assert state_of(due, due, now) == OK
        assert countdown_text(BREACHED, now - dt.timedelta(seconds=59), now) == "breached just now"
        assert countdown_text(BREACHED, now - dt.timedelta(hours=26), now) == "breached 1 d 2 h ago"
