"""The demo's feedback: ratings with comments, an NPS campaign's answers, recovery tasks (some
followed up), praise, and themes, made through the real services within their rules."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Count

from carefront.accounts.models import Agent
from carefront.demo.builder import ADMIN_EMAIL
from carefront.feedback.models import (
    FeedbackComment,
    NpsCampaign,
    NpsResponse,
    Praise,
    Rating,
    RecoveryState,
    RecoveryTask,
    Survey,
    Theme,
)


@pytest.fixture
def demo(db):
    out = StringIO()
    call_command("demo_data", "--conversations", "150", stdout=out)
    return out.getvalue()


def test_the_demo_has_feedback_to_show(demo, client):
    ratings = Rating.objects.count()
    assert ratings >= 10
    assert f"Feedback: {ratings} ratings" in demo
    # Every score, with and without comments.
    assert set(Rating.objects.values_list("score", flat=True)) == {"great", "okay", "not_good"}
    assert Rating.objects.filter(comment="").exists()
    commented = Rating.objects.exclude(comment="").count()
    assert FeedbackComment.objects.filter(source="csat").count() == commented
    # A customer is asked at most once in the throttle window, across CSAT and NPS.
    asked = Survey.objects.values("customer_id").annotate(n=Count("id")).filter(n__gt=1)
    assert not asked.exists()
    campaign = NpsCampaign.objects.get()
    assert NpsResponse.objects.filter(campaign=campaign).exists()
    assert not NpsResponse.objects.filter(
        customer_id__in=Survey.objects.values("customer_id")
    ).exists()
    # Bad experiences led to recovery tasks, some of them followed up; praise reached agents.
    assert RecoveryTask.objects.filter(state=RecoveryState.OPEN).exists()
    closed = RecoveryTask.objects.filter(state=RecoveryState.CLOSED)
    assert closed.exists()
    assert all(task.outcome and task.note for task in closed)
    assert Praise.objects.exists()
    # The comments are grouped into named themes.
    assert Theme.objects.count() >= 2
    assert not Theme.objects.filter(name="").exists()
    assert FeedbackComment.objects.filter(theme__isnull=False).exists()
    # The feedback pages show them.
    client.force_login(Agent.objects.get(email=ADMIN_EMAIL))
    theme = Theme.objects.order_by("-comment_count").first()
    page = client.get("/feedback/").content.decode()
    assert theme.name in page
    assert client.get("/feedback/themes/").status_code == 200
    assert client.get("/recovery/").status_code == 200
