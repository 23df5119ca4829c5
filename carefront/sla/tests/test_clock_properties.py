"""Properties of the SLA clocks for any calendar moment (hypothesis, no database): pause and
resume, a policy change mid-way and a reopen keep exactly the business time that ran, across
weekends, lunch breaks and both DST changes (Europe and America)."""

import datetime as dt
from types import SimpleNamespace

from hypothesis import given, settings
from hypothesis import strategies as st

from carefront.conversations.models import Status
from carefront.sla.business_time import Schedule, business_time_between
from carefront.sla.models import SlaPolicy, SlaTarget, TargetKind, TargetState
from carefront.sla.selectors import CalendarDirectory
from carefront.sla.services.targets import _Clocks

LUNCH = ((9 * 60, 12 * 60 + 30), (13 * 60 + 30, 17 * 60 + 30))
CALENDARS = {
    "Europe/Berlin": Schedule("Europe/Berlin", (LUNCH,) * 5 + ((), ())),
    "America/New_York": Schedule("America/New_York", (((9 * 60, 17 * 60),),) * 6 + ((),)),
}
# Around both DST changes of 2026: US 8 March and 1 November, EU 29 March and 25 October.
WINDOWS = [
    dt.datetime(2026, 3, 5, tzinfo=dt.UTC),
    dt.datetime(2026, 3, 26, tzinfo=dt.UTC),
    dt.datetime(2026, 10, 22, tzinfo=dt.UTC),
]
MINUTE = dt.timedelta(minutes=1)


def policy(pk: int, minutes: int, lead: int = 30) -> SlaPolicy:
    return SlaPolicy(
        pk=pk,
        name=f"p{pk}",
        first_reply_minutes=minutes,
        first_reply_basis="business",
        resolution_minutes=minutes * 4,
        resolution_basis="business",
        at_risk_minutes=lead,
    )


def clocks_at(zone: str, now: dt.datetime, targets=(), status=Status.OPEN) -> _Clocks:
    directory = CalendarDirectory(schedules={1: CALENDARS[zone]}, by_inbox={1: 1})
    conversation = SimpleNamespace(pk=1, inbox_id=1, team_id=None, status=status, waiting_since=now)
    return _Clocks(conversation, list(targets), now=now, directory=directory, policies={})


def start(zone: str, at: dt.datetime, p: SlaPolicy) -> tuple[_Clocks, SlaTarget]:
    clocks = clocks_at(zone, at)
    clocks.start(TargetKind.FIRST_REPLY, p)
    return clocks, clocks.active[TargetKind.FIRST_REPLY]


def moments(draw_gaps: list[int], base: dt.datetime) -> list[dt.datetime]:
    out, t = [], base
    for gap in draw_gaps:
        t += gap * MINUTE
        out.append(t)
    return out


zones = st.sampled_from(sorted(CALENDARS))
bases = st.builds(
    lambda window, offset: window + offset * MINUTE,
    st.sampled_from(WINDOWS),
    st.integers(0, 7 * 24 * 60),
)
gaps = st.lists(st.integers(1, 3 * 24 * 60), min_size=1, max_size=8)


@settings(max_examples=150, deadline=None)
@given(zone=zones, base=bases, steps=gaps, minutes=st.integers(1, 3000))
def test_pause_and_resume_keep_exactly_the_business_time_that_ran(zone, base, steps, minutes):
    schedule = CALENDARS[zone]
    clocks, target = start(zone, base, policy(1, minutes))
    expected = dt.timedelta(0)
    running_since = base
    times = moments(steps, base)
    for index, at in enumerate(times[:-1]):
        clocks.now = at
        if index % 2 == 0:
            clocks.pause_all()
            expected += business_time_between(schedule, running_since, at)
            assert target.state == TargetState.PAUSED
            assert target.spent_seconds == expected.total_seconds()
        else:
            clocks.resume_all()
            running_since = at
            remaining = target.target_seconds - target.spent_seconds
            if remaining > 0:
                # The new due time is exactly the time left, in business time.
                assert business_time_between(schedule, at, target.due_at).total_seconds() == (
                    remaining
                )
    clocks.now = times[-1]
    if target.state == TargetState.RUNNING:
        expected += business_time_between(schedule, running_since, times[-1])
    clocks.meet([TargetKind.FIRST_REPLY])
    assert target.elapsed_seconds == expected.total_seconds()
    # Over the target is breached; so is a target met after its due moment even with no
    # business time between (due at closing time, answered in the evening).
    if target.elapsed_seconds > target.target_seconds:
        assert target.breached_at is not None
    if target.breached_at is not None:
        assert target.breached_at < target.met_at


@settings(max_examples=150, deadline=None)
@given(
    zone=zones,
    base=bases,
    gap=st.integers(0, 5 * 24 * 60),
    before=st.integers(1, 3000),
    after=st.integers(1, 3000),
)
def test_a_policy_change_midway_keeps_the_time_spent(zone, base, gap, before, after):
    schedule = CALENDARS[zone]
    clocks, target = start(zone, base, policy(1, before))
    changed_at = base + gap * MINUTE
    clocks.now = changed_at
    clocks.apply_policy(policy(2, after, lead=10), agent_replied=False)
    spent = business_time_between(schedule, base, changed_at).total_seconds()
    assert target.spent_seconds == spent
    assert target.target_seconds == after * 60
    if spent < after * 60:
        assert (
            business_time_between(schedule, changed_at, target.due_at).total_seconds()
            == after * 60 - spent
        )
        assert target.at_risk_at <= target.due_at
    else:
        # Already past the new target: due when it first ran out, or at the change.
        assert target.due_at <= changed_at


@settings(max_examples=100, deadline=None)
@given(zone=zones, base=bases, steps=st.lists(st.integers(1, 3 * 24 * 60), min_size=3, max_size=3))
def test_a_reopened_resolution_adds_the_new_run_to_the_time_it_had_taken(zone, base, steps):
    schedule = CALENDARS[zone]
    clocks = clocks_at(zone, base)
    clocks.start(TargetKind.RESOLUTION, policy(1, 600))
    target = clocks.active[TargetKind.RESOLUTION]
    solved, reopened, solved_again = moments(steps, base)
    clocks.now = solved
    clocks.meet([TargetKind.RESOLUTION])
    first_run = target.elapsed_seconds
    clocks.now = reopened
    clocks.reactivate(target)
    assert target.spent_seconds == first_run
    clocks.now = solved_again
    clocks.meet([TargetKind.RESOLUTION])
    assert (
        target.elapsed_seconds
        == (
            business_time_between(schedule, base, solved)
            + business_time_between(schedule, reopened, solved_again)
        ).total_seconds()
    )


@settings(max_examples=100, deadline=None)
@given(zone=zones, base=bases, minutes=st.integers(31, 3000))
def test_at_risk_comes_the_lead_before_the_due_time(zone, base, minutes):
    schedule = CALENDARS[zone]
    _clocks, target = start(zone, base, policy(1, minutes, lead=30))
    assert business_time_between(schedule, target.at_risk_at, target.due_at) == 30 * MINUTE
