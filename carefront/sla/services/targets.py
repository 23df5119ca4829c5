"""The SLA clocks of conversations: starting, pausing, resuming, meeting and re-planning targets
as conversations change, and the timers that mark them at risk and breached.

Every change runs inside the transaction of the conversation change that caused it (the
handlers in `sla/handlers.py` are `in_transaction` subscribers), so a target never disagrees
with its conversation after a crash. Time is kept per target as `spent_seconds` (closed runs)
plus the open run since `running_since`, both in the target's basis: business time on the
conversation's calendar (its inbox's, else its team's, else 24/7) or calendar time. A running
target's `due_at` and `at_risk_at` are where that time runs out; each is a task enqueued with
`run_after` (django-tasks-db) carrying the target's `version`, so a timer whose target moved on
does nothing, and a conditional UPDATE makes each fire at most once.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from types import SimpleNamespace

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from carefront.conversations.models import (
    Conversation,
    Direction,
    EventKind,
    Message,
    Priority,
    Status,
)
from carefront.conversations.services import (
    conversation_assign,
    conversation_set_priority,
    conversation_set_sla_due,
    conversation_timeline_add,
    conversations_set_sla_due,
)
from carefront.core.db import bulk_insert_values, bulk_update_rows
from carefront.core.events import publish
from carefront.sla import events
from carefront.sla.business_time import (
    NeverOpen,
    Schedule,
    add_business_time,
    business_time_between,
)
from carefront.sla.models import (
    ACTIVE_STATES,
    EscalateWhen,
    SlaPolicy,
    SlaTarget,
    TargetKind,
    TargetState,
    TimeBasis,
)
from carefront.sla.selectors import CalendarDirectory, calendar_directory

from .policies import ConversationFacts, conversation_facts, first_matching, policy_rules

logger = logging.getLogger(__name__)

RESOLVED = frozenset({Status.SOLVED, Status.CLOSED})
PAUSED_STATUSES = frozenset({Status.PENDING, Status.SNOOZED})
REPLY_KINDS = (TargetKind.FIRST_REPLY, TargetKind.NEXT_REPLY)
AT_RISK = "at_risk"
BREACH = "breach"
US = 1_000_000  # microseconds per second
# A re-plan that moves a due time by less than this is no change (spent time is whole seconds).
SAME_DUE = dt.timedelta(seconds=1)


# -- arithmetic (pure) ---------------------------------------------------------------------------


def schedule_for_basis(
    directory: CalendarDirectory, *, basis: str, inbox_id: int, team_id: int | None
) -> Schedule | None:
    """The schedule a target of this basis counts on; None: every second counts (24/7)."""
    if basis != TimeBasis.BUSINESS:
        return None
    return directory.schedule_for(inbox_id=inbox_id, team_id=team_id)


def elapsed_us(schedule: Schedule | None, start: dt.datetime, end: dt.datetime) -> int:
    """Counted time in [start, end), in microseconds."""
    if end <= start:
        return 0
    if schedule is None:
        return (end - start) // dt.timedelta(microseconds=1)
    return business_time_between(schedule, start, end) // dt.timedelta(microseconds=1)


def add_us(schedule: Schedule | None, start: dt.datetime, amount_us: int) -> dt.datetime:
    """The moment `amount_us` of counted time after `start`."""
    duration = dt.timedelta(microseconds=max(amount_us, 0))
    if schedule is None:
        return start + duration
    try:
        return add_business_time(schedule, start, duration)
    except NeverOpen:
        # A calendar that never opens: the clock never runs out. Far away rather than never,
        # so "due soonest" still sorts it last.
        logger.warning("SLA target counted on a calendar that never opens; due in 10 years")
        return start + dt.timedelta(days=3653)


def spent_us_at(target: SlaTarget, schedule: Schedule | None, now: dt.datetime) -> int:
    """Time the target has used up to `now` (its closed runs and the open one)."""
    spent = target.spent_seconds * US
    if target.state == TargetState.RUNNING and target.running_since is not None:
        spent += elapsed_us(schedule, target.running_since, now)
    return spent


def plan(
    *,
    target_seconds: int,
    spent_us: int,
    since: dt.datetime,
    schedule: Schedule | None,
    lead_seconds: int,
    breached_at: dt.datetime | None,
) -> tuple[dt.datetime, dt.datetime]:
    """(due_at, at_risk_at) of a clock running from `since` with `spent_us` used already.

    An overrun clock stays due when it first ran out (`breached_at`), else now; "at risk" starts
    `lead_seconds` of counted time before the due time, or at once when less than that is left.
    """
    remaining = target_seconds * US - spent_us
    if remaining <= 0:
        due = breached_at or since
        return due, due
    due = add_us(schedule, since, remaining)
    if lead_seconds <= 0:
        return due, due
    return due, add_us(schedule, since, remaining - lead_seconds * US)


def breached_by_seconds(target: SlaTarget, *, spent_seconds: int | None = None) -> int | None:
    """How far past its target a target went (met) or is (still running); None if within."""
    used = target.elapsed_seconds if target.state == TargetState.MET else spent_seconds
    if used is None:
        return None
    if used <= target.target_seconds:
        # Past its due moment with no counted time since (due at closing time, met in the
        # evening): breached, by nothing in its basis.
        return 0 if target.breached_at is not None else None
    return used - target.target_seconds


# -- the engine ------------------------------------------------------------------------------


@dataclass
class Timer:
    target_id: int
    version: int
    which: str  # AT_RISK or BREACH
    when: dt.datetime


@dataclass
class _Outcome:
    """What a change did, applied after the in-memory work: rows to save and create, events
    to publish, timers to set after commit."""

    save: dict[int, SlaTarget] = field(default_factory=dict)
    create: list[SlaTarget] = field(default_factory=list)
    met: list[SlaTarget] = field(default_factory=list)


class _Clocks:
    """The active targets of one conversation, and the operations on them."""

    def __init__(
        self,
        conversation: Conversation,
        targets: list[SlaTarget],
        *,
        now: dt.datetime,
        directory: CalendarDirectory,
        policies: dict[int, SlaPolicy],
    ) -> None:
        self.conversation = conversation
        self.active = {t.kind: t for t in targets if t.state in ACTIVE_STATES}
        self.now = now
        self.directory = directory
        self.policies = policies
        self.out = _Outcome()

    def schedule(self, basis: str) -> Schedule | None:
        c = self.conversation
        return schedule_for_basis(
            self.directory, basis=basis, inbox_id=c.inbox_id, team_id=c.team_id
        )

    def lead_seconds(self, target: SlaTarget) -> int:
        policy = self.policies.get(target.policy_id) if target.policy_id else None
        return (policy.at_risk_minutes if policy else 0) * 60

    def _touch(self, target: SlaTarget) -> None:
        target.version += 1
        if target.pk is not None:
            self.out.save[target.pk] = target

    def _record_overrun(self, target: SlaTarget) -> None:
        # The clock ran out while it ran (its timer had not acted yet): that is a breach,
        # whatever happens to the target now.
        if (
            target.state == TargetState.RUNNING
            and target.breached_at is None
            and target.due_at is not None
            and target.due_at < self.now  # met exactly at the due time is on time
        ):
            target.breached_at = target.due_at

    def _checkpoint(self, target: SlaTarget) -> None:
        """Close the open run at `now`: its time joins `spent_seconds`."""
        if target.state != TargetState.RUNNING:
            return
        self._record_overrun(target)
        spent = spent_us_at(target, self.schedule(target.basis), self.now)
        target.spent_seconds = round(spent / US)
        target.running_since = self.now

    def _replan(self, target: SlaTarget) -> None:
        if target.state != TargetState.RUNNING:
            target.due_at = target.at_risk_at = None
            return
        target.due_at, target.at_risk_at = plan(
            target_seconds=target.target_seconds,
            spent_us=target.spent_seconds * US,
            since=target.running_since,
            schedule=self.schedule(target.basis),
            lead_seconds=self.lead_seconds(target),
            breached_at=target.breached_at,
        )

    # Operations.

    def start(self, kind: str, policy: SlaPolicy, *, at: dt.datetime | None = None) -> None:
        minutes = getattr(policy, f"{kind}_minutes")
        if minutes is None or kind in self.active:
            return
        at = at or self.now
        paused = self.conversation.status in PAUSED_STATUSES
        target = SlaTarget(
            conversation_id=self.conversation.pk,
            policy=policy,
            kind=kind,
            basis=getattr(policy, f"{kind}_basis"),
            target_seconds=minutes * 60,
            state=TargetState.PAUSED if paused else TargetState.RUNNING,
            started_at=at,
            running_since=None if paused else at,
            spent_seconds=0,
            version=1,
        )
        self.policies.setdefault(policy.pk, policy)
        self._replan(target)
        self.active[kind] = target
        self.out.create.append(target)

    def pause_all(self) -> None:
        for target in self.active.values():
            if target.state == TargetState.RUNNING:
                self._checkpoint(target)
                target.state = TargetState.PAUSED
                target.running_since = None
                self._replan(target)
                self._touch(target)

    def resume_all(self) -> None:
        for target in self.active.values():
            if target.state == TargetState.PAUSED:
                target.state = TargetState.RUNNING
                target.running_since = self.now
                self._replan(target)
                self._touch(target)

    def meet(self, kinds: Iterable[str]) -> None:
        for kind in kinds:
            target = self.active.pop(kind, None)
            if target is None:
                continue
            self._checkpoint(target)
            target.state = TargetState.MET
            target.met_at = self.now
            target.elapsed_seconds = target.spent_seconds
            target.running_since = None
            if target.breached_at is None and target.elapsed_seconds > target.target_seconds:
                target.breached_at = target.due_at or self.now
            self._touch(target)
            if target.pk is not None:
                self.out.met.append(target)

    def cancel(self, kind: str) -> None:
        target = self.active.pop(kind, None)
        if target is None:
            return
        self._checkpoint(target)
        target.state = TargetState.CANCELLED
        target.running_since = None
        self._touch(target)

    def reactivate(self, target: SlaTarget) -> None:
        """A met target runs again with the time it had taken (a reopened conversation)."""
        if target.kind in self.active:
            return
        paused = self.conversation.status in PAUSED_STATUSES
        target.state = TargetState.PAUSED if paused else TargetState.RUNNING
        target.spent_seconds = target.elapsed_seconds or target.spent_seconds
        target.running_since = None if paused else self.now
        target.met_at = None
        target.elapsed_seconds = None
        self._replan(target)
        self._touch(target)
        self.active[target.kind] = target

    def apply_policy(self, policy: SlaPolicy | None, *, agent_replied: bool) -> None:
        """Re-apply the matching policy: kinds it lacks are cancelled, kinds it has keep their
        spent time under its target and basis, kinds that should run and do not start now."""
        for kind in list(self.active):
            if policy is None or getattr(policy, f"{kind}_minutes") is None:
                self.cancel(kind)
        if policy is None:
            return
        self.policies.setdefault(policy.pk, policy)
        for target in self.active.values():
            new_seconds = getattr(policy, f"{target.kind}_minutes") * 60
            new_basis = getattr(policy, f"{target.kind}_basis")
            kept = (
                target.spent_seconds,
                target.running_since,
                target.breached_at,
                target.due_at,
                target.at_risk_at,
            )
            same_terms = (target.policy_id, target.target_seconds, target.basis) == (
                policy.pk,
                new_seconds,
                new_basis,
            )
            self._checkpoint(target)
            target.policy_id = policy.pk
            target.target_seconds = new_seconds
            target.basis = new_basis
            self._replan(target)
            if same_terms and _close(kept[3], target.due_at) and _close(kept[4], target.at_risk_at):
                # Nothing moved: the row stays as it was (no write, no new timers).
                (
                    target.spent_seconds,
                    target.running_since,
                    target.breached_at,
                    target.due_at,
                    target.at_risk_at,
                ) = kept
                continue
            self._touch(target)
        c = self.conversation
        if c.status in RESOLVED:
            return
        if c.waiting_since is not None:
            if not agent_replied and TargetKind.NEXT_REPLY not in self.active:
                self.start(TargetKind.FIRST_REPLY, policy)
            elif agent_replied and TargetKind.FIRST_REPLY not in self.active:
                self.start(TargetKind.NEXT_REPLY, policy)
        self.start(TargetKind.RESOLUTION, policy)

    def all_targets(self) -> list[SlaTarget]:
        return list(self.active.values())


def _close(a: dt.datetime | None, b: dt.datetime | None) -> bool:
    if a is None or b is None:
        return a is b
    return abs(a - b) < SAME_DUE


def summary(targets: Iterable[SlaTarget]) -> tuple[dt.datetime | None, dt.datetime | None]:
    """(sla_due_at, sla_at_risk_at) of a conversation from its targets: the earliest of the
    running ones; None when none runs."""
    running = [t for t in targets if t.state == TargetState.RUNNING and t.due_at is not None]
    if not running:
        return None, None
    return min(t.due_at for t in running), min(t.at_risk_at or t.due_at for t in running)


_SAVED_FIELDS = [
    "policy",
    "basis",
    "target_seconds",
    "state",
    "running_since",
    "spent_seconds",
    "due_at",
    "at_risk_at",
    "met_at",
    "elapsed_seconds",
    "breached_at",
    "version",
]


def _timers_of(target: SlaTarget) -> list[Timer]:
    if target.state != TargetState.RUNNING or target.due_at is None:
        return []
    timers = []
    if (
        target.at_risk_fired_at is None
        and target.at_risk_at is not None
        and target.at_risk_at < target.due_at
    ):
        timers.append(Timer(target.pk, target.version, AT_RISK, target.at_risk_at))
    if target.breach_fired_at is None:
        timers.append(Timer(target.pk, target.version, BREACH, target.due_at))
    return timers


def _write(clocks: _Clocks, *, conversation: Conversation) -> None:
    """Save what the clocks changed, update the conversation's summary, publish the met
    events, and set the timers after commit."""
    out = clocks.out
    for target in out.save.values():
        target.save(update_fields=_SAVED_FIELDS)
    if out.create:
        SlaTarget.objects.bulk_create(out.create)
    due, risk = summary(clocks.all_targets())
    if (due, risk) != (conversation.sla_due_at, conversation.sla_at_risk_at):
        conversation_set_sla_due(conversation_id=conversation.pk, due_at=due, at_risk_at=risk)
        conversation.sla_due_at, conversation.sla_at_risk_at = due, risk
    for target in out.met:
        publish(
            events.SlaTargetMet(
                target_id=target.pk,
                conversation_id=target.conversation_id,
                kind=target.kind,
                elapsed_seconds=target.elapsed_seconds or 0,
                breached=target.breached_at is not None,
            )
        )
    timers = [t for target in [*out.save.values(), *out.create] for t in _timers_of(target)]
    if timers:
        transaction.on_commit(lambda: timers_enqueue(timers), robust=True)


def _load(conversation_id: int, *, lock: bool = True) -> tuple[Conversation, list[SlaTarget]]:
    conversation = (
        Conversation.objects.select_related("inbox", "customer").filter(pk=conversation_id).first()
    )
    if conversation is None:
        return None, []  # type: ignore[return-value]
    targets = SlaTarget.objects.filter(
        conversation_id=conversation_id, state__in=ACTIVE_STATES
    ).order_by("id")
    if lock:
        targets = targets.select_for_update()
    return conversation, list(targets)


def _policies_of(targets: Iterable[SlaTarget]) -> dict[int, SlaPolicy]:
    ids = {t.policy_id for t in targets if t.policy_id}
    return SlaPolicy.objects.in_bulk(ids) if ids else {}


def _matching_policy(conversation: Conversation) -> SlaPolicy | None:
    policy_id = first_matching(policy_rules(), conversation_facts(conversation=conversation))
    return SlaPolicy.objects.filter(pk=policy_id).first() if policy_id is not None else None


def _agent_replied(conversation_id: int) -> bool:
    return Message.objects.filter(
        conversation_id=conversation_id, direction=Direction.OUTGOING, author__isnull=False
    ).exists()


def _run(conversation_id: int, now: dt.datetime | None, work) -> None:
    """Load the conversation's clocks, let `work` change them, write the result; in a
    savepoint, so a failure undoes only the SLA writes."""
    with transaction.atomic():
        conversation, targets = _load(conversation_id)
        if conversation is None:
            return
        clocks = _Clocks(
            conversation,
            targets,
            now=now or timezone.now(),
            directory=calendar_directory(),
            policies=_policies_of(targets),
        )
        work(clocks)
        _write(clocks, conversation=conversation)


# -- what conversation changes do to the clocks -------------------------------------------------


def sla_customer_wrote(
    *, conversation_id: int, message_id: int, now: dt.datetime | None = None
) -> None:
    """A customer's message: the first one starts the first-reply and resolution clocks; one
    that makes the conversation wait again (after a reply) starts a next-reply clock; one that
    reopens a solved conversation runs its resolution clock again with the time it had taken;
    paused clocks resume (the conversation is open again). Auto-replies change nothing.

    Without any active policy this does nothing and costs no query (the policies are cached):
    receiving a batch of mail then costs the same whatever its size. Clocks of a policy since
    deactivated stay as they are until an agent's change moves them."""
    if not policy_rules():
        return
    message = Message.objects.filter(pk=message_id).only("is_auto_submitted").first()
    if message is None or message.is_auto_submitted:
        return

    def work(clocks: _Clocks) -> None:
        conversation = clocks.conversation
        if conversation.is_bulk:
            return  # list and bulk mail: nobody promised it an answer
        clocks.resume_all()
        if TargetKind.FIRST_REPLY in clocks.active:
            return
        history = SlaTarget.objects.filter(conversation_id=conversation.pk)
        ever = set(history.values_list("kind", flat=True).distinct())
        policy = _matching_policy(conversation)
        if policy is not None:
            if TargetKind.FIRST_REPLY not in ever and not _agent_replied(conversation.pk):
                clocks.start(TargetKind.FIRST_REPLY, policy, at=_started_at(conversation, clocks))
            else:
                clocks.start(TargetKind.NEXT_REPLY, policy)
        if TargetKind.RESOLUTION not in clocks.active:
            last = (
                history.filter(kind=TargetKind.RESOLUTION, state=TargetState.MET)
                .order_by("-id")
                .first()
            )
            if last is not None:
                clocks.reactivate(last)
            elif policy is not None and TargetKind.RESOLUTION not in ever:
                clocks.start(TargetKind.RESOLUTION, policy, at=_started_at(conversation, clocks))

    _run(conversation_id, now, work)


