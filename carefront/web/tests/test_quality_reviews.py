"""The review pages: scorecards (build, edit as a new version), reviewing a conversation (with
the auto-QA prefill), the agent's own reviews and dispute, the lead's resolution, picking
conversations, calibration, coaching with its progress chart; scoping with forged ids and
constant query counts on the lists."""

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from carefront.accounts.models import Role
from carefront.accounts.tests.factories import AgentFactory, TeamFactory
from carefront.notifications.models import Notification
from carefront.quality import selectors
from carefront.quality.behaviours import Outcome, ReplyMark
from carefront.quality.models import CalibrationSession, CoachingSession, Review, Scorecard
from carefront.quality.services import coaching_create, review_dispute
from carefront.quality.tests.factories import replied, review, scorecard, version_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def lead(team):
    lead = AgentFactory(role=Role.LEAD, name="Lena Lead")
    team.members.add(lead)
    return lead


@pytest.fixture
def lead_client(lead) -> Client:
    client = Client()
    client.force_login(lead)
    return client


@pytest.fixture
def other_lead_client(db) -> Client:
    other = AgentFactory(role=Role.LEAD)
    TeamFactory().members.add(other)
    client = Client()
    client.force_login(other)
    return client


@pytest.fixture
def card(lead):
    return scorecard(lead)


def _post_review(client, conversation, agent, card, values):
    version = version_of(card)
    data = {
        "conversation": conversation.pk,
        "scorecard": card.pk,
        "version": version.pk,
        "agent": agent.pk,
        "comment": "Good work overall",
    }
    for category, value in zip(version.categories.all(), values, strict=True):
        data[f"score-{category.pk}"] = "" if value is None else str(value)
        data[f"comment-{category.pk}"] = f"about {category.name}"
    return client.post(reverse("web:quality_review_new"), data)


def test_a_lead_builds_a_scorecard_and_editing_it_makes_a_version(lead_client):
    response = lead_client.post(
        reverse("web:quality_scorecard_new"),
        {
            "name": "Support",
            "scale": "1-4",
            "rows": "3",
            "cat-0-name": "Empathy",
            "cat-0-weight": "2",
            "cat-0-behaviour": "acknowledges_feelings",
            "cat-1-name": "Accuracy",
            "cat-1-weight": "3",
            "cat-1-critical": "1",
            "cat-2-name": "",
        },
    )
    assert response.status_code == 303
    card = Scorecard.objects.get()
    version = version_of(card)
    assert [(c.name, c.weight, c.is_critical, c.behaviour) for c in version.categories.all()] == [
        ("Empathy", 2, False, "acknowledges_feelings"),
        ("Accuracy", 3, True, ""),
    ]
    page = lead_client.get(reverse("web:quality_scorecard_edit", args=[card.pk]))
    assert page.status_code == 200 and b'value="Empathy"' in page.content
    response = lead_client.post(
        reverse("web:quality_scorecard_edit", args=[card.pk]),
        {"name": "Support", "scale": "1-5", "active": "1", "rows": "1", "cat-0-name": "Accuracy"},
    )
    assert response.status_code == 303
    assert version_of(card).number == 2
    listing = lead_client.get(reverse("web:quality_scorecards"))
    assert b"Version 2" in listing.content


def test_bad_scorecards_are_shown_again_with_the_error(lead_client, agent_client):
    response = lead_client.post(
        reverse("web:quality_scorecard_new"),
        {"name": "X", "scale": "1-4", "rows": "1", "cat-0-name": "A", "cat-0-weight": "x"},
    )
    assert response.status_code == 400 and b"whole number" in response.content
    assert not Scorecard.objects.exists()
    assert agent_client.get(reverse("web:quality_scorecard_new")).status_code == 403
    assert agent_client.get(reverse("web:quality_scorecards")).status_code == 200


