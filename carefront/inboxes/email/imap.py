"""Fetching mail from IMAP accounts: UID-based, resumable, never deleting unless configured.

`imap_account_fetch` imports what arrived since the last stored UID. `imap_poll_forever` is the
runtime loop: one watcher thread per active account, IMAP IDLE where the server offers it,
polling otherwise.
"""

import contextlib
import logging
import socket
import ssl
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from django.db import close_old_connections, connection
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError, LoginError

from carefront.inboxes.email.mail_import import ingest_kind
from carefront.inboxes.models import ImapAccount
from carefront.inboxes.services import email_ingest

logger = logging.getLogger(__name__)

BATCH_SIZE = 100
# Bodies are downloaded in chunks of at most this many bytes, so a folder of large messages
# never has to fit in memory at once.
CHUNK_BYTES = 20 * 1024 * 1024
CONNECT_TIMEOUT_SECONDS = 30
# "Test connection" waits this long for each step: an admin is looking at the page.
CHECK_TIMEOUT_SECONDS = 8
IDLE_CHECK_SECONDS = 1
# Servers drop IDLE after 30 minutes; RFC 2177 asks clients to re-issue it before that.
IDLE_RENEW_SECONDS = 25 * 60
ERROR_MAX_LENGTH = 2000

# Failures of the server or the network. The fetch records them and the poller retries later.
CONNECTION_ERRORS = (IMAPClientError, OSError, socket.timeout, ssl.SSLError)


@dataclass
class FetchResult:
    """What one fetch did. `error` is empty when the fetch reached the end of the folder."""

    fetched: int = 0
    outcomes: Counter = field(default_factory=Counter)
    deleted: int = 0
    rescanned: bool = False
    error: str = ""

    @property
    def ok(self) -> bool:
        return not self.error


def imap_connect(account: ImapAccount) -> IMAPClient:
    client = IMAPClient(
        account.host,
        port=account.port,
        ssl=account.use_ssl,
        ssl_context=ssl.create_default_context() if account.use_ssl else None,
        timeout=CONNECT_TIMEOUT_SECONDS,
    )
    try:
        client.login(account.username, account.password)
    except Exception:
        _logout_quietly(client)
        raise
    return client


@dataclass(frozen=True)
class ImapCheck:
    """The outcome of trying a mailbox's settings. `step` names where it stopped: "dns",
    "connect", "tls", "login", "folder", or "done" when everything worked."""

    ok: bool
    step: str
    message: str


def imap_check(
    *,
    host: str,
    port: int,
    use_ssl: bool,
    username: str,
    password: str,
    folder: str,
    timeout: float = CHECK_TIMEOUT_SECONDS,
) -> ImapCheck:
    """Connect, sign in and open `folder` read-only, the way the fetcher does, and say in plain
    words which step failed and why. Never raises for server or network trouble."""
    where = {"host": host, "port": port}
    try:
        socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        return ImapCheck(
            False,
            "dns",
            _("The host name %(host)s was not found (DNS: %(reason)s).")
            % {**where, "reason": _reason(exc)},
        )
    try:
        client = IMAPClient(
            host,
            port=port,
            ssl=use_ssl,
            ssl_context=ssl.create_default_context() if use_ssl else None,
            timeout=timeout,
        )
    except ssl.SSLCertVerificationError as exc:
        return ImapCheck(
            False,
            "tls",
            _("The TLS certificate of %(host)s is not trusted: %(reason)s.")
            % {**where, "reason": exc.verify_message or _reason(exc)},
        )
    except ssl.SSLError as exc:
        return ImapCheck(
            False,
            "tls",
            _(
                "The TLS handshake with %(host)s:%(port)s failed (%(reason)s). If this port "
                "does not speak TLS, untick “Use TLS” or use port 993."
            )
            % {**where, "reason": _reason(exc)},
        )
    except ConnectionRefusedError:
        return ImapCheck(
            False,
            "connect",
            _("%(host)s refused the connection on port %(port)s: is the port right?") % where,
        )
    except TimeoutError:
        hint = (
            _(" Port %(port)s usually speaks TLS: tick “Use TLS”.") % where
            if not use_ssl and port == 993
            else ""
        )
        return ImapCheck(
            False,
            "connect",
            _("%(host)s:%(port)s did not answer within %(seconds)s seconds.")
            % {**where, "seconds": f"{timeout:g}"}
            + hint,
        )
    except (OSError, IMAPClientError) as exc:
        return ImapCheck(
            False,
            "connect",
            _("Could not connect to %(host)s:%(port)s: %(reason)s.")
            % {**where, "reason": _reason(exc)},
        )
    try:
        return _check_session(client, username=username, password=password, folder=folder)
    except CONNECTION_ERRORS as exc:
        return ImapCheck(
            False,
            "connect",
            _("The connection to %(host)s:%(port)s broke off: %(reason)s.")
            % {**where, "reason": _reason(exc)},
        )
    finally:
        _logout_quietly(client)


