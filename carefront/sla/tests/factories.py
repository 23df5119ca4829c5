"""Acknowledgements built the way production builds them (services, frozen time)."""

import datetime as dt

from django.utils import timezone

from carefront.conversations.services import conversation_reply
from carefront.conversations.tests.factories import receive
from carefront.sla.services.acknowledgements import acknowledgement_send, acknowledgements_flush


def judged_acknowledgements(inbox, agent, monkeypatch, *, kept: int, missed: int) -> dt.datetime:
    """`kept` promises an agent kept and `missed` ones nobody answered in time, all judged;
    leaves the clock a day after they were made (and returns that moment)."""
    start = timezone.now()
    monkeypatch.setattr("django.utils.timezone.now", lambda: start)
    for n in range(kept + missed):
        conversation = receive(inbox).conversation
        assert acknowledgement_send(conversation_id=conversation.pk) is not None
        if n < kept:
            conversation_reply(conversation=conversation, author=agent, body="Answered.")
    later = start + dt.timedelta(days=1)
    monkeypatch.setattr("django.utils.timezone.now", lambda: later)
    acknowledgements_flush()
    return later
