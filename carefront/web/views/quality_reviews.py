"""Review scorecards, reviews and disputes, calibration sessions, picking conversations to review,
and coaching (docs/quality.md). Agents see their own reviews and sessions; leads those of their
teams' agents; admins all."""

import datetime as dt

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from carefront.accounts.models import Agent, Role
from carefront.conversations.models import Direction, Message
from carefront.conversations.selectors import access_conversation
from carefront.core.exceptions import InvalidInput, NotFound
from carefront.quality import selectors
from carefront.quality.behaviours import Behaviour
from carefront.quality.models import ReviewState, Scale, ScorecardVersion
from carefront.quality.models.reviews import MAX_CATEGORIES
from carefront.quality.services import (
    CategoryIn,
    GoalIn,
    ScoreIn,
    calibration_create,
    coaching_create,
    review_create,
    review_dispute,
    review_prefill,
    review_reply,
    review_resolve,
    scorecard_create,
    scorecard_update,
)
from carefront.web.errors import agent_view, lead_view
from carefront.web.http import HttpResponseSeeOther

PAGE_SIZE = 25
BLANK_CATEGORY_ROWS = 3
MAX_ID = 2**63 - 1


def _int(value: str | None) -> int | None:
    value = (value or "").strip()
    if value.isdigit() and 0 < int(value) <= MAX_ID:
        return int(value)
    return None


