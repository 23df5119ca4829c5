"""The demo's feedback (docs/demo-data.md): CSAT ratings with comments on solved conversations,
an NPS campaign and its answers, the recovery tasks and praise they lead to, some of the
tasks followed up, and the comments grouped into themes, so that the feedback pages have
something to show.

Everything goes through the services production uses, at the dates the history has:
`survey_schedule` and `survey_send` (into a mail backend that sends nothing), `rating_record`
(which records the comment, opens recovery tasks and praise), `nps_campaign_create` /
`nps_campaign_start` / `nps_answer_record`, `recovery_close`, `themes_regroup`. The rules
hold: a customer is asked at most once per throttle window, across CSAT and NPS.
"""

import datetime as dt
import random
from dataclasses import dataclass

from carefront.accounts.models import Agent, Role
from carefront.conversations.models import Conversation, Status
from carefront.customers.models import Customer
from carefront.feedback.models import (
    InvitationStatus,
    NpsInvitation,
    RecoveryOutcome,
    RecoveryState,
    RecoveryTask,
    SurveyStatus,
)
from carefront.feedback.services import (
    nps_answer_record,
    nps_campaign_create,
    nps_campaign_run,
    nps_campaign_start,
    rating_record,
    recovery_close,
    survey_schedule,
    survey_send,
    themes_regroup,
)
from carefront.inboxes.models import Inbox

# Share of customers who answer a survey, and of NPS invitees who answer.
RATING_ANSWER_RATE = 0.6
NPS_ANSWER_RATE = 0.5
NPS_DAYS_AGO = 18
NPS_SHARE = 0.3
FRESH_SHARE = 0.15

# What customers write, by topic: (score, weight, texts). A weight may grow over the history
# (`growth`): a topic that is rare two months ago and frequent this week shows as *growing* on
# the themes-over-time page.
COMMENTS = {
    "late delivery": (
        "not_good",
        1.0,
        0.0,
        [
            "My parcel arrived a week late and nobody told me why.",
            "Delivery took ages, the tracking number did not work for days.",
            "Still waiting for my order after two weeks, very disappointing.",
            "The parcel was late again, third time this year.",
            "Shipping was much slower than promised on the website.",
        ],
    ),
    "refunds": (
        "not_good",
        0.8,
        0.0,
        [
            "I am still waiting for my refund, it has been three weeks.",
            "The refund took far too long to arrive on my card.",
            "Refund promised twice and still nothing on my account.",
            "Returning the item was easy but the refund is very slow.",
        ],
    ),
    "checkout errors": (
        "not_good",
        0.1,
        2.5,
        [
            "The checkout page keeps failing when I pay by card.",
            "Payment error at checkout, I had to try four times.",
            "Your checkout crashed and charged me twice.",
            "Could not pay, the checkout button does nothing on my phone.",
            "Card payment declined at checkout although my card works everywhere else.",
        ],
    ),
    "slow answers": (
        "okay",
        0.8,
        0.0,
        [
            "Solved in the end, but it took three emails to get there.",
            "Fine answer, though I waited two days for it.",
            "Okay support, a bit slow to reply.",
            "It was sorted but I had to explain everything twice.",
        ],
    ),
    "helpful agent": (
        "great",
        1.2,
        0.0,
        [
            "{agent} was so friendly and helpful, thank you!",
            "Great help from {agent}, quick and clear.",
            "{agent} sorted it out in minutes, excellent service.",
            "Thank you {agent}, really kind and patient.",
        ],
    ),
    "fast solution": (
        "great",
        1.0,
        0.0,
        [
            "Fast answer and the problem was solved the same day.",
            "Quick and easy, exactly what I needed.",
            "Very fast reply, problem solved right away.",
        ],
    ),
}
# A rating without a comment, as most are.
NO_COMMENT_SCORES = [("great", 5), ("okay", 2), ("not_good", 1)]
NO_COMMENT_SHARE = 0.35

NPS_COMMENTS = {
    "promoter": [
        "Good products and the support team actually listens.",
        "I recommend you to all my friends, great service.",
        "Reliable shop, friendly and fast support.",
        "Always helpful when something goes wrong.",
    ],
    "passive": [
        "Decent prices but delivery could be faster.",
        "Mostly fine, the app is a bit clumsy.",
        "Good shop, though returns take too long.",
    ],
    "detractor": [
        "Deliveries are late far too often.",
        "The checkout keeps failing on my phone, very annoying.",
        "Refunds take forever, I will shop elsewhere.",
        "Too many payment errors at checkout lately.",
    ],
}
RECOVERY_NOTES = {
    RecoveryOutcome.RESOLVED: "Called the customer, apologised and sent a voucher.",
    RecoveryOutcome.CONTACTED: "Emailed an apology and the new delivery date.",
    RecoveryOutcome.COULD_NOT_REACH: "Two calls, no answer; left a voicemail.",
    RecoveryOutcome.NO_ACTION_NEEDED: "The customer's issue was already fixed.",
}


@dataclass
class FeedbackSummary:
    ratings: int = 0
    nps_answers: int = 0
    recovery_closed: int = 0
    themes: int = 0


def _weights(*, age: float) -> list[tuple[str, float]]:
    """Each topic's weight for a rating `age` (0: now, 1: the start of the history) old."""
    return [
        (topic, base + growth * (1 - age) ** 3)
        for topic, (_s, base, growth, _t) in COMMENTS.items()
    ]


