"""Known feedback data for the report's tests: ratings, surveys, recovery tasks and NPS answers
of March 2026 in two teams, written directly with exact dates (the report reads what the
services wrote)."""

import datetime as dt
import itertools

from carefront.accounts.models import Role
from carefront.accounts.tests.factories import AgentFactory, TeamFactory
from carefront.conversations.models import Conversation
from carefront.conversations.tests.factories import conversation_for
from carefront.feedback.models import (
    NpsCampaign,
    NpsInvitation,
    NpsResponse,
    Rating,
    RecoveryTask,
    Survey,
)
from carefront.feedback.models.nps import month_start, week_start
from carefront.inboxes.tests.factories import InboxFactory

UTC = dt.UTC
_serial = itertools.count(1)


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=UTC)


def survey_for(conversation, agent, *, sent_at, status="sent") -> Survey:
    n = next(_serial)
    return Survey.objects.create(
        conversation=conversation,
        customer=conversation.customer,
        agent=agent,
        status=status,
        send_after=sent_at,
        sent_at=sent_at if status == "sent" else None,
        token_salt=f"salt-{n}",
        token_hash=f"hash-{n}",
    )


def rating_for(conversation, agent, score: str, *, when: dt.datetime) -> Rating:
    """A survey sent an hour before, answered at `when` (rows written directly: the report
    reads what the services wrote, and the dates must be exact)."""
    survey = survey_for(conversation, agent, sent_at=when - dt.timedelta(hours=1))
    rating = Rating.objects.create(
        survey=survey,
        conversation=conversation,
        customer=conversation.customer,
        agent=agent,
        score=score,
    )
    Rating.objects.filter(pk=rating.pk).update(created_at=when)
    return rating


def task_for(conversation, agent, *, opened: dt.datetime, hours: float | None) -> RecoveryTask:
    closed = opened + dt.timedelta(hours=hours) if hours is not None else None
    task = RecoveryTask.objects.create(
        source_kind="csat",
        source_id=next(_serial),
        reason="bad_rating",
        customer=conversation.customer,
        conversation=conversation,
        inbox=conversation.inbox,
        agent=agent,
        due_at=opened + dt.timedelta(hours=8),
        state="closed" if closed else "open",
        outcome="resolved" if closed else "",
        closed_at=closed,
    )
    RecoveryTask.objects.filter(pk=task.pk).update(created_at=opened)
    return task


def nps_answers(inbox, scores: list[int], *, invited: int, when: dt.datetime) -> None:
    campaign = NpsCampaign.objects.create(name="Spring", sender_inbox=inbox, status="sent")
    for i in range(invited):
        conversation = conversation_for(inbox, from_address=f"nps{next(_serial)}@example.com")
        n = next(_serial)
        invitation = NpsInvitation.objects.create(
            campaign=campaign,
            customer=conversation.customer,
            status="sent",
            sent_at=when - dt.timedelta(hours=2),
            token_salt=f"nps-salt-{n}",
            token_hash=f"nps-hash-{n}",
        )
        if i < len(scores):
            NpsResponse.objects.create(
                invitation=invitation,
                campaign=campaign,
                customer=conversation.customer,
                score=scores[i],
                answered_at=when,
                answered_week=week_start(when),
                answered_month=month_start(when),
                updated_at=when,
            )


def report_world() -> dict:
    """Two teams, each with an inbox and an agent; known ratings, surveys, tasks and answers
    in March 2026, some near midnight (Berlin is UTC+1, UTC+2 from 29 March)."""
    north, south = TeamFactory(name="North"), TeamFactory(name="South")
    inbox_a = InboxFactory(name="Alpha", teams=[north])
    inbox_b = InboxFactory(name="Beta", teams=[south])
    ann = AgentFactory(name="Ann", role=Role.AGENT)
    bob = AgentFactory(name="Bob", role=Role.AGENT)
    north.members.add(ann)
    south.members.add(bob)
    lead = AgentFactory(name="Lena", role=Role.LEAD)
    north.members.add(lead)
    admin = AgentFactory(name="Ada", role=Role.ADMIN)

    def conversation(inbox, team):
        c = conversation_for(inbox, from_address=f"c{next(_serial)}@example.com")
        Conversation.objects.filter(pk=c.pk).update(team=team)
        c.refresh_from_db()
        return c

    a1, a2, b1 = (
        conversation(inbox_a, north),
        conversation(inbox_a, north),
        conversation(inbox_b, south),
    )
    # Sunday 1 March 00:30 in Berlin, still 28 February in UTC.
    rating_for(a1, ann, "great", when=at("2026-02-28T23:30"))
    # Monday 2 March 00:30 in Berlin, Sunday 1 March in UTC.
    rating_for(a1, ann, "great", when=at("2026-03-01T23:30"))
    rating_for(a2, ann, "okay", when=at("2026-03-10T12:00"))
    # Monday 30 March 00:30 in Berlin (summer time), Sunday 29 March in UTC.
    rating_for(a2, ann, "not_good", when=at("2026-03-29T22:30"))
    rating_for(b1, bob, "great", when=at("2026-03-15T09:00"))
    # Two surveys of Alpha sent and never answered, one not sent at all.
    survey_for(a1, ann, sent_at=at("2026-03-05T10:00"))
    survey_for(a2, ann, sent_at=at("2026-03-20T10:00"))
    survey_for(a2, ann, sent_at=at("2026-03-20T10:00"), status="cancelled")
    # Outside the month in both zones.
    rating_for(b1, bob, "not_good", when=at("2026-04-05T10:00"))
    task_for(a2, ann, opened=at("2026-03-10T13:00"), hours=2)
    task_for(a2, ann, opened=at("2026-03-11T13:00"), hours=10)
    task_for(a2, ann, opened=at("2026-03-12T13:00"), hours=None)
    task_for(b1, bob, opened=at("2026-03-15T10:00"), hours=30)
    nps_answers(inbox_a, [10, 9, 7, 3], invited=5, when=at("2026-03-18T10:00"))
    return {
        "admin": admin,
        "lead": lead,
        "ann": ann,
        "bob": bob,
        "inbox_a": inbox_a,
        "inbox_b": inbox_b,
    }


MARCH = {"since": dt.date(2026, 3, 1), "until": dt.date(2026, 3, 31)}
