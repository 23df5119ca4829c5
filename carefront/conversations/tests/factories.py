"""Build conversations the way production does: through message_receive."""

import itertools

from carefront.conversations.inbound import InboundMessage
from carefront.conversations.models import Conversation
from carefront.conversations.services import message_receive
from carefront.inboxes.models import Inbox

_counter = itertools.count(1)


def inbound_email(**overrides) -> InboundMessage:
    n = next(_counter)
    fields = {
        "channel": "email",
        "from_address": f"customer{n}@example.com",
        "from_name": f"Customer {n}",
        "to": ["support@carefront.test"],
        "subject": f"Question {n}",
        "message_id": f"msg{n}.{id(object())}@example.com",
        "body_text": f"Hello, this is question {n}.",
    }
    fields.update(overrides)
    return InboundMessage(**fields)


def receive(inbox: Inbox, **overrides):
    return message_receive(inbox=inbox, inbound=inbound_email(**overrides))


def conversation_for(inbox: Inbox, **overrides) -> Conversation:
    result = receive(inbox, **overrides)
    assert result.conversation is not None
    return result.conversation
