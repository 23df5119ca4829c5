"""Builders for the people side of quality tests (training, kudos, pulse)."""

import datetime as dt

from django.test import TestCase
from django.utils import timezone

from carefront.accounts.models import Role
from carefront.accounts.tests.factories import AgentFactory, TeamFactory
from carefront.quality.services.pulse import pulse_answer


def after_commit():
    return TestCase.captureOnCommitCallbacks(execute=True)


def lead_of(team, **fields):
    lead = AgentFactory(role=Role.LEAD, **fields)
    team.members.add(lead)
    return lead


def team_with_members(n: int, **fields):
    team = TeamFactory(**fields)
    members = [AgentFactory(role=Role.AGENT) for _ in range(n)]
    team.members.add(*members)
    return team, members


def answer(agent, team=None, *, feeling=4, workload=3, support=5, enps=9, comment="", now=None):
    pulse_answer(
        actor=agent,
        team_id=team.pk if team is not None else None,
        feeling=feeling,
        workload=workload,
        support=support,
        enps=enps,
        comment=comment,
        now=now,
    )


def in_days(days: float) -> dt.datetime:
    return timezone.now() + dt.timedelta(days=days)
