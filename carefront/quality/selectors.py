"""Read-side queries of the quality app, scoped by the acting agent: an agent sees their own
marks, a lead those of the agents in their teams (and their own), an admin everyone's."""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, QuerySet
from django.db.models.functions import TruncWeek
from django.utils.translation import gettext as _

from carefront.accounts.models import Agent, Role, Team
from carefront.core.exceptions import InvalidInput
from carefront.core.pagination import NewestFirstPage, newest_first_page

from .behaviours import Behaviour, Outcome, ReplyMark
from .models import QaMark

PAGE_KIND = "qa-marks"


def reply_marks_for_conversation(conversation_id: int) -> dict[int, list[ReplyMark]]:
    """The auto-QA marks of every checked agent reply in a conversation, by message id (the
    current check of each; in the order of `Behaviour`). One query.

    Contract for the review scorecards (prefill); callers scope the conversation themselves.
    """
    order = {b: i for i, b in enumerate(Behaviour.values)}
    by_message: dict[int, list[ReplyMark]] = defaultdict(list)
    rows = QaMark.objects.filter(conversation_id=conversation_id, is_current=True).values_list(
        "message_id", "behaviour", "outcome", "evidence", "hint"
    )
    for message_id, behaviour, outcome, evidence, hint in rows:
        by_message[message_id].append(ReplyMark(behaviour, outcome, evidence, hint))
    for marks in by_message.values():
        marks.sort(key=lambda m: order.get(m.behaviour, len(order)))
    return dict(by_message)


def visible_agent_ids(actor: Agent) -> set[int] | None:
    """The agents whose marks `actor` may read; None: everyone's (admins). One query for a
    lead."""
    if actor.role == Role.ADMIN:
        return None
    if actor.role == Role.LEAD:
        ids = set(
            Team.members.through.objects.filter(
                team_id__in=Team.members.through.objects.filter(agent_id=actor.pk).values("team_id")
            ).values_list("agent_id", flat=True)
        )
        return ids | {actor.pk}
    return {actor.pk}


def visible_team_ids(actor: Agent) -> set[int] | None:
    if actor.role == Role.ADMIN:
        return None
    if actor.role == Role.LEAD:
        return set(actor.teams.values_list("pk", flat=True))
    return set()


def marks_visible_to(*, actor: Agent) -> QuerySet[QaMark]:
    marks = QaMark.objects.filter(is_current=True)
    agent_ids = visible_agent_ids(actor)
    return marks if agent_ids is None else marks.filter(agent_id__in=agent_ids)


def marks_for_conversation_page(*, actor: Agent, conversation_id: int) -> dict[int, list]:
    """The marks shown under the replies of a conversation the actor has opened: their own
    replies' marks; a lead's team members'; all for admins. One query (two for a lead)."""
    order = {b: i for i, b in enumerate(Behaviour.values)}
    by_message: dict[int, list[QaMark]] = defaultdict(list)
    for mark in marks_visible_to(actor=actor).filter(conversation_id=conversation_id):
        by_message[mark.message_id].append(mark)
    for marks in by_message.values():
        marks.sort(key=lambda m: order.get(m.behaviour, len(order)))
    return dict(by_message)


@dataclass
class MarkFilters:
    conversation_id: int | None = None
    agent_id: int | None = None
    team_id: int | None = None
    behaviour: str | None = None
    outcome: str | None = None
    since: dt.datetime | None = None
    until: dt.datetime | None = None