def _started_at(conversation: Conversation, clocks: _Clocks) -> dt.datetime:
    # The first clock starts when the customer started waiting (the message's own time),
    # never in the future.
    waiting = conversation.waiting_since
    return min(waiting, clocks.now) if waiting is not None else clocks.now


def _has_clocks(conversation_id: int, kinds: Iterable[str] | None = None) -> bool:
    """Whether any clock of the conversation runs or is paused: one cheap query, so that the
    many conversations without an SLA pay no more (no savepoint, no loading)."""
    active = SlaTarget.objects.filter(conversation_id=conversation_id, state__in=ACTIVE_STATES)
    if kinds is not None:
        active = active.filter(kind__in=list(kinds))
    return active.exists()


def sla_agent_replied(*, conversation_id: int, now: dt.datetime | None = None) -> None:
    """An agent's reply meets the running first-reply or next-reply clock."""
    if _has_clocks(conversation_id, REPLY_KINDS):
        _run(conversation_id, now, lambda clocks: clocks.meet(REPLY_KINDS))


def sla_status_changed(
    *, conversation_id: int, old_status: str, new_status: str, now: dt.datetime | None = None
) -> None:
    """Solved or closed meets every clock; pending or snoozed pauses them; open resumes them
    (and an agent's reopen of a solved conversation runs its resolution clock again)."""

    def work(clocks: _Clocks) -> None:
        if new_status in RESOLVED:
            clocks.meet(list(clocks.active))
        elif new_status in PAUSED_STATUSES:
            clocks.pause_all()
        elif new_status == Status.OPEN:
            clocks.resume_all()
            if old_status in RESOLVED and TargetKind.RESOLUTION not in clocks.active:
                last = (
                    SlaTarget.objects.filter(
                        conversation_id=conversation_id,
                        kind=TargetKind.RESOLUTION,
                        state=TargetState.MET,
                    )
                    .order_by("-id")
                    .first()
                )
                if last is not None:
                    clocks.reactivate(last)

    reopened = new_status == Status.OPEN and old_status in RESOLVED
    if reopened or _has_clocks(conversation_id):
        _run(conversation_id, now, work)