def _comment(rng: random.Random, *, age: float, agent: Agent | None) -> tuple[str, str]:
    """A score and a comment ("" for none)."""
    if rng.random() < NO_COMMENT_SHARE:
        values, weights = zip(*NO_COMMENT_SCORES, strict=True)
        return rng.choices(values, weights=weights)[0], ""
    topics, weights = zip(*_weights(age=age), strict=True)
    topic = rng.choices(topics, weights=weights)[0]
    score, _base, _growth, texts = COMMENTS[topic]
    name = agent.name.split(" ")[0] if agent is not None else "the agent"
    return score, rng.choice(texts).format(agent=name)


def feedback_build(
    *,
    rng: random.Random,
    clock,
    admin: Agent,
    inboxes: dict[str, Inbox],
    history_days: int,
) -> FeedbackSummary:
    """Ratings, an NPS campaign, recovery follow-ups and themes for the history built so far.
    Runs after the inboxes ask for ratings (`_ask_for_ratings_from_now_on`)."""
    summary = FeedbackSummary()
    real_now = clock.real_now
    solved = list(
        Conversation.objects.filter(status__in=[Status.SOLVED, Status.CLOSED])
        .select_related("assignee")
        .order_by("updated_at", "pk")
    )
    # Whoever got a CSAT survey may not be asked again within the throttle window (90 days,
    # longer than the history): a share of customers (the "plus" plan) is kept for the NPS
    # campaign, and a share is not asked at all, so that a conversation solved in the demo
    # sends a survey.
    customers = sorted(Customer.objects.values_list("pk", flat=True))
    picked = rng.sample(customers, k=round(len(customers) * (NPS_SHARE + FRESH_SHARE)))
    kept_for_nps = set(picked[: round(len(customers) * NPS_SHARE)])
    not_asked = set(picked) - kept_for_nps
    Customer.objects.filter(pk__in=kept_for_nps).update(attributes={"plan": "plus"})
    Customer.objects.exclude(pk__in=kept_for_nps).update(attributes={"plan": "basic"})
    for conversation in solved:
        if conversation.customer_id in kept_for_nps | not_asked:
            continue
        if rng.random() > RATING_ANSWER_RATE:
            continue
        resolved = conversation.updated_at
        if resolved + dt.timedelta(hours=3) >= real_now:
            continue
        clock.set(resolved)
        survey = survey_schedule(
            conversation_id=conversation.pk, now=resolved, resolved_at=resolved
        )
        if survey is None:
            continue  # throttled: this customer was asked already
        sent_at = clock.set(survey.send_after)
        if survey_send(survey_id=survey.pk, now=sent_at) != SurveyStatus.SENT:
            continue
        survey.refresh_from_db()
        answered = clock.set(sent_at + dt.timedelta(hours=rng.uniform(0.2, 30)))
        age = (real_now - answered) / dt.timedelta(days=history_days)
        score, comment = _comment(rng, age=min(max(age, 0.0), 1.0), agent=conversation.assignee)
        rating_record(survey=survey, score=score, comment=comment, now=answered)
        summary.ratings += 1

    summary.nps_answers = _nps(rng=rng, clock=clock, admin=admin, inbox=inboxes["Support"])
    summary.recovery_closed = _follow_ups(rng=rng, clock=clock)
    clock.set(real_now)
    run = themes_regroup()
    summary.themes = run.themes
    return summary


def _nps(*, rng: random.Random, clock, admin: Agent, inbox: Inbox) -> int:
    """An NPS campaign sent some days ago to the customers of the "plus" plan; half answer."""
    started = clock.set(clock.real_now - dt.timedelta(days=NPS_DAYS_AGO))
    campaign = nps_campaign_create(
        actor=admin,
        name="Autumn NPS",
        sender_inbox=inbox,
        segment_attribute="plan",
        segment_value="plus",
    )
    nps_campaign_start(actor=admin, campaign=campaign, now=started)
    # What its task does (run here, as its enqueueing waits for a commit): invite the segment
    # and email them, into the dummy mail backend.
    for _round in range(100):
        if nps_campaign_run(campaign_id=campaign.pk, now=started) is None:
            break
    answers = 0
    invitations = list(
        NpsInvitation.objects.filter(campaign=campaign, status=InvitationStatus.SENT).order_by("pk")
    )
    for invitation in invitations:
        if rng.random() > NPS_ANSWER_RATE:
            continue
        kind = rng.choices(["promoter", "passive", "detractor"], weights=[5, 3, 2])[0]
        score = {"promoter": rng.choice([9, 10]), "passive": rng.choice([7, 8])}.get(
            kind, rng.randrange(0, 7)
        )
        comment = rng.choice(NPS_COMMENTS[kind]) if rng.random() < 0.7 else ""
        when = clock.set(started + dt.timedelta(hours=rng.uniform(1, 24 * 10)))
        nps_answer_record(invitation=invitation, score=score, comment=comment, now=when)
        answers += 1
    return answers


def _follow_ups(*, rng: random.Random, clock) -> int:
    """Most recovery tasks older than three days followed up by their owner (or a lead)."""
    leads = list(Agent.objects.filter(role__in=[Role.LEAD, Role.ADMIN]).order_by("pk"))
    closed = 0
    tasks = list(
        RecoveryTask.objects.filter(state=RecoveryState.OPEN)
        .select_related("owner")
        .order_by("created_at", "pk")
    )
    # The two newest stay open whatever their age: the recovery list always has work.
    for task in tasks[:-2]:
        if task.created_at > clock.real_now - dt.timedelta(days=3) or rng.random() < 0.3:
            continue
        outcome = rng.choices(list(RECOVERY_NOTES), weights=[5, 3, 1, 1])[0]
        when = clock.set(task.created_at + dt.timedelta(hours=rng.uniform(2, 60)))
        recovery_close(
            task=task,
            actor=task.owner or rng.choice(leads),
            outcome=outcome,
            note=RECOVERY_NOTES[outcome],
            now=when,
        )
        closed += 1
    return closed
