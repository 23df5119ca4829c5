"""The SLA policy endpoints under schemathesis, called by an admin (the suite-wide run in
test_schemathesis.py calls as an agent, who gets 403 here): generated input must never give a
5xx, and every answer must match the OpenAPI document."""

from collections.abc import Iterator

import pytest

from carefront.sla.services.policies_admin import sla_policy_create

from .test_schemathesis import CHECKS, SETTINGS, calling_as, schema

pytestmark = [pytest.mark.django_db, pytest.mark.schemathesis]


@pytest.fixture
def admin_world(admin, inbox, team) -> Iterator[dict[str, str]]:
    policies = [
        sla_policy_create(actor=admin, name="Everyone", first_reply_minutes=240),
        sla_policy_create(
            actor=admin,
            name="VIP",
            first_reply_minutes=60,
            tags=["vip"],
            inboxes=[inbox],
            reassign_team=team,
            reassign_when="breached",
        ),
    ]
    with calling_as(admin, policy_id=[p.pk for p in policies]) as headers:
        yield headers


@schema.include(path_regex="/sla-policies").parametrize()
@SETTINGS
def test_sla_policy_answers_match_the_openapi_document(case, admin_world):
    case.call_and_validate(headers=admin_world, checks=CHECKS)
