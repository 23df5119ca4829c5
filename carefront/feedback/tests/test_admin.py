"""The back office lists recovery tasks and praise (and opens one of each)."""

import pytest
from django.test import Client
from django.urls import reverse

from carefront.feedback.models import Praise, RecoveryTask
from carefront.feedback.tests.factories import rated

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_survey_throttle(settings):
    """One customer rates several conversations minutes apart here; the throttle (nobody asked
    twice in 90 days, tested in test_nps.py) would stop every survey but the first."""
    from carefront.feedback.tests.factories import without_survey_throttle

    without_survey_throttle(settings)


def test_recovery_tasks_and_praise_in_the_django_admin(admin, inbox, agent):
    rated(inbox, agent, score="not_good", comment="Never arrived")
    rated(inbox, agent, score="great", comment="Lovely, thank you")
    client = Client()
    client.force_login(admin)
    for model, obj in ((RecoveryTask, RecoveryTask.objects.get()), (Praise, Praise.objects.get())):
        name = model._meta.model_name
        listing = client.get(reverse(f"admin:feedback_{name}_changelist"))
        assert listing.status_code == 200
        assert (
            client.get(reverse(f"admin:feedback_{name}_change", args=[obj.pk])).status_code == 200
        )


def test_improvements_and_notices_are_shown_read_only(admin, inbox):
    from carefront.feedback.models import Improvement, ImprovementNotice
    from carefront.feedback.services import improvement_create, improvement_link
    from carefront.feedback.tests.factories import comment

    improvement = improvement_create(actor=admin, title="CSV export")
    improvement_link(
        actor=admin, improvement_id=improvement.pk, comment_ids=[comment("CSV please").pk]
    )
    client = Client()
    client.force_login(admin)
    for model, obj in (
        (Improvement, improvement),
        (ImprovementNotice, ImprovementNotice.objects.get()),
    ):
        name = model._meta.model_name
        assert client.get(reverse(f"admin:feedback_{name}_changelist")).status_code == 200
        change = reverse(f"admin:feedback_{name}_change", args=[obj.pk])
        assert client.get(change).status_code == 200
        assert client.post(change).status_code == 403