def sla_policy_reapply(*, conversation_id: int, now: dt.datetime | None = None) -> None:
    """Priority, team, tags or customer changed: the first matching policy applies again and the
    due times are recomputed; time already spent stays spent."""

    def work(clocks: _Clocks) -> None:
        conversation = clocks.conversation
        if conversation.is_bulk:
            return
        policy = _matching_policy(conversation)
        needs_history = (
            policy is not None
            and conversation.status not in RESOLVED
            and conversation.waiting_since is not None
            and not ({TargetKind.FIRST_REPLY, TargetKind.NEXT_REPLY} & clocks.active.keys())
        )
        clocks.apply_policy(
            policy, agent_replied=_agent_replied(conversation.pk) if needs_history else True
        )

    if policy_rules() or _has_clocks(conversation_id):
        _run(conversation_id, now, work)


# -- timers ------------------------------------------------------------------------------------


def timers_enqueue(timers: list[Timer]) -> None:
    """Enqueue one task per timer at its moment. With the database queue, all in one INSERT;
    with a backend that cannot defer (the immediate one, in tests), only those already due run
    (the others are fired by `sla_timer_fire` in tests)."""
    from carefront.sla.tasks import sla_timer_task

    now = timezone.now()
    backend = sla_timer_task.get_backend()
    try:
        if _is_database_backend(backend):
            _bulk_enqueue(backend, sla_timer_task, timers)
            return
        for timer in timers:
            args = (timer.target_id, timer.version, timer.which)
            if timer.when <= now:
                sla_timer_task.enqueue(*args)
            elif backend.supports_defer:
                sla_timer_task.using(run_after=timer.when).enqueue(*args)
    except Exception:
        logger.exception("Could not enqueue %s SLA timers", len(timers))


