"""SLA countdowns and outcomes as the agent sees them: "due in 25 m", "at risk: 8 m",
"breached 12 m ago", "First reply in 1 h 12 m business time; breached by 12 m".

Countdowns come from the conversation's SLA summary (`sla_due_at`, `sla_at_risk_at`): no query
per row. Each carries its instants (`data-sla-due`, `data-sla-risk`) so app.js re-renders it
and switches its state at the at-risk and due moments; the texts it needs are on the page once
(`sla_texts`). State is told by the words and a shape, not by colour alone.
"""

import datetime as dt
import math
from dataclasses import dataclass

from django.utils import timezone
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from carefront.conversations.models import Status
from carefront.sla.models import TargetKind, TargetState, TimeBasis
from carefront.web.templatetags.carefront_web import local_datetime_text

OK, AT_RISK, BREACHED, PAUSED = "ok", "at_risk", "breached", "paused"
PAUSED_STATUSES = (Status.PENDING, Status.SNOOZED)
# A shape per state, so the state reads without colour (the words say it too).
ICONS = {OK: "◷", AT_RISK: "▲", BREACHED: "■", PAUSED: "❚❚"}


@dataclass(frozen=True)
class Words:
    """Every word a countdown uses, translated once per page (a row is hot: 25 per inbox
    page), and given to app.js once (`sla_texts`)."""

    m: str
    hm: str
    h: str
    dh: str
    d: str
    due: str
    risk: str
    breached: str
    breached_now: str
    due_title: str
    paused: str
    paused_title: str

    @classmethod
    def make(cls) -> "Words":
        return cls(
            m=_("%(minutes)s m"),
            hm=_("%(hours)s h %(minutes)s m"),
            h=_("%(hours)s h"),
            dh=_("%(days)s d %(hours)s h"),
            d=_("%(days)s d"),
            due=_("due in %(duration)s"),
            risk=_("at risk: %(duration)s"),
            breached=_("breached %(duration)s ago"),
            breached_now=_("breached just now"),
            due_title=_("SLA due %(when)s"),
            paused=_("SLA paused"),
            paused_title=_("The SLA clock waits while the conversation is pending or snoozed."),
        )


