"""The held-mail endpoints under schemathesis, called by an admin (the suite-wide run in
test_schemathesis.py calls as an agent, who gets 403 here): generated input must never give a
5xx, and every answer must match the OpenAPI document."""

from collections.abc import Iterator

import pytest

from carefront.inboxes.services import email_ingest

from .test_schemathesis import CHECKS, SETTINGS, calling_as, schema

pytestmark = [pytest.mark.django_db, pytest.mark.schemathesis]


@pytest.fixture
def admin_world(admin, inbox) -> Iterator[dict[str, str]]:
    held = [
        email_ingest(
            inbox=inbox,
            data=(
                f"From: dora{n}@example.com\r\nTo: {inbox.email_address}\r\n"
                f"Subject: Out of office {n}\r\nAuto-Submitted: auto-replied\r\n\r\nAway."
            ).encode(),
            source="test",
        ).raw
        for n in range(3)
    ]
    with calling_as(admin, held_mail_id=[raw.pk for raw in held]) as headers:
        yield headers


@schema.include(path_regex="/held-mail").parametrize()
@SETTINGS
def test_held_mail_answers_match_the_openapi_document(case, admin_world):
    case.call_and_validate(headers=admin_world, checks=CHECKS)