def test_a_lead_reviews_with_the_prefill_and_the_agent_sees_and_disputes(
    monkeypatch, lead_client, agent_client, lead, agent, inbox, card
):
    conversation, reply = replied(inbox, agent)
    monkeypatch.setattr(
        selectors,
        "reply_marks_for_conversation",
        lambda _id: {reply.pk: [ReplyMark("greets_by_name", Outcome.MISSED, evidence="no name")]},
    )
    form = lead_client.get(reverse("web:quality_review_new"), {"conversation": conversation.pk})
    assert form.status_code == 200
    assert b"data-prefill" in form.content and b"no name" in form.content
    greeting = version_of(card).categories.get(name="Greeting")
    assert (
        b'<option value="1" selected>'
        in form.content.split(f'name="score-{greeting.pk}"'.encode())[1].split(b"</select>")[0]
    )

    response = _post_review(lead_client, conversation, agent, card, [1, 4, 4])
    assert response.status_code == 303
    r = Review.objects.get()
    assert r.failed is False and float(r.score) == pytest.approx(83.3)
    assert Notification.objects.filter(recipient=agent, kind="review_received").exists()

    mine = agent_client.get(reverse("web:quality_reviews"))
    assert f'data-review-row="{r.pk}"'.encode() in mine.content
    detail = agent_client.get(reverse("web:quality_review", args=[r.pk]))
    assert b"Dispute this review" in detail.content and b"about Greeting" in detail.content
    response = agent_client.post(
        reverse("web:quality_review_answer", args=[r.pk]),
        {"text": "I did greet her in the first line", "dispute": "1"},
    )
    assert response.status_code == 303
    r.refresh_from_db()
    assert r.state == "disputed"

    page = lead_client.get(reverse("web:quality_review", args=[r.pk]))
    assert b"Resolve the dispute" in page.content
    response = lead_client.post(
        reverse("web:quality_review_resolve", args=[r.pk]),
        {"decision": "accept", f"score-{greeting.pk}": "4", "resolution": "Fair point"},
    )
    assert response.status_code == 303
    r.refresh_from_db()
    assert r.state == "dispute_accepted" and float(r.score) == 100.0


def test_an_empty_dispute_is_refused_and_nothing_changes(lead, agent, agent_client, inbox, card):
    r = review(lead, replied(inbox, agent)[0], agent, card, 3, 3, 3)
    response = agent_client.post(
        reverse("web:quality_review_answer", args=[r.pk]), {"text": "  ", "dispute": "1"}
    )
    assert response.status_code == 400 and b"disagree" in response.content
    r.refresh_from_db()
    assert r.state == "submitted"


def test_forged_ids_are_not_found(
    lead, agent, inbox, card, outsider_client, other_lead_client, agent_client
):
    r = review(lead, replied(inbox, agent)[0], agent, card, 3, 3, 3)
    session = coaching_create(actor=lead, agent=agent, held_on=dt.date(2026, 3, 2))
    for client in (outsider_client, other_lead_client):
        assert client.get(reverse("web:quality_review", args=[r.pk])).status_code == 404
        assert (
            client.post(
                reverse("web:quality_review_answer", args=[r.pk]), {"text": "x", "dispute": "1"}
            ).status_code
            == 404
        )
        assert (
            client.get(reverse("web:quality_coaching_session", args=[session.pk])).status_code
            == 404
        )
    assert (
        other_lead_client.post(
            reverse("web:quality_review_resolve", args=[r.pk]), {"decision": "reject"}
        ).status_code
        == 404
    )
    # The other lead cannot review this team's agent either.
    response = _post_review(other_lead_client, replied(inbox, agent)[0], agent, card, [3, 3, 3])
    assert response.status_code == 400
    assert Review.objects.count() == 1
    # An agent cannot resolve, even their own.
    review_dispute(actor=agent, review=r, reason="No")
    assert (
        agent_client.post(
            reverse("web:quality_review_resolve", args=[r.pk]), {"decision": "accept"}
        ).status_code
        == 403
    )


def test_review_list_costs_the_same_for_more_rows(
    lead, lead_client, agent, inbox, card, django_assert_max_num_queries
):
    review(lead, replied(inbox, agent)[0], agent, card, 3, 3, 3)
    with django_assert_max_num_queries(12) as first:
        assert lead_client.get(reverse("web:quality_reviews")).status_code == 200
    for _ in range(4):
        review(lead, replied(inbox, agent)[0], agent, card, 3, 3, 3)
    with django_assert_max_num_queries(len(first.captured_queries)):
        response = lead_client.get(reverse("web:quality_reviews"))
    assert response.content.count(b"data-review-row") == 5


