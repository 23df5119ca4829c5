"""Auto-QA in the workspace: "Check my reply" in the composer, the quality page (trends per
agent and team per behaviour), and the admin's settings of the checks."""

import datetime as dt

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from carefront.accounts.models import Agent, Role
from carefront.conversations.selectors import access_conversation
from carefront.core.exceptions import InvalidInput
from carefront.quality import checks
from carefront.quality.behaviours import Behaviour, Outcome
from carefront.quality.models import QaCheckSetting
from carefront.quality.selectors import quality_trends, visible_agent_ids
from carefront.quality.services import check_setting_update, reply_preview_check
from carefront.web.errors import admin_view, agent_view
from carefront.web.http import HttpResponseSeeOther

MAX_CHECKED_LENGTH = 20_000
PERIODS = {
    "7": gettext_lazy("Last 7 days"),
    "30": gettext_lazy("Last 30 days"),
    "90": gettext_lazy("Last 90 days"),
    "365": gettext_lazy("Last 12 months"),
}
DEFAULT_PERIOD = "30"
SHOWN = {Outcome.PASSED, Outcome.MISSED}


@require_POST
@agent_view
def reply_check_view(request: HttpRequest, conversation_id: int) -> HttpResponse:
    """ "Check my reply": the hints for the text in the composer, before it is sent."""
    conversation = access_conversation(actor=request.user, conversation_id=conversation_id)
    body = request.POST.get("body", "")[:MAX_CHECKED_LENGTH]
    if not body.strip():
        return render(
            request, "web/quality/reply_check.html", {"empty": True, "marks": []}, status=200
        )
    marks = reply_preview_check(
        conversation=conversation,
        body=body,
        status=request.POST.get("then", ""),
        promise_due=bool(request.POST.get("promise-due")),
    )
    labels = dict(Behaviour.choices)
    rows = [
        {"label": labels.get(m.behaviour, m.behaviour), "mark": m}
        for m in marks
        if m.outcome in SHOWN
    ]
    if not rows:
        rows = [{"label": "", "mark": m} for m in marks if m.outcome == Outcome.NOT_CHECKED][:1]
    missed = [r for r in rows if r["mark"].outcome == Outcome.MISSED]
    return render(
        request,
        "web/quality/reply_check.html",
        {
            "rows": rows,
            "missed": missed,
            "not_checked": all(m.outcome == Outcome.NOT_CHECKED for m in marks),
        },
    )


def _period(request: HttpRequest) -> tuple[str, dt.datetime, dt.datetime]:
    period = request.GET.get("period", DEFAULT_PERIOD)
    if period not in PERIODS:
        period = DEFAULT_PERIOD
    until = timezone.now()
    return period, until - dt.timedelta(days=int(period)), until


def _chart(weekly, behaviour_keys: list[str]) -> list[dict]:
    """One SVG polyline per behaviour: the share passed per week (0-100 %)."""
    if not weekly:
        return []
    width, height = 600, 160
    step = width / max(len(weekly) - 1, 1)
    lines = []
    for index, behaviour in enumerate(behaviour_keys):
        points = []
        for i, (_week, cells) in enumerate(weekly):
            cell = cells.get(behaviour)
            if cell is not None and cell.rate is not None:
                points.append((round(i * step), round(height - cell.rate * height)))
        if points:
            lines.append(
                {
                    "behaviour": behaviour,
                    "points": " ".join(f"{x},{y}" for x, y in points),
                    # A dot per week: a single week is a dot, not an invisible line.
                    "dots": points,
                    "index": index,
                }
            )
    return lines


