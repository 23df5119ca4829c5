"""The feedback report: CSAT, response rate, NPS and recovery by inbox, team and agent, per day,
week or month in the report's time zone, scoped to what the reader may see, in a constant
number of queries."""

import datetime as dt

import pytest

from carefront.accounts.models import Role
from carefront.accounts.tests.factories import AgentFactory, TeamFactory
from carefront.conversations.tests.factories import conversation_for
from carefront.core.exceptions import InvalidInput
from carefront.feedback.reports import feedback_report, percentile, report_period_starts
from carefront.feedback.tests.report_data import MARCH, at, rating_for, report_world, task_for
from carefront.inboxes.tests.factories import InboxFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db):
    return report_world()


def test_csat_response_rate_and_nps_over_the_range(world):
    report = feedback_report(actor=world["admin"], time_zone="Europe/Berlin", **MARCH)
    assert (report.csat.great, report.csat.okay, report.csat.not_good) == (3, 1, 1)
    assert report.csat.csat == 60.0
    assert report.csat.average == 2.4  # (3 * 3 + 2 + 1) / 5
    # Surveys count in the period they were sent: six in March, Berlin time (the first
    # rating's survey went out on 28 February), four of them answered; the cancelled one is
    # not counted.
    assert (report.csat.sent, report.csat.answered) == (6, 4)
    assert report.csat.response_rate == 66.7
    assert (report.nps.promoters, report.nps.passives, report.nps.detractors) == (2, 1, 1)
    assert report.nps.nps == 25.0
    assert report.nps.invited == 5
    assert report.nps.response_rate == 80.0


def test_days_are_the_report_time_zones(world):
    berlin = feedback_report(actor=world["admin"], time_zone="Europe/Berlin", period="day", **MARCH)
    utc = feedback_report(actor=world["admin"], time_zone="UTC", period="day", **MARCH)
    # 28 February 23:30 UTC is 1 March in Berlin: in the Berlin report, not in the UTC one.
    assert berlin.csat.ratings == 5
    assert utc.csat.ratings == 4
    berlin_days = {p.start: p.csat.ratings for p in berlin.trend}
    assert berlin_days[dt.date(2026, 3, 1)] == 1
    assert berlin_days[dt.date(2026, 3, 2)] == 1
    assert berlin_days[dt.date(2026, 3, 30)] == 1  # after the change to summer time
    assert berlin_days[dt.date(2026, 3, 29)] == 0
    utc_days = {p.start: p.csat.ratings for p in utc.trend}
    assert utc_days[dt.date(2026, 3, 1)] == 1
    assert utc_days[dt.date(2026, 3, 29)] == 1
    assert utc_days[dt.date(2026, 3, 30)] == 0


def test_the_trend_has_every_week_and_month_of_the_range(world):
    weeks = feedback_report(actor=world["admin"], time_zone="Europe/Berlin", period="week", **MARCH)
    # 1 March 2026 is a Sunday: its week starts on 23 February.
    assert [p.start for p in weeks.trend] == [
        dt.date(2026, 2, 23),
        dt.date(2026, 3, 2),
        dt.date(2026, 3, 9),
        dt.date(2026, 3, 16),
        dt.date(2026, 3, 23),
        dt.date(2026, 3, 30),
    ]
    assert [p.csat.ratings for p in weeks.trend] == [1, 1, 2, 0, 0, 1]
    assert [p.nps.responses for p in weeks.trend] == [0, 0, 0, 4, 0, 0]
    months = feedback_report(
        actor=world["admin"],
        time_zone="Europe/Berlin",
        period="month",
        since=dt.date(2026, 2, 1),
        until=dt.date(2026, 4, 30),
    )
    assert [(p.start.month, p.csat.ratings) for p in months.trend] == [(2, 0), (3, 5), (4, 1)]


def test_rows_per_inbox_team_and_agent(world):
    by_inbox = feedback_report(actor=world["admin"], time_zone="Europe/Berlin", **MARCH)
    alpha, beta = by_inbox.rows
    assert (alpha.name, alpha.csat.ratings, alpha.csat.csat, alpha.csat.average) == (
        "Alpha",
        4,
        50.0,
        2.25,
    )
    assert (alpha.csat.sent, alpha.csat.answered) == (5, 3)
    assert alpha.nps.nps == 25.0
    assert (beta.name, beta.csat.csat, beta.nps) == ("Beta", 100.0, None)
    by_team = feedback_report(
        actor=world["admin"], time_zone="Europe/Berlin", dimension="team", **MARCH
    )
    assert [(r.name, r.csat.ratings) for r in by_team.rows] == [("North", 4), ("South", 1)]
    by_agent = feedback_report(
        actor=world["admin"], time_zone="Europe/Berlin", dimension="agent", **MARCH
    )
    assert [(r.name, r.csat.great) for r in by_agent.rows] == [("Ann", 2), ("Bob", 1)]
    assert all(r.nps is None for r in by_agent.rows)


