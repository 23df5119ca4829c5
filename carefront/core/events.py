"""A tiny in-process event bus: services publish typed events, subscribers react after commit.

Subscribers register in their AppConfig.ready(). Publishing inside a transaction defers delivery to
`transaction.on_commit`, so nobody reacts to work that was rolled back.
"""

import logging
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from django.db import transaction

logger = logging.getLogger(__name__)

_subscribers: dict[type, list[Callable[[Any], None]]] = defaultdict(list)


def subscribe(event_type: type, handler: Callable[[Any], None]) -> None:
    if handler not in _subscribers[event_type]:
        _subscribers[event_type].append(handler)


def publish(event: object) -> None:
    def deliver() -> None:
        for handler in _subscribers.get(type(event), ()):
            try:
                handler(event)
            except Exception:
                # One failing subscriber must not stop the others or the caller's flow.
                logger.exception("Event handler %r failed for %r", handler, event)

    transaction.on_commit(deliver, robust=True)
