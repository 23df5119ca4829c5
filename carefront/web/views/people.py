"""Training, kudos and wellbeing pages (quality app, people side): thin views over its
services and selectors."""

import csv
import datetime as dt

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from carefront.accounts.models import Agent, Team
from carefront.core.exceptions import InvalidInput, NotFound
from carefront.feedback.reports import csv_safe
from carefront.quality.access import teams_led_by
from carefront.quality.selectors_people import (
    MIN_GROUP,
    access_training_item,
    my_workload_signals,
    period_bounds,
    pulse_answer_count,
    pulse_results,
    team_workload_signals,
    training_for_agent,
    training_item_status,
    training_items_page,
)
from carefront.quality.services.kudos import kudos_give
from carefront.quality.services.pulse import (
    ROUND_DAYS,
    pulse_answer,
    pulse_has_answered,
    pulse_round_current,
    round_start,
)
from carefront.quality.services.training import training_acknowledge, training_publish
from carefront.web.errors import agent_view, form_error, lead_view
from carefront.web.people_forms import KudosForm, PulseForm, TrainingForm

PAGE_SIZE = 25


# Training ------------------------------------------------------------------------------------


@agent_view
def training_index(request: HttpRequest) -> HttpResponse:
    actor = request.user
    open_items, done = training_for_agent(actor=actor)
    context = {"open_items": open_items, "done": done, "published": None}
    if actor.sees_all_inboxes:
        cursor = request.GET.get("cursor") or None
        context["published"] = training_items_page(actor=actor, cursor=cursor, limit=PAGE_SIZE)
        context["is_next_page"] = bool(cursor)
    return render(request, "web/training.html", context)


@lead_view
def training_new(request: HttpRequest) -> HttpResponse:
    teams = list(teams_led_by(actor=request.user))
    status = 200
    if request.method == "POST":
        form = TrainingForm(request.POST, teams=teams)
        if form.is_valid():
            data = form.cleaned_data
            try:
                item = training_publish(
                    actor=request.user,
                    title=data["title"],
                    url=data["url"],
                    notes=data["notes"],
                    due_at=data["due_at"],
                    team_ids=data["teams"],
                )
            except InvalidInput as exc:
                form_error(form, exc)
            else:
                messages.success(request, _("Published: each member of the teams is told."))
                return redirect("web:training_item", item.pk)
        status = 400
    else:
        form = TrainingForm(teams=teams)
    return render(request, "web/training_form.html", {"form": form}, status=status)


@agent_view
def training_item(request: HttpRequest, item_id: int) -> HttpResponse:
    actor = request.user
    if actor.sees_all_inboxes:
        item, assignments = training_item_status(actor=actor, item_id=item_id)
    else:
        item, assignments = access_training_item(actor=actor, item_id=item_id), None
    mine = item.assignments.filter(agent=actor).first()
    context = {"item": item, "assignments": assignments, "mine": mine}
    return render(request, "web/training_item.html", context)


@require_POST
@agent_view
def training_acknowledge_view(request: HttpRequest, item_id: int) -> HttpResponse:
    training_acknowledge(actor=request.user, item_id=item_id)
    messages.success(request, _("Marked as done. Thank you!"))
    if request.POST.get("next") == "item":
        return redirect("web:training_item", item_id)
    return redirect("web:training")


# Kudos -------------------------------------------------------------------------------------


def colleagues_of(agent: Agent, team: Team | None = None) -> list[Agent]:
    qs = Agent.objects.filter(is_active=True).exclude(pk=agent.pk)
    qs = qs.filter(teams=team) if team is not None else qs.filter(teams__members=agent)
    return list(qs.distinct().order_by("name", "id").only("id", "name"))


@require_POST
@agent_view
def kudos_give_view(request: HttpRequest) -> HttpResponse:
    team_id = request.POST.get("team", "")
    team = Team.objects.filter(pk=int(team_id)).first() if team_id.isdigit() else None
    form = KudosForm(request.POST, colleagues=colleagues_of(request.user, team))
    if form.is_valid():
        data = form.cleaned_data
        try:
            kudos_give(
                actor=request.user,
                receiver_id=data["receiver"],
                message=data["message"],
                conversation_id=data["conversation"],
            )
        except (InvalidInput, NotFound) as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Kudos sent. Thank you for noticing!"))
    else:
        errors = "; ".join(str(e) for errs in form.errors.values() for e in errs)
        messages.error(request, errors)
    if team is not None:
        return redirect("web:recognition", team.pk)
    return redirect("web:profile")