def _is_database_backend(backend) -> bool:
    try:
        from django_tasks_db.backend import DatabaseBackend
    except ImportError:  # pragma: no cover - a dependency of the project
        return False
    return isinstance(backend, DatabaseBackend)


def _bulk_enqueue(backend, task, timers: list[Timer]) -> None:
    """What `DatabaseBackend.enqueue` writes, for many tasks in one prepared statement (a bulk
    recompute sets hundreds of thousands of timers). The queue's own columns, with their
    defaults spelled out: a ready task, never run."""
    from django.tasks import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    now = timezone.now()
    common = {
        "status": TaskResultStatus.READY,
        "enqueued_at": now,
        "started_at": None,
        "finished_at": None,
        "priority": task.priority,
        "task_path": task.module_path,
        "worker_ids": [],
        "queue_name": task.queue_name,
        "backend_name": backend.alias,
        "return_value": None,
        "exception_class_path": "",
        "traceback": "",
    }
    rows = [
        {
            "id": backend._get_id(),
            "args_kwargs": {"args": [t.target_id, t.version, t.which], "kwargs": {}},
            "run_after": t.when,
        }
        for t in timers
    ]
    for start in range(0, len(rows), 5000):
        bulk_insert_values(DBTaskResult, rows[start : start + 5000], same=common)


