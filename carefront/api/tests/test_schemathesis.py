"""Property-based test of the whole API from its OpenAPI document (schemathesis).

Every operation in `/api/v1/openapi.json` is called with generated requests (a bounded,
derandomized number of examples each), in-process through the WSGI app, on the test database
filled with a few conversations, authenticated with a read-write token. Each answer must not be
a 5xx, and must match the document: status code, content type and body schema. Path ids are
drawn half the time from objects that exist, so the success paths are exercised too, not only
the 404s. New endpoints are covered as soon as they are in the document.
"""

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from carefront.accounts.models import Role, TokenScope
from carefront.accounts.services import api_token_create
from carefront.accounts.tests.factories import AgentFactory
from carefront.automation.services import saved_reply_create
from carefront.conversations.inbound import InboundAttachment
from carefront.conversations.services import conversation_add_note, conversation_set_tags
from carefront.conversations.tests.factories import conversation_for, receive

pytestmark = [pytest.mark.django_db, pytest.mark.schemathesis]

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
MAX_EXAMPLES = 20


# The WSGI app serves its own document; it is loaded once, at collection (no database needed).
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())
# Real ids of the current test's objects, by path parameter name (filled by `world`).
KNOWN_IDS: dict[str, list[int]] = {}


@schema.hook
def flatmap_path_parameters(context, path_parameters):
    """Half the time, an id that exists: the success paths get exercised, not only 404s."""
    if not path_parameters:
        return st.just(path_parameters)
    choices = {
        name: st.sampled_from([value, *KNOWN_IDS[name]])
        for name, value in path_parameters.items()
        if KNOWN_IDS.get(name)
    }
    if not choices:
        return st.just(path_parameters)
    return st.fixed_dictionaries(choices).map(lambda drawn: {**path_parameters, **drawn})


@contextmanager
def calling_as(agent, **known_ids: list[int]) -> Iterator[dict[str, str]]:
    """The headers of a read-write token of `agent`, with `known_ids` offered to the path
    parameters, for the length of the block."""
    KNOWN_IDS.clear()
    KNOWN_IDS.update(known_ids)
    _token, plain = api_token_create(agent=agent, name="schemathesis", scope=TokenScope.READ_WRITE)
    # The requests go through the plain WSGI handler, whose request signals would close the
    # test's database connection (and its transaction); Django's test client unhooks them too.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield {"Authorization": f"Bearer {plain}"}
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
        KNOWN_IDS.clear()


# Bounded and repeatable: the same examples on every run.
SETTINGS = settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)


@pytest.fixture
def world(agent, inbox, team) -> Iterator[dict[str, str]]:
    """A few real objects and a read-write token; returns the headers to call with."""
    conversations = [
        conversation_for(inbox, from_address=f"c{i}@example.com", subject=f"Question {i}")
        for i in range(3)
    ]
    conversation_set_tags(conversation=conversations[0], names=["vip"], actor=agent)
    note = conversation_add_note(conversation=conversations[0], author=agent, body="A note")
    attachment = (
        receive(
            inbox,
            from_address="c0@example.com",
            attachments=[
                InboundAttachment(filename="a.pdf", content_type="application/pdf", data=b"%")
            ],
        )
        .conversation.messages.get(attachments__isnull=False)
        .attachments.get()
    )
    saved_reply = saved_reply_create(
        actor=AgentFactory(role=Role.LEAD), title="Hello", body="Hi {{ customer.first_name }}"
    )
    with calling_as(
        agent,
        conversation_id=[c.pk for c in conversations],
        customer_id=[c.customer_id for c in conversations],
        inbox_id=[inbox.pk],
        team_id=[team.pk],
        agent_id=[agent.pk],
        assignee_id=[agent.pk],
        message_id=[note.pk],
        attachment_id=[attachment.pk],
        saved_reply_id=[saved_reply.pk],
    ) as headers:
        yield headers


@schema.parametrize()
@SETTINGS
def test_api_answers_match_the_openapi_document(case, world):
    case.call_and_validate(headers=world, checks=CHECKS)