# Wellbeing ---------------------------------------------------------------------------------


def _period(request: HttpRequest) -> tuple[dt.date, dt.datetime, dt.datetime]:
    """The two-week period asked for (`?from=YYYY-MM-DD`, snapped to a round), else the
    current one."""
    today = timezone.localdate(timezone.now(), timezone=dt.UTC)
    raw = request.GET.get("from", "")
    day = today
    if raw:
        try:
            day = dt.date.fromisoformat(raw)
        except ValueError as exc:
            raise InvalidInput(_("The period must be a date such as 2026-01-05.")) from exc
    starts_on = round_start(day)
    start, end = period_bounds(starts_on=starts_on, days=ROUND_DAYS)
    return starts_on, start, end


def _periods_nav(starts_on: dt.date) -> dict:
    step = dt.timedelta(days=ROUND_DAYS)
    today = timezone.localdate(timezone.now(), timezone=dt.UTC)
    return {
        "period_start": starts_on,
        "period_end": starts_on + step - dt.timedelta(days=1),
        "previous_period": (starts_on - step).isoformat(),
        "next_period": (starts_on + step).isoformat() if starts_on + step <= today else None,
    }


@agent_view
def wellbeing(request: HttpRequest) -> HttpResponse:
    """The agent's page: the pulse (if not answered yet) and their own signals."""
    actor = request.user
    teams = list(actor.teams.order_by("name"))
    status = 200
    form = None
    answered = pulse_has_answered(actor=actor)
    if answered and request.method == "POST":
        messages.info(request, _("You have answered this round already. Thank you!"))
        return redirect("web:wellbeing")
    if not answered:
        form = PulseForm(request.POST or None, teams=teams)
        if request.method == "POST":
            if form.is_valid():
                data = form.cleaned_data
                try:
                    pulse_answer(
                        actor=actor,
                        team_id=data.get("team"),
                        feeling=data["feeling"],
                        workload=data["workload"],
                        support=data["support"],
                        enps=data["enps"],
                        comment=data["comment"],
                    )
                except InvalidInput as exc:
                    form_error(form, exc)
                else:
                    messages.success(
                        request, _("Thank you. Your answer is stored without your name.")
                    )
                    return redirect("web:wellbeing")
            status = 400
    starts_on, start, end = _period(request)
    context = {
        "form": form,
        "answered": answered,
        "round": pulse_round_current(),
        "signals": my_workload_signals(actor=actor, start=start, end=end),
        "led_teams": list(teams_led_by(actor=actor)) if actor.sees_all_inboxes else [],
        "min_group": MIN_GROUP,
        **_periods_nav(starts_on),
    }
    return render(request, "web/wellbeing.html", context, status=status)


@lead_view
def wellbeing_team(request: HttpRequest, team_id: int) -> HttpResponse:
    """A lead's page for one team: pulse next to CSAT per round, and members' signals."""
    team, results = pulse_results(actor=request.user, team_id=team_id)
    starts_on, start, end = _period(request)
    _team, signals = team_workload_signals(
        actor=request.user, team_id=team_id, start=start, end=end
    )
    context = {
        "team": team,
        "results": results,
        "signals": signals,
        "answered_now": pulse_answer_count(actor=request.user, team_id=team_id),
        "min_group": MIN_GROUP,
        **_periods_nav(starts_on),
    }
    return render(request, "web/wellbeing_team.html", context)


class _Echo:
    def write(self, value: str) -> str:
        return value


@lead_view
def wellbeing_team_csv(request: HttpRequest, team_id: int) -> HttpResponse:
    """Pulse aggregates and CSAT per round; rounds under the threshold show the count only."""
    team, results = pulse_results(actor=request.user, team_id=team_id, rounds=26)
    writer = csv.writer(_Echo())
    lines = [
        writer.writerow(
            [
                "team",
                "round_start",
                "round_end",
                "answers",
                "feeling_avg",
                "workload_avg",
                "support_avg",
                "enps",
                "csat_great_percent",
                "ratings",
            ]
        )
    ]
    for r in results:
        shown = [r.feeling, r.workload, r.support, r.enps] if r.shown else ["", "", "", ""]
        lines.append(
            writer.writerow(
                [
                    csv_safe(team.name),
                    r.period_start.isoformat(),
                    r.period_end.isoformat(),
                    r.answers,
                    *["" if v is None else v for v in shown],
                    "" if r.csat is None else r.csat,
                    r.ratings,
                ]
            )
        )
    response = HttpResponse("".join(lines), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="pulse-team-{team.pk}.csv"'
    return response