def mark_page(
    *, actor: Agent, filters: MarkFilters, cursor: str | None, limit: int
) -> NewestFirstPage[QaMark]:
    """Marks newest first, filtered; an agent or team the actor may not see gives an empty
    page, not an error (no probing of who exists)."""
    marks = marks_visible_to(actor=actor)
    if filters.conversation_id is not None:
        marks = marks.filter(conversation_id=filters.conversation_id)
    if filters.agent_id is not None:
        marks = marks.filter(agent_id=filters.agent_id)
    if filters.team_id is not None:
        teams = visible_team_ids(actor)
        if teams is not None and filters.team_id not in teams:
            marks = marks.none()
        marks = marks.filter(team_id=filters.team_id)
    if filters.behaviour:
        if filters.behaviour not in Behaviour.values:
            raise InvalidInput(_("Unknown behaviour: %(b)s.") % {"b": filters.behaviour})
        marks = marks.filter(behaviour=filters.behaviour)
    if filters.outcome:
        if filters.outcome not in Outcome.values:
            raise InvalidInput(_("Unknown outcome: %(o)s.") % {"o": filters.outcome})
        marks = marks.filter(outcome=filters.outcome)
    if filters.since is not None:
        marks = marks.filter(replied_at__gte=filters.since)
    if filters.until is not None:
        marks = marks.filter(replied_at__lt=filters.until)
    return newest_first_page(
        marks.select_related("agent", "team"), cursor=cursor, limit=limit, kind=PAGE_KIND
    )


@dataclass
class TrendCell:
    passed: int = 0
    missed: int = 0

    @property
    def checked(self) -> int:
        return self.passed + self.missed

    @property
    def rate(self) -> float | None:
        return self.passed / self.checked if self.checked else None

    @property
    def percent(self) -> int | None:
        return None if self.rate is None else round(100 * self.rate)


@dataclass
class TrendRow:
    key: int | None
    label: str
    cells: dict[str, TrendCell] = field(default_factory=dict)

    def cell(self, behaviour: str) -> TrendCell:
        return self.cells.get(behaviour) or TrendCell()

    @property
    def ordered(self) -> list[tuple[str, TrendCell]]:
        return [(b, self.cell(b)) for b in Behaviour.values]


@dataclass
class Trends:
    by_agent: list[TrendRow]
    by_team: list[TrendRow]
    weekly: list[tuple[dt.date, dict[str, TrendCell]]]


def _cells(rows, key_field: str) -> dict:
    table: dict = defaultdict(dict)
    for row in rows:
        cell = table[row[key_field]].setdefault(row["behaviour"], TrendCell())
        if row["outcome"] == Outcome.PASSED:
            cell.passed += row["n"]
        elif row["outcome"] == Outcome.MISSED:
            cell.missed += row["n"]
    return table


def quality_trends(
    *, actor: Agent, since: dt.datetime, until: dt.datetime, agent_id: int | None = None
) -> Trends:
    """Passed / missed per behaviour, per agent and per team, over [since, until); and the
    share passed per week for the whole scope. Aggregated in the database: the query count
    does not grow with the marks (five queries for a lead)."""
    marks = (
        marks_visible_to(actor=actor)
        .filter(replied_at__gte=since, replied_at__lt=until)
        .filter(outcome__in=[Outcome.PASSED, Outcome.MISSED])
    )
    if agent_id is not None:
        marks = marks.filter(agent_id=agent_id)
    per_agent = _cells(
        marks.values("agent_id", "behaviour", "outcome").annotate(n=Count("id")), "agent_id"
    )
    per_team = _cells(
        marks.values("team_id", "behaviour", "outcome").annotate(n=Count("id")), "team_id"
    )
    names = dict(Agent.objects.filter(pk__in=per_agent).values_list("pk", "name"))
    team_names = dict(
        Team.objects.filter(pk__in=[k for k in per_team if k]).values_list("pk", "name")
    )
    by_agent = sorted(
        (TrendRow(k, names.get(k, "?"), v) for k, v in per_agent.items()), key=lambda r: r.label
    )
    by_team = sorted(
        (TrendRow(k, team_names.get(k, "") if k else _("No team"), v) for k, v in per_team.items()),
        key=lambda r: (r.key is None, r.label),
    )
    weekly: dict[dt.date, dict[str, TrendCell]] = defaultdict(dict)
    per_week = (
        marks.annotate(week=TruncWeek("replied_at"))
        .values("week", "behaviour", "outcome")
        .annotate(n=Count("id"))
    )
    for row in per_week:
        week = row["week"].date() if isinstance(row["week"], dt.datetime) else row["week"]
        cell = weekly[week].setdefault(row["behaviour"], TrendCell())
        if row["outcome"] == Outcome.PASSED:
            cell.passed += row["n"]
        else:
            cell.missed += row["n"]
    return Trends(by_agent=by_agent, by_team=by_team, weekly=sorted(weekly.items()))
