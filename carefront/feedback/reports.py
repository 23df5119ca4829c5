"""The recovery report: what happened to the bad experiences of a period (outcomes, time to
recover, on time or late), per inbox, and its rows for a CSV export.

Reads only the tasks opened in the period (index on `created_at`), so its cost follows the
period, not the table.
"""

import datetime as dt
import statistics
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.db.models import QuerySet
from django.utils import timezone

from carefront.accounts.models import Agent

from .models import RecoveryOutcome, RecoveryReason, RecoveryState, RecoveryTask
from .selectors import recovery_tasks_visible_to


@dataclass
class RecoveryReport:
    since: dt.datetime
    until: dt.datetime
    opened: int = 0
    open: int = 0
    overdue: int = 0
    closed: int = 0
    closed_on_time: int = 0
    by_outcome: dict[str, int] = field(default_factory=dict)
    by_reason: dict[str, int] = field(default_factory=dict)
    # (inbox name, opened, closed, median hours to recover or None)
    by_inbox: list[tuple[str, int, int, float | None]] = field(default_factory=list)
    median_hours: float | None = None
    mean_hours: float | None = None

    @property
    def on_time_pct(self) -> int | None:
        return round(100 * self.closed_on_time / self.closed) if self.closed else None


def _period_tasks(
    *, actor: Agent, since: dt.datetime, until: dt.datetime, inbox_id: int | None
) -> QuerySet[RecoveryTask]:
    qs = recovery_tasks_visible_to(actor=actor).filter(created_at__gte=since, created_at__lt=until)
    return qs.filter(inbox_id=inbox_id) if inbox_id else qs


def _hours(task_created: dt.datetime, task_closed: dt.datetime) -> float:
    return (task_closed - task_created).total_seconds() / 3600


def recovery_report(
    *,
    actor: Agent,
    since: dt.datetime,
    until: dt.datetime | None = None,
    inbox_id: int | None = None,
    now: dt.datetime | None = None,
) -> RecoveryReport:
    """One query: the period's tasks (few columns), summed up in Python."""
    now = now or timezone.now()
    until = until or now
    report = RecoveryReport(since=since, until=until)
    rows = _period_tasks(actor=actor, since=since, until=until, inbox_id=inbox_id).values_list(
        "state", "outcome", "reason", "created_at", "due_at", "closed_at", "inbox__name"
    )
    outcomes: Counter[str] = Counter()
    reasons: Counter[str] = Counter()
    durations: list[float] = []
    inboxes: dict[str, list] = {}
    for state, outcome, reason, created_at, due_at, closed_at, inbox_name in rows.order_by():
        report.opened += 1
        reasons[reason] += 1
        per_inbox = inboxes.setdefault(inbox_name or "—", [0, 0, []])
        per_inbox[0] += 1
        if state == RecoveryState.OPEN:
            report.open += 1
            report.overdue += due_at < now
            continue
        report.closed += 1
        report.closed_on_time += closed_at <= due_at
        outcomes[outcome] += 1
        hours = _hours(created_at, closed_at)
        durations.append(hours)
        per_inbox[1] += 1
        per_inbox[2].append(hours)
    report.by_outcome = {value: outcomes[value] for value in RecoveryOutcome.values}
    report.by_reason = {value: reasons[value] for value in RecoveryReason.values}
    report.by_inbox = [
        (name, opened, closed, round(statistics.median(hours), 1) if hours else None)
        for name, (opened, closed, hours) in sorted(inboxes.items())
    ]
    if durations:
        report.median_hours = round(statistics.median(durations), 1)
        report.mean_hours = round(statistics.fmean(durations), 1)
    return report


CSV_HEADER = [
    "id",
    "opened_at",
    "reason",
    "source",
    "score",
    "comment",
    "inbox",
    "conversation_id",
    "customer_email",
    "agent",
    "owner",
    "due_at",
    "state",
    "outcome",
    "note",
    "closed_by",
    "closed_at",
    "hours_to_recover",
    "on_time",
]


def recovery_csv_rows(
    *, actor: Agent, since: dt.datetime, until: dt.datetime, inbox_id: int | None = None
) -> Iterator[list[str]]:
    """The header, then one row per task opened in the period, oldest first (streamed from
    the database in chunks)."""
    yield CSV_HEADER
    qs = _period_tasks(actor=actor, since=since, until=until, inbox_id=inbox_id).order_by(
        "created_at", "id"
    )
    for t in qs.iterator(chunk_size=500):
        closed = t.closed_at is not None
        yield [
            str(t.pk),
            t.created_at.isoformat(),
            t.reason,
            f"{t.source_kind}:{t.source_id}",
            t.score,
            t.comment,
            t.inbox.name if t.inbox else "",
            str(t.conversation_id or ""),
            t.customer.email,
            t.agent.name if t.agent else "",
            t.owner.name if t.owner else "",
            t.due_at.isoformat(),
            t.state,
            t.outcome,
            t.note,
            t.closed_by.name if t.closed_by else "",
            t.closed_at.isoformat() if closed else "",
            f"{_hours(t.created_at, t.closed_at):.1f}" if closed else "",
            ("yes" if t.closed_at <= t.due_at else "no") if closed else "",
        ]


def csv_safe(value: str) -> str:
    """A cell a spreadsheet will not run: text starting with = + - @ (or a tab or carriage
    return) gets a leading apostrophe (OWASP's advice on CSV injection). Customer comments and
    notes are free text."""
    if value and value[0] in "=+-@\t\r":
        return "'" + value
    return value