def _check_session(client: IMAPClient, *, username: str, password: str, folder: str) -> ImapCheck:
    try:
        client.login(username, password)
    except LoginError as exc:
        return ImapCheck(
            False,
            "login",
            _("Signing in as %(username)s failed: the server says “%(reason)s”.")
            % {"username": username, "reason": _reason(exc)},
        )
    try:
        selected = client.select_folder(folder, readonly=True)
    except IMAPClientError as exc:
        names = sorted(name for _flags, _delimiter, name in client.list_folders())
        shown = ", ".join(names[:20]) + (" …" if len(names) > 20 else "")
        return ImapCheck(
            False,
            "folder",
            _(
                "Signed in, but the folder %(folder)s was not found (the server says "
                "“%(reason)s”). Folders on this account: %(folders)s."
            )
            % {"folder": folder, "reason": _reason(exc), "folders": shown or "—"},
        )
    count = int(selected.get(b"EXISTS", 0))
    return ImapCheck(
        True,
        "done",
        ngettext(
            "Connected and signed in; folder %(folder)s has %(count)s message.",
            "Connected and signed in; folder %(folder)s has %(count)s messages.",
            count,
        )
        % {"folder": folder, "count": count},
    )


def _reason(exc: BaseException) -> str:
    text = str(exc.args[-1] if isinstance(exc, socket.gaierror) and exc.args else exc)
    if text.startswith("b'") or text.startswith('b"'):
        text = text[2:-1]
    return (text or type(exc).__name__).strip().rstrip(".")[:300]


def imap_account_fetch(*, account: ImapAccount, batch_size: int = BATCH_SIZE) -> FetchResult:
    """Import every message with a UID above `account.last_uid`, oldest first.

    `last_uid` advances after each message is stored, so an outage or a crash resumes exactly
    where it stopped. A changed UIDVALIDITY means the server renumbered the folder: everything
    is scanned again, and the Message-ID dedupe in ingestion drops what is already stored.
    Never raises for server or network trouble: the error is recorded on the account.
    """
    result = FetchResult()
    try:
        client = imap_connect(account)
    except Exception as exc:
        return _fail(account=account, result=result, exc=exc)
    try:
        _fetch_new(client=client, account=account, result=result, batch_size=batch_size)
    except Exception as exc:
        return _fail(account=account, result=result, exc=exc)
    finally:
        _logout_quietly(client)
    now = timezone.now()
    ImapAccount.objects.filter(pk=account.pk).update(last_checked_at=now, last_error="")
    account.last_checked_at, account.last_error = now, ""
    return result


def _fetch_new(
    *, client: IMAPClient, account: ImapAccount, result: FetchResult, batch_size: int
) -> None:
    # Read-only unless we may delete: then the server cannot change a flag behind our back.
    folder = client.select_folder(account.folder, readonly=not account.delete_after_fetch)
    uid_validity = int(folder[b"UIDVALIDITY"])
    if account.uid_validity != uid_validity:
        if account.uid_validity is not None:
            logger.warning(
                "UIDVALIDITY of %s changed (%s -> %s); scanning the whole folder again",
                account,
                account.uid_validity,
                uid_validity,
            )
            result.rescanned = True
        account.uid_validity, account.last_uid = uid_validity, 0
        ImapAccount.objects.filter(pk=account.pk).update(uid_validity=uid_validity, last_uid=0)

    if account.delete_after_fetch:
        # Left behind when a previous run stopped between storing and deleting.
        result.deleted += _delete(client, _uids_up_to(client, account.last_uid))

    # "UID n:*" always matches the highest UID, even below n, hence the filter.
    uids = sorted(
        u for u in client.search(["UID", f"{account.last_uid + 1}:*"]) if u > account.last_uid
    )
    for start in range(0, len(uids), batch_size):
        stored: list[int] = []
        for uid, data in _bodies(client, uids[start : start + batch_size]):
            if data is not None:
                ingest = email_ingest(
                    inbox=account.inbox,
                    data=data,
                    source="imap",
                    source_ref=f"imap:{account.pk}:{uid_validity}:{uid}",
                )
                result.fetched += 1
                result.outcomes[ingest_kind(ingest)] += 1
            # Stored durably (or gone from the server): never fetch this UID again.
            account.last_uid = uid
            ImapAccount.objects.filter(pk=account.pk).update(last_uid=uid)
            stored.append(uid)
        if account.delete_after_fetch:
            result.deleted += _delete(client, stored)


def _bodies(client: IMAPClient, uids: list[int]) -> Iterator[tuple[int, bytes | None]]:
    """Yield (uid, raw bytes) in UID order; None for a message expunged meanwhile."""
    sizes = client.fetch(uids, ["RFC822.SIZE"]) if uids else {}
    chunk: list[int] = []
    chunk_bytes = 0
    for uid in uids:
        size = int(sizes.get(uid, {}).get(b"RFC822.SIZE", 0))
        if chunk and chunk_bytes + size > CHUNK_BYTES:
            yield from _fetch_chunk(client, chunk)
            chunk, chunk_bytes = [], 0
        chunk.append(uid)
        chunk_bytes += size
    if chunk:
        yield from _fetch_chunk(client, chunk)