def duration_text(seconds: float, *, round_up: bool = False, words: Words | None = None) -> str:
    """ "25 m", "1 h 12 m", "3 h", "2 d 4 h": the two largest units, in minutes at least.
    `round_up` for time left (a countdown never says 0 m while time remains)."""
    words = words or Words.make()
    minutes = math.ceil(seconds / 60) if round_up else int(seconds // 60)
    minutes = max(minutes, 0)
    if minutes < 60:
        return words.m % {"minutes": minutes}
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        if minutes:
            return words.hm % {"hours": hours, "minutes": minutes}
        return words.h % {"hours": hours}
    days, hours = divmod(hours, 24)
    if hours:
        return words.dh % {"days": days, "hours": hours}
    return words.d % {"days": days}


def state_of(due_at: dt.datetime, at_risk_at: dt.datetime | None, now: dt.datetime) -> str:
    if due_at <= now:
        return BREACHED
    if at_risk_at is not None and at_risk_at <= now:
        return AT_RISK
    return OK


def countdown_text(
    state: str, due_at: dt.datetime, now: dt.datetime, words: Words | None = None
) -> str:
    words = words or Words.make()
    if state == BREACHED:
        late = (now - due_at).total_seconds()
        if late < 60:
            return words.breached_now
        return words.breached % {"duration": duration_text(late, words=words)}
    left = duration_text((due_at - now).total_seconds(), round_up=True, words=words)
    return (words.risk if state == AT_RISK else words.due) % {"duration": left}


def countdown(
    due_at: dt.datetime | None,
    at_risk_at: dt.datetime | None,
    *,
    now: dt.datetime,
    paused: bool = False,
    labels: Words | None = None,
    prefix: str = "",
) -> SafeString | str:
    """One countdown element, or "" when no due time runs. Written with plain string
    formatting (each text escaped) rather than format_html: it is on every inbox row."""
    if due_at is None:
        return ""
    words = labels or Words.make()
    if paused:
        # Every text is escaped here.
        return mark_safe(
            f'<span class="sla sla-paused" title="{escape(words.paused_title)}">'
            f'<span class="sla-icon" aria-hidden="true">{ICONS[PAUSED]}</span> '
            f'<span class="sla-text">{escape(prefix)}{escape(words.paused)}</span></span>'
        )
    state = state_of(due_at, at_risk_at, now)
    risk = f' data-sla-risk="{at_risk_at.isoformat()}"' if at_risk_at else ""
    title = escape(words.due_title % {"when": local_datetime_text(due_at)})
    text = escape(countdown_text(state, due_at, now, words))
    # Every text is escaped here; the instants are ISO strings.
    return mark_safe(
        f'<span class="sla sla-{state.replace("_", "-")}" data-sla-due="{due_at.isoformat()}"'
        f'{risk} title="{title}"><span class="sla-icon" aria-hidden="true">{ICONS[state]}</span> '
        f'<span class="sla-text">{escape(prefix)}<span data-sla-text>{text}</span></span></span>'
    )


def conversation_countdown(conversation, *, now=None, labels: Words | None = None):
    """The next due target of a conversation, from its SLA summary fields only."""
    return countdown(
        conversation.sla_due_at,
        conversation.sla_at_risk_at,
        now=now or timezone.now(),
        paused=conversation.status in PAUSED_STATUSES,
        labels=labels,
    )


def sla_texts(*, element: str = "span") -> SafeString:
    """The words app.js needs to re-render countdowns, once per page, and the server's clock
    (so a countdown is right on a machine whose clock is off). `element`: "li" inside a list."""
    words = Words.make()
    return format_html(
        '<{element} hidden data-sla-texts data-now="{now}" data-due="{due}" data-risk="{risk}"'
        ' data-breached="{breached}" data-breached-now="{breached_now}"'
        ' data-m="{m}" data-hm="{hm}" data-h="{h}" data-dh="{dh}"'
        ' data-d="{d}" data-icons="{icons}"></{element}>',
        element="li" if element == "li" else "span",
        now=timezone.now().isoformat(),
        due=words.due,
        risk=words.risk,
        breached=words.breached,
        breached_now=words.breached_now,
        m=words.m,
        hm=words.hm,
        h=words.h,
        dh=words.dh,
        d=words.d,
        icons="|".join((ICONS[OK], ICONS[AT_RISK], ICONS[BREACHED])),
    )


def _kind_label(kind: str) -> str:
    return str(dict(TargetKind.choices).get(kind, kind))


def outcome_text(target) -> str:
    """A finished target in words: "First reply in 1 h 12 m business time; breached by 12 m"."""
    elapsed = target.elapsed_seconds or 0
    values = {
        "target": _kind_label(target.kind),
        "duration": duration_text(elapsed),
        "goal": duration_text(target.target_seconds),
        "over": duration_text(max(elapsed - target.target_seconds, 0)),
    }
    breached = target.breached_at is not None or elapsed > target.target_seconds
    if target.basis == TimeBasis.CALENDAR:
        if breached:
            return _("%(target)s in %(duration)s; breached by %(over)s") % values
        return _("%(target)s in %(duration)s; within the %(goal)s target") % values
    if breached:
        return _("%(target)s in %(duration)s business time; breached by %(over)s") % values
    return _("%(target)s in %(duration)s business time; within the %(goal)s target") % values


@dataclass(frozen=True)
class TargetLine:
    state: str  # ok, at_risk, breached, paused, met
    html: SafeString | str


def target_lines(targets, *, now: dt.datetime | None = None) -> list[TargetLine]:
    """The SLA panel of a conversation: running targets as countdowns, paused ones with the time
    left, finished ones with the time they took."""
    now = now or timezone.now()
    labels = Words.make()
    lines = []
    for target in targets:
        label = _kind_label(target.kind)
        if target.state == TargetState.MET:
            breached = target.breached_at is not None or (
                (target.elapsed_seconds or 0) > target.target_seconds
            )
            state = BREACHED if breached else "met"
            icon = ICONS[BREACHED] if breached else "✓"
            html = format_html(
                '<span class="sla sla-{}"><span class="sla-icon" aria-hidden="true">{}</span> '
                "{}</span>",
                "late" if breached else "met",
                icon,
                outcome_text(target),
            )
        elif target.state == TargetState.PAUSED or target.due_at is None:
            state = PAUSED
            left = max(target.target_seconds - target.spent_seconds, 0)
            html = format_html(
                '<span class="sla sla-paused" title="{}"><span class="sla-icon" aria-hidden="true">'
                "{}</span> {}</span>",
                labels.paused_title,
                ICONS[PAUSED],
                _("%(target)s: paused, %(duration)s left")
                % {"target": label, "duration": duration_text(left, round_up=True)},
            )
        else:
            state = state_of(target.due_at, target.at_risk_at, now)
            html = countdown(
                target.due_at,
                target.at_risk_at,
                now=now,
                labels=labels,
                prefix=_("%(target)s: ") % {"target": label},
            )
        lines.append(TargetLine(state=state, html=html))
    return lines