def sla_timer_fire(
    *, target_id: int, version: int, which: str, now: dt.datetime | None = None
) -> str:
    """A timer's moment came: if the target still runs as planned (same version) and this
    moment was not acted on yet, mark it (at most once, by a conditional UPDATE), publish
    `SlaTargetAtRisk` / `SlaTargetBreached` and escalate as the policy says. Returns what it
    did: "fired", "stale" (the target moved on), "early" (set again), "done" (fired before)."""
    now = now or timezone.now()
    with transaction.atomic():
        target = (
            SlaTarget.objects.select_for_update(of=("self",))
            .select_related("policy")
            .filter(pk=target_id)
            .first()
        )
        if target is None or target.version != version or target.state != TargetState.RUNNING:
            return "stale"
        moment = target.at_risk_at if which == AT_RISK else target.due_at
        if moment is None:
            return "stale"
        if moment > now:
            # A worker whose clock runs ahead of ours: come back when it is time.
            timer = Timer(target.pk, version, which, moment)
            transaction.on_commit(lambda: timers_enqueue([timer]), robust=True)
            return "early"
        unfired = SlaTarget.objects.filter(pk=target.pk, version=version, state=TargetState.RUNNING)
        if which == AT_RISK:
            done = unfired.filter(at_risk_fired_at__isnull=True).update(at_risk_fired_at=now)
        else:
            done = unfired.filter(breach_fired_at__isnull=True).update(
                breach_fired_at=now, breached_at=target.breached_at or target.due_at
            )
        if not done:
            return "done"
        policy = target.policy
        if which == AT_RISK:
            publish(
                events.SlaTargetAtRisk(
                    target_id=target.pk,
                    conversation_id=target.conversation_id,
                    kind=target.kind,
                    due_at=target.due_at,
                    policy_id=target.policy_id,
                    notify=bool(policy and policy.notify_at_risk),
                )
            )
        else:
            conversation_timeline_add(
                conversation_id=target.conversation_id,
                kind=EventKind.SLA_BREACHED,
                target=target.kind,
                target_id=target.pk,
                due_at=target.due_at.isoformat(),
            )
            publish(
                events.SlaTargetBreached(
                    target_id=target.pk,
                    conversation_id=target.conversation_id,
                    kind=target.kind,
                    due_at=target.due_at,
                    policy_id=target.policy_id,
                    notify=bool(policy and policy.notify_breached),
                )
            )
        if policy is not None:
            _escalate(
                policy=policy,
                conversation_id=target.conversation_id,
                when=EscalateWhen.AT_RISK if which == AT_RISK else EscalateWhen.BREACHED,
            )
    return "fired"


