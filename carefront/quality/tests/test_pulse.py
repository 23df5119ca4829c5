"""The anonymous pulse: one answer per agent and round, nothing stored that leads back to the
agent (no agent column, no time, random ids, a random storage order), results per team only
for closed rounds with at least 5 answers, next to the team's CSAT."""

import datetime as dt
import itertools

import pytest
from django.db import connection

from carefront.accounts.tests.factories import TeamFactory
from carefront.core.exceptions import InvalidInput, NotFound, PermissionDenied
from carefront.feedback.tests.factories import rated
from carefront.quality.models import PulseAnswer, PulseAnswered, PulseRound
from carefront.quality.selectors_people import MIN_GROUP, pulse_answer_count, pulse_results
from carefront.quality.services.pulse import (
    ROUND_DAYS,
    pulse_round_announce,
    pulse_round_current,
    round_start,
)

from .people_factories import answer, lead_of, team_with_members

pytestmark = pytest.mark.django_db


def close_round(rounds_back: int = 1) -> PulseRound:
    """Move the open round into the past, as if two weeks had gone by."""
    pulse_round = pulse_round_current()
    shift = dt.timedelta(days=ROUND_DAYS * rounds_back)
    PulseRound.objects.filter(pk=pulse_round.pk).update(
        starts_on=pulse_round.starts_on - shift, ends_on=pulse_round.ends_on - shift
    )
    pulse_round.refresh_from_db()
    return pulse_round


def test_rounds_start_on_mondays_every_two_weeks():
    starts = {round_start(dt.date(2026, 3, 1) + dt.timedelta(days=d)) for d in range(60)}
    assert all(day.weekday() == 0 for day in starts)
    ordered = sorted(starts)
    assert all((b - a).days == ROUND_DAYS for a, b in itertools.pairwise(ordered))


def test_an_answer_stores_no_agent_and_no_time():
    columns = {f.column for f in PulseAnswer._meta.get_fields() if hasattr(f, "column")}
    assert columns == {
        "id",
        "round_id",
        "team_id",
        "feeling",
        "workload",
        "support",
        "enps",
        "comment",
    }
    answered = {f.column for f in PulseAnswered._meta.get_fields() if hasattr(f, "column")}
    assert answered == {"id", "round_id", "agent_id"}  # no link to the answer, no time


def test_the_database_rows_hold_no_agent_id(agent, team):
    answer(agent, comment="Busy but fine")
    with connection.cursor() as cursor:
        table = PulseAnswer._meta.db_table
        cursor.execute(f"SELECT * FROM {table}")  # noqa: S608
        names = [c[0] for c in cursor.description]
        rows = cursor.fetchall()
    assert "agent_id" not in names
    assert not any("time" in n or "_at" in n or "created" in n for n in names)
    assert len(rows) == 1
    row = dict(zip(names, rows[0], strict=True))
    assert {k: row[k] for k in ("feeling", "workload", "support", "enps", "comment")} == {
        "feeling": 4,
        "workload": 3,
        "support": 5,
        "enps": 9,
        "comment": "Busy but fine",
    }
    assert PulseAnswer.objects.get().team_id == team.pk


def test_an_agent_answers_once_per_round(agent):
    answer(agent)
    with pytest.raises(InvalidInput):
        answer(agent, feeling=1)
    assert PulseAnswer.objects.count() == 1
    assert PulseAnswer.objects.get().feeling == 4


def test_out_of_range_values_are_refused(agent):
    with pytest.raises(InvalidInput):
        answer(agent, enps=11)
    with pytest.raises(InvalidInput):
        answer(agent, feeling=0)
    assert not PulseAnswer.objects.exists() and not PulseAnswered.objects.exists()


def test_an_agent_cannot_answer_for_a_team_they_are_not_in(agent):
    with pytest.raises(NotFound):
        answer(agent, TeamFactory())
    assert not PulseAnswered.objects.exists()


def test_an_agent_in_two_teams_chooses_one(agent, team):
    second = TeamFactory()
    second.members.add(agent)
    with pytest.raises(InvalidInput):
        answer(agent)
    answer(agent, second)
    assert PulseAnswer.objects.get().team_id == second.pk


def test_ids_are_random_and_rewritten_in_a_random_order_on_every_answer():
    _team, members = team_with_members(8)
    previous_ids: set = set()
    for i, member in enumerate(members):
        answer(member, feeling=1 + i % 5, enps=i)
        ids = list(PulseAnswer.objects.values_list("id", flat=True))
        assert not (set(ids) & previous_ids)  # every id is new after each answer
        previous_ids = set(ids)
        assert all(value.version == 4 for value in ids)
    stored = list(PulseAnswer.objects.order_by("pk").values_list("enps", flat=True))
    assert sorted(stored) == list(range(8))