def _date(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat((value or "").strip())
    except ValueError:
        return None


# Reviews ---------------------------------------------------------------------------------------


@agent_view
def review_list(request: HttpRequest) -> HttpResponse:
    actor = request.user
    is_lead = actor.role in {Role.LEAD, Role.ADMIN}
    mine = not is_lead or request.GET.get("who") == "me"
    state = request.GET.get("state") or None
    if state not in ReviewState.values:
        state = None
    filters = selectors.ReviewFilters(
        agent_id=_int(request.GET.get("agent")), state=state, mine=mine
    )
    page = selectors.review_page(
        actor=actor, filters=filters, cursor=request.GET.get("cursor") or None, limit=PAGE_SIZE
    )
    context = {
        "page": page,
        "filters": filters,
        "is_lead": is_lead,
        "states": ReviewState.choices,
        "agents": list(selectors.led_agents(actor=actor).order_by("name", "id")[:500])
        if is_lead
        else [],
    }
    return render(request, "web/quality/review_list.html", context)


def _score_rows(version: ScorecardVersion, prefill: dict, posted: dict | None = None) -> list[dict]:
    """One row per category for the score form: the choices, the value to show (what was
    posted, else the auto-QA suggestion) and why it was suggested."""
    rows = []
    choices = [(v, str(v)) for v in range(version.low, version.high + 1)]
    if version.scale == Scale.PASS_FAIL:
        choices = [(1, _("Pass")), (0, _("Fail"))]
    for category in version.categories.all():
        suggestion = prefill.get(category.pk)
        if posted is not None:
            value = posted.get(f"score-{category.pk}", "")
            comment = posted.get(f"comment-{category.pk}", "")
        else:
            value = "" if suggestion is None or suggestion.value is None else str(suggestion.value)
            comment = ""
        rows.append(
            {
                "category": category,
                "choices": [(str(v), label) for v, label in choices],
                "value": value,
                "comment": comment,
                "evidence": suggestion.evidence if suggestion else "",
            }
        )
    return rows


def _scores_from_post(request: HttpRequest, version: ScorecardVersion) -> list[ScoreIn]:
    scores = []
    for category in version.categories.all():
        raw = request.POST.get(f"score-{category.pk}", "").strip()
        if raw and not raw.lstrip("-").isdigit():
            raise InvalidInput(_("A score must be a whole number."))
        scores.append(
            ScoreIn(
                category_id=category.pk,
                value=int(raw) if raw else None,
                comment=request.POST.get(f"comment-{category.pk}", ""),
            )
        )
    return scores


def _reviewable_agents(actor: Agent, conversation) -> list[Agent]:
    """Who may be reviewed in this conversation: its assignee and the agents who replied, among
    those the actor leads."""
    ids = set(
        Message.objects.filter(conversation=conversation, direction=Direction.OUTGOING)
        .exclude(author__isnull=True)
        .values_list("author_id", flat=True)
    )
    if conversation.assignee_id:
        ids.add(conversation.assignee_id)
    return list(selectors.led_agents(actor=actor).filter(pk__in=ids).order_by("name", "id"))


@lead_view
def review_new(request: HttpRequest) -> HttpResponse:
    actor = request.user
    params = request.POST if request.method == "POST" else request.GET
    conversation_id = _int(params.get("conversation"))
    if conversation_id is None:
        raise NotFound(_("Choose a conversation to review."))
    conversation = access_conversation(actor=actor, conversation_id=conversation_id)
    scorecards = selectors.scorecards_list()
    if not scorecards:
        messages.info(request, _("Build a scorecard first: reviews score against one."))
        return HttpResponseSeeOther(reverse("web:quality_scorecard_new"))
    scorecard_id = _int(params.get("scorecard")) or scorecards[0].pk
    scorecard = selectors.access_scorecard(scorecard_id=scorecard_id)
    version = selectors.scorecard_current_version(scorecard=scorecard)
    if request.method == "POST":
        posted_version = _int(request.POST.get("version"))
        if posted_version and posted_version != version.pk:
            version = (
                ScorecardVersion.objects.prefetch_related("categories")
                .filter(pk=posted_version, scorecard=scorecard)
                .first()
            ) or version
    agents = _reviewable_agents(actor, conversation)
    agent_id = _int(params.get("agent")) or (
        conversation.assignee_id
        if any(a.pk == conversation.assignee_id for a in agents)
        else (agents[0].pk if agents else None)
    )
    agent = next((a for a in agents if a.pk == agent_id), None)
    error, status = "", 200
    if request.method == "POST":
        if agent is None:
            error, status = _("Choose an agent of your teams who took part."), 400
        else:
            try:
                review = review_create(
                    actor=actor,
                    conversation=conversation,
                    agent=agent,
                    version=version,
                    scores=_scores_from_post(request, version),
                    comment=request.POST.get("comment", ""),
                )
            except InvalidInput as exc:
                error, status = exc.message, 400
            else:
                messages.success(
                    request, _("Review saved. %(name)s is told.") % {"name": agent.name}
                )
                return HttpResponseSeeOther(reverse("web:quality_review", args=[review.pk]))
    prefill = (
        review_prefill(version=version, conversation_id=conversation.pk, agent_id=agent.pk)
        if agent
        else {}
    )
    context = {
        "conversation": conversation,
        "scorecards": scorecards,
        "scorecard": scorecard,
        "version": version,
        "agents": agents,
        "agent": agent,
        "rows": _score_rows(version, prefill, request.POST if request.method == "POST" else None),
        "comment": request.POST.get("comment", "") if request.method == "POST" else "",
        "error": error,
        "action": reverse("web:quality_review_new"),
    }
    return render(request, "web/quality/review_new.html", context, status=status)


def _render_review(request: HttpRequest, review, *, error: str = "", status: int = 200):
    actor = request.user
    context = {
        "review": review,
        "scores": selectors.review_detail_scores(review=review),
        "is_agent": review.agent_id == actor.pk,
        "may_resolve": review.is_disputed
        and review.agent_id != actor.pk
        and selectors.may_lead(actor=actor, agent_id=review.agent_id),
        "error": error,
    }
    return render(request, "web/quality/review_detail.html", context, status=status)


@agent_view
def review_detail(request: HttpRequest, review_id: int) -> HttpResponse:
    return _render_review(request, selectors.access_review(actor=request.user, review_id=review_id))


@require_POST
@agent_view
def review_answer(request: HttpRequest, review_id: int) -> HttpResponse:
    """The agent's answer, or (with `dispute`) their dispute."""
    review = selectors.access_review(actor=request.user, review_id=review_id)
    text = request.POST.get("text", "")
    try:
        if request.POST.get("dispute"):
            review_dispute(actor=request.user, review=review, reason=text)
            messages.success(request, _("Dispute sent. The reviewer is told."))
        else:
            review_reply(actor=request.user, review=review, text=text)
            messages.success(request, _("Answer saved."))
    except InvalidInput as exc:
        return _render_review(request, review, error=exc.message, status=400)
    return HttpResponseSeeOther(reverse("web:quality_review", args=[review.pk]))


@require_POST
@lead_view
def review_resolve_view(request: HttpRequest, review_id: int) -> HttpResponse:
    review = selectors.access_review(actor=request.user, review_id=review_id)
    accept = request.POST.get("decision") == "accept"
    try:
        scores = _scores_from_post(request, review.version) if accept else None
        review_resolve(
            actor=request.user,
            review=review,
            accept=accept,
            resolution=request.POST.get("resolution", ""),
            scores=[s for s in scores if request.POST.get(f"score-{s.category_id}") is not None]
            if scores
            else None,
        )
    except InvalidInput as exc:
        return _render_review(request, review, error=exc.message, status=400)
    messages.success(request, _("Dispute resolved. The agent is told."))
    return HttpResponseSeeOther(reverse("web:quality_review", args=[review.pk]))


@lead_view
def review_pick(request: HttpRequest) -> HttpResponse:
    """Conversations worth reviewing: filters, or a random sample per agent per week."""
    get = request.GET
    sample = _int(get.get("sample"))
    filters = selectors.CandidateFilters(
        low_csat=get.get("low_csat") == "1",
        min_messages=_int(get.get("min_messages")),
        not_reviewed=get.get("all") != "1",
        agent_id=_int(get.get("agent")),
        sample_per_agent=sample,
        week=_date(get.get("week")),
    )
    page = selectors.review_candidates(
        actor=request.user,
        filters=filters,
        cursor=None if sample else (get.get("cursor") or None),
        limit=PAGE_SIZE,
        today=timezone.now().date(),
    )
    context = {
        "page": page,
        "filters": filters,
        "agents": list(selectors.led_agents(actor=request.user).order_by("name", "id")[:500]),
    }
    return render(request, "web/quality/pick.html", context)


# Scorecards ------------------------------------------------------------------------------------


@agent_view
def scorecard_list(request: HttpRequest) -> HttpResponse:
    is_lead = request.user.role in {Role.LEAD, Role.ADMIN}
    scorecards = selectors.scorecards_list(include_inactive=is_lead)
    versions = selectors.current_versions(scorecard_ids=[s.pk for s in scorecards])
    rows = [(s, versions[s.pk]) for s in scorecards if s.pk in versions]
    return render(request, "web/quality/scorecards.html", {"rows": rows, "is_lead": is_lead})


def _categories_from_post(request: HttpRequest) -> list[CategoryIn]:
    categories = []
    # The form says how many rows it has; at most two per category allowed (blank rows).
    rows = min(_int(request.POST.get("rows")) or 0, 2 * MAX_CATEGORIES)
    for i in range(rows):
        name = request.POST.get(f"cat-{i}-name", "").strip()
        if not name:
            continue
        weight = request.POST.get(f"cat-{i}-weight", "1").strip()
        if not weight.isdigit():
            raise InvalidInput(_("The weight of %(name)s must be a whole number.") % {"name": name})
        categories.append(
            CategoryIn(
                name=name,
                weight=int(weight),
                is_critical=bool(request.POST.get(f"cat-{i}-critical")),
                behaviour=request.POST.get(f"cat-{i}-behaviour", ""),
                description=request.POST.get(f"cat-{i}-description", ""),
                key=request.POST.get(f"cat-{i}-key", ""),
            )
        )
    return categories


def _scorecard_form(request: HttpRequest, *, scorecard=None) -> HttpResponse:
    version = selectors.scorecard_current_version(scorecard=scorecard) if scorecard else None
    error, status = "", 200
    if request.method == "POST":
        try:
            categories = _categories_from_post(request)
            fields = {
                "actor": request.user,
                "name": request.POST.get("name", ""),
                "scale": request.POST.get("scale", ""),
                "categories": categories,
                "description": request.POST.get("description", ""),
            }
            if scorecard is None:
                scorecard = scorecard_create(**fields)
            else:
                scorecard_update(
                    scorecard=scorecard, is_active=bool(request.POST.get("active")), **fields
                )
        except InvalidInput as exc:
            error, status = exc.message, 400
        else:
            messages.success(request, _("Scorecard saved."))
            return HttpResponseSeeOther(reverse("web:quality_scorecards"))
    if request.method == "POST":
        rows = [
            {
                "name": c.name,
                "weight": c.weight,
                "is_critical": c.is_critical,
                "behaviour": c.behaviour,
                "description": c.description,
                "key": c.key,
            }
            for c in _safe_categories(request)
        ]
        values = {
            "name": request.POST.get("name", ""),
            "description": request.POST.get("description", ""),
            "scale": request.POST.get("scale", ""),
            "active": bool(request.POST.get("active")),
        }
    else:
        rows = [
            {
                "name": c.name,
                "weight": c.weight,
                "is_critical": c.is_critical,
                "behaviour": c.behaviour,
                "description": c.description,
                "key": c.key,
            }
            for c in (version.categories.all() if version else [])
        ]
        values = {
            "name": scorecard.name if scorecard else "",
            "description": scorecard.description if scorecard else "",
            "scale": version.scale if version else Scale.ONE_TO_FOUR,
            "active": scorecard.is_active if scorecard else True,
        }
    rows += [{"name": "", "weight": 1, "is_critical": False, "behaviour": "", "key": ""}] * (
        BLANK_CATEGORY_ROWS
    )
    context = {
        "scorecard": scorecard,
        "version": version,
        "rows": rows,
        "values": values,
        "scales": Scale.choices,
        "behaviours": Behaviour.choices,
        "error": error,
    }
    return render(request, "web/quality/scorecard_form.html", context, status=status)


def _safe_categories(request: HttpRequest) -> list[CategoryIn]:
    try:
        return _categories_from_post(request)
    except InvalidInput:
        return []


@lead_view
def scorecard_new(request: HttpRequest) -> HttpResponse:
    return _scorecard_form(request)


@lead_view
def scorecard_edit(request: HttpRequest, scorecard_id: int) -> HttpResponse:
    return _scorecard_form(request, scorecard=selectors.access_scorecard(scorecard_id=scorecard_id))


# Calibration -----------------------------------------------------------------------------------


@lead_view
def calibration_list(request: HttpRequest) -> HttpResponse:
    sessions = list(
        selectors.calibrations_visible_to(actor=request.user).order_by("-created_at", "-id")[:50]
    )
    return render(request, "web/quality/calibration_list.html", {"sessions": sessions})


@lead_view
def calibration_new(request: HttpRequest) -> HttpResponse:
    actor = request.user
    params = request.POST if request.method == "POST" else request.GET
    conversation_id = _int(params.get("conversation"))
    scorecards = selectors.scorecards_list()
    reviewers = list(
        Agent.objects.filter(is_active=True, role__in=[Role.LEAD, Role.ADMIN]).order_by(
            "name", "id"
        )
    )
    error, status = "", 200
    if request.method == "POST":
        try:
            if conversation_id is None:
                raise InvalidInput(_("Give the number of the conversation to calibrate on."))
            conversation = access_conversation(actor=actor, conversation_id=conversation_id)
            scorecard = selectors.access_scorecard(scorecard_id=_int(params.get("scorecard")) or 0)
            chosen_ids = {_int(v) for v in request.POST.getlist("reviewers")}
            session = calibration_create(
                actor=actor,
                conversation=conversation,
                version=selectors.scorecard_current_version(scorecard=scorecard),
                reviewers=[r for r in reviewers if r.pk in chosen_ids],
                name=request.POST.get("name", ""),
            )
        except (InvalidInput, NotFound) as exc:
            error, status = exc.message, 400
        else:
            messages.success(request, _("Calibration session started."))
            return HttpResponseSeeOther(reverse("web:quality_calibration", args=[session.pk]))
    context = {
        "conversation_id": conversation_id or "",
        "scorecards": scorecards,
        "reviewers": reviewers,
        "error": error,
        "name": params.get("name", ""),
    }
    return render(request, "web/quality/calibration_new.html", context, status=status)


@lead_view
def calibration_detail(request: HttpRequest, session_id: int) -> HttpResponse:
    actor = request.user
    session = selectors.access_calibration(actor=actor, session_id=session_id)
    version = (
        ScorecardVersion.objects.prefetch_related("categories")
        .select_related("scorecard")
        .get(pk=session.version_id)
    )
    session.version = version
    error, status = "", 200
    if request.method == "POST":
        agent = session.conversation.assignee
        try:
            if agent is None:
                raise InvalidInput(_("The conversation has no assignee to review."))
            review_create(
                actor=actor,
                conversation=session.conversation,
                agent=agent,
                version=version,
                scores=_scores_from_post(request, version),
                comment=request.POST.get("comment", ""),
                calibration=session,
            )
        except InvalidInput as exc:
            error, status = exc.message, 400
        else:
            messages.success(request, _("Your scores are in. Here is where the reviewers differ."))
            return HttpResponseSeeOther(reverse("web:quality_calibration", args=[session.pk]))
    result = selectors.calibration_result(actor=actor, session=session)
    is_reviewer = actor.pk in {r.pk for r in result.reviewers}
    context = {
        "session": session,
        "result": result,
        "may_score": is_reviewer and actor.pk not in result.submitted,
        "rows": _score_rows(version, {}, request.POST if request.method == "POST" else None),
        "error": error,
    }
    return render(request, "web/quality/calibration_detail.html", context, status=status)


# Coaching --------------------------------------------------------------------------------------


@agent_view
def coaching_list(request: HttpRequest) -> HttpResponse:
    actor = request.user
    rows, next_cursor = selectors.coaching_page(
        actor=actor,
        agent_id=_int(request.GET.get("agent")),
        cursor=request.GET.get("cursor") or None,
        limit=PAGE_SIZE,
    )
    context = {
        "sessions": rows,
        "next_cursor": next_cursor,
        "is_lead": actor.role in {Role.LEAD, Role.ADMIN},
    }
    return render(request, "web/quality/coaching_list.html", context)


@lead_view
def coaching_new(request: HttpRequest) -> HttpResponse:
    actor = request.user
    agents = list(selectors.led_agents(actor=actor).filter(is_active=True).order_by("name", "id"))
    scorecards = selectors.scorecards_list()
    versions = selectors.current_versions(scorecard_ids=[s.pk for s in scorecards])
    goal_choices = [
        (f"{s.pk}:{c.key}", f"{s.name} · {c.name}")
        for s in scorecards
        if s.pk in versions
        for c in versions[s.pk].categories.all()
    ]
    error, status = "", 200
    post = request.POST
    if request.method == "POST":
        agent = next((a for a in agents if a.pk == _int(post.get("agent"))), None)
        held_on = _date(post.get("held_on"))
        follow_up_on = _date(post.get("follow_up_on")) if post.get("follow_up_on") else None
        try:
            if agent is None:
                raise InvalidInput(_("Choose an agent of your teams."))
            if held_on is None:
                raise InvalidInput(_("Give the date of the session."))
            if post.get("follow_up_on") and follow_up_on is None:
                raise InvalidInput(_("The follow-up date is not a date."))
            goals = []
            for value in post.getlist("goals"):
                scorecard_id, _sep, key = value.partition(":")
                if not scorecard_id.isdigit():
                    raise InvalidInput(_("A goal names a scorecard category that does not exist."))
                goals.append(
                    GoalIn(
                        scorecard_id=int(scorecard_id),
                        category_key=key,
                        description=post.get(f"goal-{value}", ""),
                    )
                )
            session = coaching_create(
                actor=actor,
                agent=agent,
                held_on=held_on,
                notes=post.get("notes", ""),
                follow_up_on=follow_up_on,
                goals=goals,
            )
        except InvalidInput as exc:
            error, status = exc.message, 400
        else:
            messages.success(request, _("Coaching session saved."))
            return HttpResponseSeeOther(reverse("web:quality_coaching_session", args=[session.pk]))
    context = {
        "agents": agents,
        "goal_choices": goal_choices,
        "error": error,
        "post": post,
        "chosen_goals": post.getlist("goals") if request.method == "POST" else [],
        "today": timezone.localdate().isoformat(),
        "agent_id": _int(post.get("agent") or request.GET.get("agent")),
    }
    return render(request, "web/quality/coaching_new.html", context, status=status)


CHART_WIDTH, CHART_HEIGHT, CHART_PAD = 560, 180, 30


def _chart(series: list[selectors.ProgressSeries]) -> dict:
    """Coordinates for the server-drawn SVG: one polyline per goal, weeks on x, 0-100 % on y."""
    weeks = sorted({week for s in series for week, _v in s.points})
    if not weeks:
        return {"lines": [], "weeks": []}
    step = (CHART_WIDTH - 2 * CHART_PAD) / max(len(weeks) - 1, 1)
    x_of = {week: CHART_PAD + i * step for i, week in enumerate(weeks)}
    lines = []
    for index, s in enumerate(series):
        points = [
            (
                round(x_of[w], 1),
                round(CHART_HEIGHT - CHART_PAD - v / 100 * (CHART_HEIGHT - 2 * CHART_PAD), 1),
                v,
                w,
            )
            for w, v in s.points
        ]
        lines.append(
            {
                "name": s.name,
                "index": index % 6,
                "points": points,
                "path": " ".join(f"{x},{y}" for x, y, _v, _w in points),
                "last": s.points[-1][1] if s.points else None,
            }
        )
    return {
        "lines": lines,
        "weeks": [(round(x_of[w], 1), date_format(w, "d M")) for w in weeks],
        "width": CHART_WIDTH,
        "height": CHART_HEIGHT,
        "bottom": CHART_HEIGHT - CHART_PAD,
        "top": CHART_PAD,
        "middle": CHART_HEIGHT / 2,
        "right": CHART_WIDTH - CHART_PAD,
        "pad": CHART_PAD,
    }


@agent_view
def coaching_detail(request: HttpRequest, session_id: int) -> HttpResponse:
    session = selectors.access_coaching(actor=request.user, session_id=session_id)
    goals = list(session.goals.all())
    series = selectors.coaching_progress(
        agent_id=session.agent_id,
        goals=[(g.scorecard_id, g.category_key, g.category_name) for g in goals],
    )
    context = {"session": session, "goals": goals, "series": series, "chart": _chart(series)}
    return render(request, "web/quality/coaching_detail.html", context)