def _escalate(*, policy: SlaPolicy, conversation_id: int, when: str) -> None:
    """The policy's escalation actions for this moment, done by the system (no agent)."""
    conversation = Conversation.objects.filter(pk=conversation_id).first()
    if conversation is None:
        return
    if policy.raise_priority == when:
        higher = [p for p in Priority if p > conversation.priority]
        if higher:
            conversation = conversation_set_priority(
                conversation=conversation, priority=min(higher), actor=None
            )
    team = policy.reassign_team
    if policy.reassign_when == when and team is not None and conversation.team_id != team.pk:
        assignee = conversation.assignee
        keeps = assignee is not None and team.members.filter(pk=assignee.pk).exists()
        conversation_assign(
            conversation=conversation,
            assignee=assignee if keeps else None,
            actor=None,
            team=team,
        )


# -- bulk recomputation ------------------------------------------------------------------------


def sla_conversations_reapply(
    *, conversation_ids: list[int], now: dt.datetime | None = None
) -> int:
    """Re-apply the policies to many conversations at once (after policies changed, or to start
    clocks on conversations that predate them), with a fixed number of queries per batch:
    policy match, targets, due and at-risk times, the writes, and the timers. Returns how many
    targets were written."""
    now = now or timezone.now()
    directory = calendar_directory()
    rules = policy_rules()
    with transaction.atomic():
        # Plain rows, not models: a batch is thousands of conversations and the clocks read
        # only these fields.
        conversations = [
            SimpleNamespace(**row)
            for row in Conversation.objects.filter(pk__in=conversation_ids)
            .order_by("pk")
            .values(
                "pk",
                "inbox_id",
                "team_id",
                "priority",
                "status",
                "waiting_since",
                "is_bulk",
                "sla_due_at",
                "sla_at_risk_at",
                channel=F("inbox__channel"),
                attributes=F("customer__attributes"),
                is_internal=F("customer__is_internal"),
            )
        ]
        tags: dict[int, set[int]] = defaultdict(set)
        for conversation_id, tag_id in Conversation.tags.through.objects.filter(
            conversation_id__in=conversation_ids
        ).values_list("conversation_id", "tag_id"):
            tags[conversation_id].add(tag_id)
        active: dict[int, list[SlaTarget]] = defaultdict(list)
        for target in SlaTarget.objects.select_for_update().filter(
            conversation_id__in=conversation_ids, state__in=ACTIVE_STATES
        ):
            active[target.conversation_id].append(target)
        replied = set(
            Message.objects.filter(
                conversation_id__in=conversation_ids,
                direction=Direction.OUTGOING,
                author__isnull=False,
            )
            .values_list("conversation_id", flat=True)
            .distinct()
        )
        policies = SlaPolicy.objects.in_bulk([rule.policy_id for rule in rules])
        policies.update(_policies_of(t for ts in active.values() for t in ts))
        saved: list[SlaTarget] = []
        created: list[SlaTarget] = []
        summaries = []
        for conversation in conversations:
            if conversation.is_bulk:
                continue
            facts = ConversationFacts(
                inbox_id=conversation.inbox_id,
                team_id=conversation.team_id,
                priority=conversation.priority,
                channel=conversation.channel,
                tag_ids=frozenset(tags.get(conversation.pk, ())),
                customer_attributes=conversation.attributes or {},
                is_internal=conversation.is_internal,
            )
            policy_id = first_matching(rules, facts)
            clocks = _Clocks(
                conversation,
                active.get(conversation.pk, []),
                now=now,
                directory=directory,
                policies=policies,
            )
            clocks.apply_policy(
                policies.get(policy_id) if policy_id is not None else None,
                agent_replied=conversation.pk in replied,
            )
            saved.extend(clocks.out.save.values())
            created.extend(clocks.out.create)
            due, risk = summary(clocks.all_targets())
            if (due, risk) != (conversation.sla_due_at, conversation.sla_at_risk_at):
                summaries.append((conversation.pk, due, risk))
        if saved:
            bulk_update_rows(saved, _SAVED_FIELDS)
        if created:
            _insert_targets(created, now=now)
        if summaries:
            conversations_set_sla_due(rows=summaries)
        timers = [t for target in [*saved, *created] for t in _timers_of(target)]
        if timers:
            transaction.on_commit(lambda: timers_enqueue(timers), robust=True)
    return len(saved) + len(created)