def test_results_are_hidden_below_five_answers_and_shown_from_five():
    team, members = team_with_members(5)
    lead = lead_of(team)
    for member in members[:4]:
        answer(member, enps=10)
    close_round()
    _team, results = pulse_results(actor=lead, team_id=team.pk)
    assert results[0].answers == 4 and not results[0].shown
    assert results[0].feeling is None and results[0].enps is None and results[0].comments == []
    PulseAnswered.objects.all().delete()
    PulseRound.objects.all().delete()
    for i, member in enumerate(members):
        answer(
            member,
            feeling=5 - (i == 0),
            workload=2,
            support=4,
            enps=[10, 9, 8, 5, 0][i],
            comment="More breaks please" if i == 3 else "",
        )
    close_round()
    _team, results = pulse_results(actor=lead, team_id=team.pk)
    result = results[0]
    assert result.answers == MIN_GROUP and result.shown
    assert result.feeling == 4.8 and result.workload == 2.0 and result.support == 4.0
    assert result.enps == 0  # 2 promoters, 2 detractors of 5
    assert result.comments == ["More breaks please"]


def test_results_of_the_open_round_are_not_shown_only_a_count():
    team, members = team_with_members(6)
    lead = lead_of(team)
    for member in members:
        answer(member)
    _team, results = pulse_results(actor=lead, team_id=team.pk)
    assert results == []
    assert pulse_answer_count(actor=lead, team_id=team.pk) == 6


def test_results_sit_next_to_the_teams_csat_for_the_same_period(inbox):
    team, members = team_with_members(5)
    lead = lead_of(team)
    inbox.teams.add(team)
    for member in members:
        answer(member)
    pulse_round = close_round()
    # Ratings credited to members inside the round's period.
    from carefront.feedback.models import Rating

    rated(inbox, members[0], score="great", from_address="a@example.com")
    rated(inbox, members[1], score="not_good", from_address="b@example.com")
    inside = dt.datetime.combine(pulse_round.starts_on, dt.time(12), tzinfo=dt.UTC)
    Rating.objects.update(created_at=inside)
    _team, results = pulse_results(actor=lead, team_id=team.pk)
    assert results[0].ratings == 2 and results[0].csat == 50.0


def test_leads_see_only_teams_they_lead_and_agents_none(agent, team):
    other, _ = team_with_members(1)
    lead = lead_of(team)
    with pytest.raises(NotFound):
        pulse_results(actor=lead, team_id=other.pk)
    with pytest.raises(PermissionDenied):
        pulse_results(actor=agent, team_id=team.pk)


def test_the_three_queries_do_not_grow_with_rounds(django_assert_num_queries, admin):
    team, members = team_with_members(5)
    for i in range(4):
        for member in members:
            answer(member)
        close_round(rounds_back=4 - i)
        PulseAnswered.objects.all().delete()
    with django_assert_num_queries(5):  # team, rounds, aggregates, comments, CSAT
        pulse_results(actor=admin, team_id=team.pk)


def test_agents_are_told_once_per_round_that_the_pulse_is_open(agent):
    from carefront.notifications.models import Notification

    assert pulse_round_announce() >= 1
    assert pulse_round_announce() == 0
    note = Notification.objects.get(recipient=agent, kind="pulse_open")
    assert note.params["path"] == "/wellbeing/"


def test_no_admin_page_lists_single_answers():
    from django.contrib import admin

    assert not admin.site.is_registered(PulseAnswer)
    assert not admin.site.is_registered(PulseAnswered)


def test_announcing_a_round_queues_the_next_ones_announcement(monkeypatch, agent):
    from django.test import TestCase

    from carefront.quality import people_tasks

    scheduled = []

    class Deferring:
        supports_defer = True

    class Using:
        def __init__(self, run_after):
            self.run_after = run_after

        def enqueue(self):
            scheduled.append(self.run_after)

    class FakeTask:
        def get_backend(self):
            return Deferring()

        def using(self, run_after):
            return Using(run_after)

    monkeypatch.setattr(people_tasks, "pulse_round_announce_task", FakeTask())
    with TestCase.captureOnCommitCallbacks(execute=True):
        pulse_round_announce()
    ends_on = pulse_round_current().ends_on
    assert scheduled == [dt.datetime.combine(ends_on, dt.time.min, tzinfo=dt.UTC)]