def _fetch_chunk(client: IMAPClient, uids: list[int]) -> Iterator[tuple[int, bytes | None]]:
    # PEEK: importing must not mark the mail as read for people who also use the mailbox.
    response = client.fetch(uids, ["BODY.PEEK[]"])
    for uid in uids:
        data = response.get(uid, {}).get(b"BODY[]")
        yield uid, bytes(data) if data is not None else None


def _uids_up_to(client: IMAPClient, last_uid: int) -> list[int]:
    if last_uid <= 0:
        return []
    return [u for u in client.search(["UID", f"1:{last_uid}", "NOT", "DELETED"]) if u <= last_uid]


def _delete(client: IMAPClient, uids: list[int]) -> int:
    if not uids:
        return 0
    client.delete_messages(uids)
    if client.has_capability("UIDPLUS"):
        # Expunge only ours, not messages someone else flagged \Deleted on purpose.
        client.uid_expunge(uids)
    else:
        client.expunge()
    return len(uids)


def _fail(*, account: ImapAccount, result: FetchResult, exc: BaseException) -> FetchResult:
    error = f"{type(exc).__name__}: {exc}".strip()[:ERROR_MAX_LENGTH]
    if isinstance(exc, CONNECTION_ERRORS):
        logger.warning("IMAP fetch of %s failed: %s", account, error)
    else:
        logger.exception("IMAP fetch of %s failed unexpectedly", account)
    result.error = error
    now = timezone.now()
    ImapAccount.objects.filter(pk=account.pk).update(last_checked_at=now, last_error=error)
    account.last_checked_at, account.last_error = now, error
    return result


def _logout_quietly(client: IMAPClient) -> None:
    # The session is being discarded either way; a failing goodbye changes nothing.
    try:
        client.logout()
    except Exception:
        with contextlib.suppress(Exception):
            client.shutdown()


def imap_account_watch(
    *,
    account_id: int,
    stop: threading.Event,
    interval: float = 60.0,
    on_fetch: Callable[[ImapAccount, FetchResult], None] | None = None,
) -> None:
    """Keep one account imported until `stop` is set: IDLE if supported, else poll.

    Even with IDLE a full fetch runs every `interval` seconds, because IDLE notifications can be
    lost (a dropped connection, a server restart).
    """
    while not stop.is_set():
        close_old_connections()
        account = (
            ImapAccount.objects.select_related("inbox")
            .filter(pk=account_id, is_active=True)
            .first()
        )
        if account is None:
            return
        result = imap_account_fetch(account=account)
        if on_fetch is not None:
            on_fetch(account, result)
        if result.ok and _wait_idle(account=account, stop=stop, timeout=interval):
            continue
        stop.wait(interval if result.ok else min(interval, 30.0))
    connection.close()


def _wait_idle(*, account: ImapAccount, stop: threading.Event, timeout: float) -> bool:
    """Wait for new mail with IDLE. True when it returned because of news or the timeout;
    False when IDLE is unavailable and the caller should poll instead."""
    try:
        client = imap_connect(account)
    except CONNECTION_ERRORS as exc:
        logger.info("IMAP IDLE connection to %s failed (%s); polling instead", account, exc)
        return False
    try:
        if not client.has_capability("IDLE"):
            return False
        client.select_folder(account.folder, readonly=True)
        client.idle()
        waited = 0.0
        limit = min(timeout, IDLE_RENEW_SECONDS)
        while not stop.is_set() and waited < limit:
            if client.idle_check(timeout=IDLE_CHECK_SECONDS):
                break
            waited += IDLE_CHECK_SECONDS
        client.idle_done()
        return True
    except CONNECTION_ERRORS as exc:
        logger.info("IMAP IDLE on %s ended: %s", account, exc)
        return True
    finally:
        _logout_quietly(client)


def imap_poll_forever(
    *, stop: threading.Event, interval: float = 60.0, rescan_accounts_every: float = 60.0
) -> None:
    """Watch every active IMAP account, each in its own thread, until `stop` is set.

    Accounts added or re-activated later are picked up within `rescan_accounts_every` seconds.
    """
    watchers: dict[int, threading.Thread] = {}
    while not stop.is_set():
        close_old_connections()
        try:
            active = list(ImapAccount.objects.filter(is_active=True).values_list("pk", flat=True))
        except Exception:
            logger.exception("Could not list IMAP accounts; retrying")
            active = []
        for account_id in active:
            thread = watchers.get(account_id)
            if thread is None or not thread.is_alive():
                thread = threading.Thread(
                    target=imap_account_watch,
                    kwargs={"account_id": account_id, "stop": stop, "interval": interval},
                    name=f"imap-account-{account_id}",
                    daemon=True,
                )
                thread.start()
                watchers[account_id] = thread
        stop.wait(rescan_accounts_every)
    for thread in watchers.values():
        thread.join(timeout=IDLE_CHECK_SECONDS + CONNECT_TIMEOUT_SECONDS)
    connection.close()