_INSERTED_FIELDS = [
    "conversation_id",
    "policy_id",
    "kind",
    "basis",
    "target_seconds",
    "state",
    "started_at",
    "running_since",
    "spent_seconds",
    "due_at",
    "at_risk_at",
    "version",
]


def _insert_targets(targets: list[SlaTarget], *, now: dt.datetime) -> None:
    """New targets of a bulk pass, with one prepared INSERT (the ORM's `bulk_create` compiles
    each row), then their ids in one query: a conversation has at most one active target of a
    kind (a unique constraint), so (conversation, kind) finds each."""
    same = {
        "met_at": None,
        "elapsed_seconds": None,
        "breached_at": None,
        "at_risk_fired_at": None,
        "breach_fired_at": None,
        "created_at": now,
    }
    rows = [{name: getattr(t, name) for name in _INSERTED_FIELDS} for t in targets]
    for start in range(0, len(rows), 5000):
        bulk_insert_values(SlaTarget, rows[start : start + 5000], same=same)
    by_key = {(t.conversation_id, t.kind): t for t in targets}
    for conversation_id, kind, pk in SlaTarget.objects.filter(
        conversation_id__in={t.conversation_id for t in targets}, state__in=ACTIVE_STATES
    ).values_list("conversation_id", "kind", "pk"):
        target = by_key.get((conversation_id, kind))
        if target is not None:
            target.pk = target.id = pk
            target._state.adding = False


def open_conversation_ids(*, after_id: int = 0, limit: int = 1000) -> list[int]:
    """The next batch of conversations whose clocks may run (not solved or closed), by id."""
    return list(
        Conversation.objects.filter(pk__gt=after_id)
        .exclude(status__in=RESOLVED)
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )


# -- calendar edits ----------------------------------------------------------------------------


def calendar_snapshot(directory: CalendarDirectory) -> dict:
    """The calendars as they are before an edit, in JSON form (a task argument): which inbox and
    team follow which calendar and each calendar's schedule."""
    return {
        "at": timezone.now().isoformat(),
        "by_inbox": {str(k): v for k, v in directory.by_inbox.items()},
        "by_team": {str(k): v for k, v in directory.by_team.items()},
        "schedules": {str(k): schedule_to_json(s) for k, s in directory.schedules.items()},
    }


