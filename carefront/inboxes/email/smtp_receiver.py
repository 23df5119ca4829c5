"""Receiving mail over SMTP or LMTP (aiosmtpd): an MX for inbox addresses, or a Postfix transport.

Recipients are checked at RCPT time against active inbox addresses (plus-addressing such as
`support+cf-<token>@` included). DATA is acknowledged with 250 only after `email_ingest` has
stored the raw message; any internal error answers 451 so the sending server keeps the message
and retries. SMTP replies stay in English on purpose: they are protocol text, ASCII only, read by
mail servers and their administrators.
"""

import asyncio
import contextlib
import functools
import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.lmtp import LMTP
from aiosmtpd.smtp import SMTP, Envelope, Session
from django.conf import settings
from django.db import close_old_connections, connections

from carefront.inboxes.models import Channel, Inbox
from carefront.inboxes.services import IngestResult, email_ingest

logger = logging.getLogger(__name__)

ACCEPTED = "250 2.0.0 Message accepted for delivery"
UNKNOWN_RECIPIENT = "550 5.1.1 <{address}>: no Carefront inbox has this address"
TOO_BIG = "552 5.3.4 Message too big: the limit is {limit} bytes"
TEMPORARY_FAILURE = "451 4.3.0 Temporary failure storing the message; please retry later"
LOOKUP_FAILURE = "451 4.3.0 Temporary failure checking the recipient; please retry later"


def base_address(address: str) -> str:
    """`Support+cf-abc@Example.com` -> `support@example.com`: the inbox address it belongs to."""
    local, at, domain = address.strip().strip("<>").rpartition("@")
    if not at:
        return address.strip().lower()
    local = local.split("+", 1)[0]
    return f"{local}@{domain}".lower()


def inbox_for_recipient(address: str) -> Inbox | None:
    """The active email inbox an envelope recipient delivers to, if any."""
    return (
        Inbox.objects.filter(
            is_active=True, channel=Channel.EMAIL, email_address__iexact=base_address(address)
        )
        .only("pk", "name", "email_address")
        .first()
    )


def _lookup(*, address: str) -> Inbox | None:
    close_old_connections()
    return inbox_for_recipient(address)


def _ingest(*, inbox: Inbox, data: bytes, source_ref: str) -> IngestResult:
    close_old_connections()
    return email_ingest(inbox=inbox, data=data, source="smtp", source_ref=source_ref)


@dataclass
class _Accepted:
    """What RCPT learnt about one envelope, kept on the envelope between commands."""

    inbox: Inbox


class CarefrontHandler:
    """aiosmtpd handler: validate recipients, store the message durably, then acknowledge."""

    def __init__(
        self, *, max_message_bytes: int | None = None, lmtp: bool = False, workers: int = 4
    ) -> None:
        self.max_message_bytes = max_message_bytes or settings.CAREFRONT["MAX_MESSAGE_BYTES"]
        self.lmtp = lmtp
        self.workers = workers
        # Database work runs in our own threads, so that `close()` can release their
        # connections when the receiver stops.
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="smtp-db")

    async def _run(self, func: Callable[..., Any], **kwargs: Any) -> Any:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, functools.partial(func, **kwargs))

    def close(self) -> None:
        """Close every worker thread's database connections, then the threads."""
        barrier = threading.Barrier(self.workers, timeout=5)

        def release() -> None:
            connections.close_all()
            # Hold this thread until all have closed, so each thread runs exactly one release.
            with contextlib.suppress(threading.BrokenBarrierError):
                barrier.wait()

        for _ in range(self.workers):
            self._executor.submit(release)
        self._executor.shutdown(wait=True)

    async def handle_RCPT(  # noqa: N802 - aiosmtpd's hook name
        self, server: SMTP, session: Session, envelope: Envelope, address: str, rcpt_options
    ) -> str:
        try:
            inbox = await self._run(_lookup, address=address)
        except Exception:
            logger.exception("Recipient lookup for %s failed", address)
            return LOOKUP_FAILURE
        if inbox is None:
            logger.info("Rejected mail from %s to unknown %s", envelope.mail_from, address)
            return UNKNOWN_RECIPIENT.format(address=address)
        if not hasattr(envelope, "carefront"):
            # The first accepted recipient's inbox receives the message; Message-ID dedupe
            # makes one delivery per message the right unit, not one per recipient.
            envelope.carefront = _Accepted(inbox=inbox)
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(  # noqa: N802 - aiosmtpd's hook name
        self, server: SMTP, session: Session, envelope: Envelope
    ) -> str:
        status = await self._deliver(session, envelope)
        if self.lmtp:
            # LMTP answers once per accepted recipient (RFC 2033, section 4.2).
            return "\r\n".join([status] * max(len(envelope.rcpt_tos), 1))
        return status

    async def _deliver(self, session: Session, envelope: Envelope) -> str:
        data = envelope.original_content
        if data is None:
            data = envelope.content if isinstance(envelope.content, bytes) else b""
        if len(data) > self.max_message_bytes:
            return TOO_BIG.format(limit=self.max_message_bytes)
        accepted: _Accepted | None = getattr(envelope, "carefront", None)
        if accepted is None:  # pragma: no cover - aiosmtpd refuses DATA without RCPT
            return "503 5.5.1 Need RCPT first"
        peer = session.peer[0] if isinstance(session.peer, tuple) else str(session.peer)
        source_ref = f"{peer} {envelope.mail_from or '<>'} -> {', '.join(envelope.rcpt_tos)}"
        try:
            await self._run(
                _ingest, inbox=accepted.inbox, data=bytes(data), source_ref=source_ref[:500]
            )
        except Exception:
            logger.exception("Storing mail from %s failed; asked the sender to retry", peer)
            return TEMPORARY_FAILURE
        return ACCEPTED


class ReceiverController(Controller):
    """aiosmtpd's threaded controller that also releases the handler's resources on stop."""

    def stop(self, no_assert: bool = False) -> None:
        super().stop(no_assert=no_assert)
        self.handler.close()


class _LMTPController(ReceiverController):
    def factory(self) -> SMTP:
        return LMTP(self.handler, **self.SMTP_kwargs)


def smtp_receiver_controller(
    *,
    host: str | None = None,
    port: int | None = None,
    lmtp: bool = False,
    max_message_bytes: int | None = None,
) -> ReceiverController:
    """A started-on-demand receiver; call `.start()` and `.stop()` on it."""
    limit = max_message_bytes or settings.CAREFRONT["MAX_MESSAGE_BYTES"]
    handler = CarefrontHandler(max_message_bytes=limit, lmtp=lmtp)
    controller_class = _LMTPController if lmtp else ReceiverController
    return controller_class(
        handler,
        hostname=host or settings.CAREFRONT["SMTP_RECEIVER_HOST"],
        port=port if port is not None else settings.CAREFRONT["SMTP_RECEIVER_PORT"],
        # aiosmtpd announces SIZE and answers 552 itself, before reading an oversized body.
        data_size_limit=limit,
        server_hostname=settings.CAREFRONT["MAIL_DOMAIN"],
    )