@agent_view
def quality_page(request: HttpRequest) -> HttpResponse:
    """Trends of the auto-QA marks: an agent sees their own, a lead their teams' agents and
    teams, an admin everyone's."""
    actor: Agent = request.user
    period, since, until = _period(request)
    agent_id = None
    raw_agent = request.GET.get("agent", "")
    if raw_agent.isdigit():
        allowed = visible_agent_ids(actor)
        if allowed is None or int(raw_agent) in allowed:
            agent_id = int(raw_agent)
    trends = quality_trends(actor=actor, since=since, until=until, agent_id=agent_id)
    behaviours = list(Behaviour.choices)
    context = {
        "period": period,
        "periods": list(PERIODS.items()),
        "behaviours": behaviours,
        "trends": trends,
        "chart": _chart(trends.weekly, [b for b, _label in behaviours]),
        "is_lead": actor.role in {Role.LEAD, Role.ADMIN},
        "agent_id": agent_id,
        "weeks": [week for week, _cells in trends.weekly],
    }
    return render(request, "web/quality/quality.html", context)


@admin_view
def manage_quality(request: HttpRequest) -> HttpResponse:
    """Switch each check off or on, and tune its words per language."""
    settings = {s.behaviour: s for s in QaCheckSetting.objects.all()}
    errors: dict[str, str] = {}
    submitted: dict[str, dict] = {}
    if request.method == "POST":
        behaviour = request.POST.get("behaviour", "")
        words = {lang: request.POST.get(f"words_{lang}", "") for lang in checks.LANGUAGES}
        enabled = request.POST.get("enabled") == "on"
        try:
            check_setting_update(
                actor=request.user, behaviour=behaviour, enabled=enabled, words=words
            )
        except InvalidInput as exc:
            errors[behaviour] = exc.message
            submitted[behaviour] = {"enabled": enabled, **words}
        else:
            messages.success(
                request,
                _(
                    "Saved. New replies are checked with these settings; run "
                    "“manage.py quality_recheck” to re-check earlier ones."
                ),
            )
            return HttpResponseSeeOther(reverse("web:manage_quality") + f"#check-{behaviour}")
    rows = []
    for behaviour, label in Behaviour.choices:
        setting = settings.get(behaviour)
        enabled = behaviour not in checks.OFF_BY_DEFAULT if setting is None else setting.enabled
        tuned = (setting.words if setting else {}) or {}
        again = submitted.get(behaviour)
        rows.append(
            {
                "behaviour": behaviour,
                "label": label,
                "enabled": again["enabled"] if again else enabled,
                "tunable": behaviour in checks.TUNABLE,
                "languages": [
                    {
                        "code": lang,
                        "text": again[lang]
                        if again
                        else "\n".join(tuned.get(lang) or checks.DEFAULT_WORDS[behaviour][lang])
                        if behaviour in checks.TUNABLE
                        else "",
                        "is_default": not tuned.get(lang),
                    }
                    for lang in checks.LANGUAGES
                ],
                "error": errors.get(behaviour, ""),
            }
        )
    return render(
        request,
        "web/manage/quality.html",
        {"rows": rows},
        status=400 if errors else 200,
    )


def attach_reply_marks(*, actor: Agent, conversation, timeline: list) -> None:
    """Set `qa` on each checked agent reply of the timeline the actor may see the marks of
    (their own; a lead their teams'; an admin all): the marks with their counts. One query."""
    from carefront.quality.selectors import marks_for_conversation_page

    by_message = marks_for_conversation_page(actor=actor, conversation_id=conversation.pk)
    if not by_message:
        return
    for kind, _when, item in timeline:
        if kind != "message":
            continue
        marks = by_message.get(item.pk)
        if marks:
            item.qa = {
                # Only what was found: not applicable and switched-off checks say nothing
                # useful under a reply; a reply in a language without rules says so once.
                "marks": [m for m in marks if m.outcome in SHOWN],
                "note": next((m.evidence for m in marks if m.outcome == Outcome.NOT_CHECKED), "")
                if all(m.outcome == Outcome.NOT_CHECKED for m in marks)
                else "",
                "passed": sum(m.outcome == Outcome.PASSED for m in marks),
                "missed": sum(m.outcome == Outcome.MISSED for m in marks),
            }
