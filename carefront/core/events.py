"""A tiny in-process event bus: services publish typed events, subscribers react.

Subscribers register in their AppConfig.ready(), in one of two ways:

- after commit (the default): publishing inside a transaction defers delivery to
  `transaction.on_commit`, so nobody reacts to work that was rolled back. For reactions that
  may be lost if the process dies right after the commit (a cache to refresh, a task that a
  periodic flush would also find).
- `in_transaction=True`: the handler runs at once, inside the publisher's transaction, so what
  it writes (a webhook delivery, a survey) commits or rolls back with the change itself, and
  no crash can fall between the two. Such a handler must be quick and must guard the
  publisher's transaction: do its writes inside `transaction.atomic()` (a savepoint), so that
  if it fails, only its own writes are undone; the bus logs the failure and goes on.
"""

import logging
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from django.db import transaction

logger = logging.getLogger(__name__)

type Handler = Callable[[Any], None]

_subscribers: dict[type, list[Handler]] = defaultdict(list)
_in_transaction: dict[type, list[Handler]] = defaultdict(list)


def subscribe(event_type: type, handler: Handler, *, in_transaction: bool = False) -> None:
    handlers = (_in_transaction if in_transaction else _subscribers)[event_type]
    if handler not in handlers:
        handlers.append(handler)


def publish(event: object) -> None:
    for handler in _in_transaction.get(type(event), ()):
        _run(handler, event)
    after_commit = _subscribers.get(type(event))
    if not after_commit:
        return

    def deliver() -> None:
        for handler in after_commit:
            _run(handler, event)

    transaction.on_commit(deliver, robust=True)


def _run(handler: Handler, event: object) -> None:
    try:
        handler(event)
    except Exception:
        # One failing subscriber must not stop the others or the caller's flow.
        logger.exception("Event handler %r failed for %r", handler, event)