def test_pick_page_filters_and_samples(lead, lead_client, agent, inbox, card):
    conversations = [replied(inbox, agent)[0] for _ in range(3)]
    review(lead, conversations[0], agent, card, 3, 3, 3)
    page = lead_client.get(reverse("web:quality_pick"))
    assert page.content.count(b"data-candidate=") == 2
    sample = lead_client.get(reverse("web:quality_pick"), {"sample": "1"})
    assert sample.content.count(b"data-candidate=") == 1 and b"Sample of the week" in sample.content
    assert lead_client.get(reverse("web:quality_pick"), {"cursor": "bad"}).status_code == 400


def test_calibration_pages(lead, lead_client, agent, inbox, card, team):
    second = AgentFactory(role=Role.LEAD, name="Sam Second")
    team.members.add(second)
    conversation = replied(inbox, agent)[0]
    response = lead_client.post(
        reverse("web:quality_calibration_new"),
        {
            "conversation": conversation.pk,
            "scorecard": card.pk,
            "reviewers": [lead.pk, second.pk],
        },
    )
    assert response.status_code == 303
    session = CalibrationSession.objects.get()
    url = reverse("web:quality_calibration", args=[session.pk])
    version = version_of(card)
    data = {f"score-{c.pk}": "3" for c in version.categories.all()}
    assert lead_client.post(url, data).status_code == 303
    second_client = Client()
    second_client.force_login(second)
    waiting = second_client.get(url)
    assert b"Submit my scores" in waiting.content and b"data-spread" not in waiting.content
    data = {f"score-{c.pk}": "1" for c in version.categories.all()}
    done = second_client.post(url, data, follow=True)
    assert b"data-spread" in done.content and done.content.count(b"data-differs") == 3
    assert lead_client.get(reverse("web:quality_calibrations")).status_code == 200


def test_coaching_pages_with_progress(lead, lead_client, agent, agent_client, inbox, card):
    key = version_of(card).categories.get(name="Tone").key
    review(lead, replied(inbox, agent)[0], agent, card, 3, 3, 2)
    response = lead_client.post(
        reverse("web:quality_coaching_new"),
        {
            "agent": agent.pk,
            "held_on": "2026-03-02",
            "notes": "Tone",
            "goals": [f"{card.pk}:{key}"],
            "follow_up_on": "2026-03-16",
        },
    )
    assert response.status_code == 303
    session = CoachingSession.objects.get()
    page = agent_client.get(reverse("web:quality_coaching_session", args=[session.pk]))
    assert page.status_code == 200
    assert b"data-progress-chart" in page.content and b"33.3 %" in page.content
    assert (
        f'data-coaching-row="{session.pk}"'.encode()
        in agent_client.get(reverse("web:quality_coaching")).content
    )
    bad = lead_client.post(
        reverse("web:quality_coaching_new"),
        {"agent": agent.pk, "held_on": "2026-03-02", "follow_up_on": "2026-03-01"},
    )
    assert bad.status_code == 400 and CoachingSession.objects.count() == 1


def test_the_notification_opens_the_review(lead, agent, agent_client, inbox, card):
    r = review(lead, replied(inbox, agent)[0], agent, card, 3, 3, 3)
    notification = Notification.objects.get(recipient=agent)
    response = agent_client.get(reverse("web:notification_open", args=[notification.pk]))
    assert response.url == reverse("web:quality_review", args=[r.pk])


def test_pick_and_coaching_lists_cost_the_same_for_more_rows(
    lead, lead_client, agent, inbox, django_assert_max_num_queries
):
    replied(inbox, agent)
    coaching_create(actor=lead, agent=agent, held_on=dt.date(2026, 3, 2))
    with django_assert_max_num_queries(12) as pick:
        lead_client.get(reverse("web:quality_pick"))
    with django_assert_max_num_queries(12) as coaching:
        lead_client.get(reverse("web:quality_coaching"))
    for _ in range(4):
        replied(inbox, agent)
        coaching_create(actor=lead, agent=agent, held_on=dt.date(2026, 3, 2))
    with django_assert_max_num_queries(len(pick.captured_queries)):
        page = lead_client.get(reverse("web:quality_pick"))
    assert page.content.count(b"data-candidate=") == 5
    with django_assert_max_num_queries(len(coaching.captured_queries)):
        page = lead_client.get(reverse("web:quality_coaching"))
    assert page.content.count(b"data-coaching-row=") == 5