def test_recovery_outcomes_and_time_to_recover(world):
    report = feedback_report(actor=world["admin"], time_zone="UTC", **MARCH)
    assert (report.recovery.opened, report.recovery.closed) == (4, 3)
    assert report.recovery.by_outcome == {"resolved": 3}
    assert report.recovery.median_hours == 10.0
    assert report.recovery.p90_hours == 26.0  # 10 + 0.8 * (30 - 10)
    assert report.recovery.on_time_pct == 33.3  # due in 8 hours: only the 2-hour one
    alpha = next(r for r in report.rows if r.name == "Alpha")
    assert (alpha.recovery.opened, alpha.recovery.median_hours) == (3, 6.0)
    assert alpha.recovery.p90_hours == 9.2


def test_a_lead_sees_their_teams_and_an_agent_only_their_own(world):
    lead = feedback_report(actor=world["lead"], time_zone="Europe/Berlin", **MARCH)
    assert lead.scope == "teams"
    assert [r.name for r in lead.rows] == ["Alpha"]
    assert lead.csat.ratings == 4
    assert lead.recovery.opened == 3
    assert lead.nps.responses == 4  # Alpha is their team's inbox
    bob = feedback_report(actor=world["bob"], time_zone="Europe/Berlin", **MARCH)
    assert bob.scope == "own"
    assert bob.shows_nps is False
    assert bob.nps.responses == 0
    assert [(r.name, r.csat.ratings) for r in bob.rows] == [("Beta", 1)]
    assert bob.recovery.opened == 1


def test_a_lead_of_no_team_sees_nothing(world):
    loner = AgentFactory(role=Role.LEAD)
    report = feedback_report(actor=loner, time_zone="UTC", **MARCH)
    assert report.rows == []
    assert report.csat.ratings == report.nps.responses == report.recovery.opened == 0


@pytest.mark.parametrize("dimension", ["inbox", "team", "agent"])
def test_the_query_count_does_not_grow_with_the_data(world, dimension, django_assert_num_queries):
    with django_assert_num_queries(6):
        feedback_report(
            actor=world["admin"], dimension=dimension, time_zone="Europe/Berlin", **MARCH
        )
    inbox_c = InboxFactory(name="Gamma", teams=[TeamFactory(name="West")])
    for i in range(6):
        c = conversation_for(inbox_c, from_address=f"more{i}@example.com")
        rating_for(c, world["ann"], "okay", when=at(f"2026-03-0{i + 2}T10:00"))
        task_for(c, world["ann"], opened=at(f"2026-03-0{i + 2}T11:00"), hours=i)
    with django_assert_num_queries(6):
        report = feedback_report(
            actor=world["admin"], dimension=dimension, time_zone="Europe/Berlin", **MARCH
        )
    assert report.csat.ratings == 11


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"period": "year"}, "day, week or month"),
        ({"dimension": "customer"}, "inbox, team or agent"),
        ({"time_zone": "Mars/Olympus"}, "Unknown time zone"),
        ({"since": dt.date(2026, 4, 1), "until": dt.date(2026, 3, 1)}, "before its start"),
        ({"since": dt.date(2020, 1, 1), "until": dt.date(2026, 3, 1)}, "at most"),
        ({"since": dt.date(2025, 1, 1), "period": "day"}, "Daily figures"),
    ],
)
def test_bad_parameters_are_refused_clearly(world, fields, message):
    params = {**MARCH, **fields}
    with pytest.raises(InvalidInput, match=message):
        feedback_report(actor=world["admin"], **params)


def test_period_starts_and_percentiles():
    assert report_period_starts(
        since=dt.date(2026, 1, 31), until=dt.date(2026, 3, 1), period="month"
    ) == [dt.date(2026, 1, 1), dt.date(2026, 2, 1), dt.date(2026, 3, 1)]
    assert percentile([], 90) is None
    assert percentile([5.0], 90) == 5.0
    assert percentile([1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 11.0], 90) == 10.0


def test_offset_spans_find_the_changes_to_the_second():
    from zoneinfo import ZoneInfo

    from carefront.feedback.reports import _offset_spans

    berlin = ZoneInfo("Europe/Berlin")
    spans = _offset_spans(
        berlin,
        dt.datetime(2026, 1, 1, tzinfo=berlin),
        dt.datetime(2027, 1, 1, tzinfo=berlin),
    )
    assert spans == [
        (dt.datetime(2026, 3, 29, 1, 0, tzinfo=dt.UTC), 3600),
        (dt.datetime(2026, 10, 25, 1, 0, tzinfo=dt.UTC), 7200),
        (None, 3600),
    ]
    kolkata = ZoneInfo("Asia/Kolkata")
    assert _offset_spans(
        kolkata, dt.datetime(2026, 1, 1, tzinfo=kolkata), dt.datetime(2026, 2, 1, tzinfo=kolkata)
    ) == [(None, 19800)]


def test_a_half_hour_zone_cuts_days_at_its_own_midnight(world):
    # 18:45 UTC is 00:15 the next day in Kolkata (UTC+5:30).
    conversation = conversation_for(InboxFactory(name="Gamma"), from_address="k@example.com")
    rating_for(conversation, world["ann"], "great", when=at("2026-03-20T18:45"))
    report = feedback_report(actor=world["admin"], time_zone="Asia/Kolkata", period="day", **MARCH)
    days = {p.start: p.csat.ratings for p in report.trend}
    assert days[dt.date(2026, 3, 21)] == 1
    assert days[dt.date(2026, 3, 20)] == 0