def schedule_to_json(schedule: Schedule) -> dict:
    return {
        "time_zone": schedule.time_zone,
        "weekly": [[list(i) for i in day] for day in schedule.weekly],
        "country": schedule.country,
        "subdivision": schedule.subdivision,
        "closures": [[c.starts.isoformat(), c.ends.isoformat()] for c in schedule.closures],
        "closed_dates": sorted(d.isoformat() for d in schedule.closed_dates),
    }


def schedule_from_json(data: dict) -> Schedule:
    from carefront.sla.business_time import Closure

    return Schedule(
        time_zone=data["time_zone"],
        weekly=tuple(tuple((a, b) for a, b in day) for day in data["weekly"]),
        country=data["country"],
        subdivision=data["subdivision"],
        closures=tuple(
            Closure(dt.datetime.fromisoformat(a), dt.datetime.fromisoformat(b))
            for a, b in data["closures"]
        ),
        closed_dates=frozenset(dt.date.fromisoformat(d) for d in data["closed_dates"]),
    )


def _snapshot_directory(snapshot: dict) -> CalendarDirectory:
    return CalendarDirectory(
        schedules={int(k): schedule_from_json(v) for k, v in snapshot["schedules"].items()},
        by_inbox={int(k): v for k, v in snapshot["by_inbox"].items()},
        by_team={int(k): v for k, v in snapshot["by_team"].items()},
    )


CALENDAR_BATCH = 500


def sla_calendar_recompute(
    *,
    snapshot: dict,
    inbox_ids: list[int],
    team_ids: list[int],
    after_id: int = 0,
    batch: int = CALENDAR_BATCH,
    now: dt.datetime | None = None,
) -> int | None:
    """After a calendar edit: re-plan one batch of the running business-time targets of the
    conversations in these inboxes or teams. The time a clock ran before the edit is counted on
    the calendar as it was (`snapshot`), the rest on the calendar as it is. Returns the last
    target id done, or None when there are no more."""
    now = now or timezone.now()
    edited_at = dt.datetime.fromisoformat(snapshot["at"])
    old = _snapshot_directory(snapshot)
    new = calendar_directory()
    with transaction.atomic():
        batch_targets = list(
            SlaTarget.objects.select_for_update(of=("self",))
            .filter(
                Q(conversation__inbox_id__in=inbox_ids) | Q(conversation__team_id__in=team_ids),
                state=TargetState.RUNNING,
                basis=TimeBasis.BUSINESS,
                pk__gt=after_id,
            )
            .select_related("conversation", "policy")
            .order_by("pk")[:batch]
        )
        if not batch_targets:
            return None
        changed = []
        for target in batch_targets:
            c = target.conversation
            key = {"basis": target.basis, "inbox_id": c.inbox_id, "team_id": c.team_id}
            before = schedule_for_basis(old, **key)
            since = target.running_since
            if since is not None and since < edited_at:
                target.spent_seconds = round(
                    (target.spent_seconds * US + elapsed_us(before, since, edited_at)) / US
                )
                target.running_since = edited_at
            if target.breached_at is None and target.due_at is not None and target.due_at < now:
                target.breached_at = target.due_at
            due, risk = plan(
                target_seconds=target.target_seconds,
                spent_us=target.spent_seconds * US,
                since=target.running_since,
                schedule=schedule_for_basis(new, **key),
                lead_seconds=(target.policy.at_risk_minutes * 60) if target.policy else 0,
                breached_at=target.breached_at,
            )
            if _close(due, target.due_at) and _close(risk, target.at_risk_at):
                continue
            target.due_at, target.at_risk_at = due, risk
            target.version += 1
            changed.append(target)
        if changed:
            bulk_update_rows(changed, _SAVED_FIELDS)
            conversation_ids = {t.conversation_id for t in changed}
            running: dict[int, list[SlaTarget]] = defaultdict(list)
            for target in SlaTarget.objects.filter(
                conversation_id__in=conversation_ids, state=TargetState.RUNNING
            ):
                running[target.conversation_id].append(target)
            conversations_set_sla_due(
                rows=[(pk, *summary(running.get(pk, []))) for pk in conversation_ids]
            )
            timers = [t for target in changed for t in _timers_of(target)]
            transaction.on_commit(lambda: timers_enqueue(timers), robust=True)
        return batch_targets[-1].pk


def calendar_recompute_enqueue(
    *, snapshot: dict, inbox_ids: Iterable[int], team_ids: Iterable[int], after_id: int = 0
) -> None:
    """Enqueue the recompute task for a calendar edit (call after commit)."""
    from carefront.sla.tasks import sla_calendar_recompute_task

    inboxes, teams = sorted(set(inbox_ids)), sorted(set(team_ids))
    if not inboxes and not teams:
        return
    sla_calendar_recompute_task.enqueue(snapshot, inboxes, teams, after_id)
