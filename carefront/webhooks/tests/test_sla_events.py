"""Webhooks `sla.at_risk`, `sla.breached` and `sla.met`: each with the target and its
conversation."""

# ruff: noqa: F811 - the SLA fixtures are imported, then used as arguments

import datetime as dt
import json

import pytest

from carefront.conversations.services import conversation_reply
from carefront.conversations.tests.factories import conversation_for
from carefront.sla.models import SlaTarget, TargetKind
from carefront.sla.services.targets import AT_RISK, BREACH, sla_timer_fire
from carefront.sla.tests.conftest import START, clock, policy  # noqa: F401 - fixtures
from carefront.webhooks import catalogue
from carefront.webhooks.services import webhook_subscription_create

pytestmark = pytest.mark.django_db
M = dt.timedelta(minutes=1)


@pytest.fixture
def sla_hooks(admin, receiver):
    return webhook_subscription_create(
        actor=admin,
        url=receiver.url,
        event_types=[catalogue.SLA_AT_RISK, catalogue.SLA_BREACHED, catalogue.SLA_MET],
    )


def test_at_risk_breached_and_met_are_sent_as_webhooks(
    sla_hooks, receiver, inbox, agent, policy, clock, django_capture_on_commit_callbacks
):
    conversation = conversation_for(inbox)
    target = SlaTarget.objects.get(conversation=conversation, kind=TargetKind.FIRST_REPLY)
    with django_capture_on_commit_callbacks(execute=True):
        clock.now = START + 30 * M
        sla_timer_fire(target_id=target.pk, version=target.version, which=AT_RISK)
        clock.now = START + 60 * M
        sla_timer_fire(target_id=target.pk, version=target.version, which=BREACH)
        clock.now = START + 61 * M
        conversation_reply(conversation=conversation, author=agent, body="Here.")
    bodies = [json.loads(r.body) for r in receiver.requests]
    assert [b["type"] for b in bodies] == ["sla.at_risk", "sla.breached", "sla.met"]
    breached = bodies[1]["data"]
    assert (breached["kind"], breached["due_at"]) == ("first_reply", "2026-03-02T11:00:00Z")
    assert breached["conversation"]["id"] == conversation.pk
    met = bodies[2]["data"]
    assert (met["elapsed_seconds"], met["breached_by_seconds"]) == (3660, 60)
