"""IMAP fetching against a real dovecot on loopback."""

import io
import threading
import time

import pytest
from django.core.management import CommandError, call_command
from django.db import OperationalError

from carefront.conversations.models import Conversation, Message
from carefront.inboxes.email.imap import imap_account_fetch, imap_poll_forever
from carefront.inboxes.models import ImapAccount, RawInbound
from tests.support.mail import email_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def account(inbox, imap_server):
    return ImapAccount.objects.create(
        inbox=inbox,
        host=imap_server.host,
        port=imap_server.port,
        use_ssl=False,
        username=imap_server.username,
        password=imap_server.password,
    )


def test_fetch_imports_every_message_as_a_conversation(account, imap_server):
    imap_server.append(email_bytes(subject="Broken zipper"))
    imap_server.append(email_bytes(subject="Late delivery"))

    result = imap_account_fetch(account=account)

    assert result.ok
    assert result.fetched == 2
    assert result.outcomes["created"] == 2
    assert set(Conversation.objects.values_list("subject", flat=True)) == {
        "Broken zipper",
        "Late delivery",
    }
    account.refresh_from_db()
    assert account.last_uid == max(imap_server.uids())
    assert account.uid_validity is not None
    assert account.last_checked_at is not None


def test_raw_bytes_are_stored_with_the_imap_uid_as_reference(account, imap_server):
    raw = email_bytes(subject="Keep me exactly")
    imap_server.append(raw)

    imap_account_fetch(account=account)

    stored = RawInbound.objects.get()
    assert stored.source == "imap"
    assert stored.source_ref.endswith(f":{imap_server.uids()[0]}")
    assert b"Keep me exactly" in bytes(stored.data)


def test_second_fetch_imports_nothing_new(account, imap_server):
    imap_server.append(email_bytes())
    imap_account_fetch(account=account)

    again = imap_account_fetch(account=account)

    assert again.ok
    assert again.fetched == 0
    assert Message.objects.count() == 1
    assert RawInbound.objects.count() == 1


def test_fetch_never_deletes_from_the_server_by_default(account, imap_server):
    imap_server.append(email_bytes())
    imap_server.append(email_bytes())
    before = imap_server.uids()

    imap_account_fetch(account=account)

    assert imap_server.uids() == before


def test_fetch_does_not_mark_messages_as_read(account, imap_server):
    imap_server.append(email_bytes())

    imap_account_fetch(account=account)

    with imap_server.client() as client:
        client.select_folder("INBOX", readonly=True)
        assert client.search(["UNSEEN"]) == imap_server.uids()


def test_delete_after_fetch_removes_imported_messages(account, imap_server):
    account.delete_after_fetch = True
    account.save()
    imap_server.append(email_bytes())
    imap_server.append(email_bytes())

    result = imap_account_fetch(account=account)

    assert result.deleted == 2
    assert imap_server.uids() == []
    assert Message.objects.count() == 2


def test_outage_is_recorded_and_missed_mail_is_backfilled(account, imap_server):
    imap_server.append(email_bytes(subject="Before the outage"))
    imap_account_fetch(account=account)

    imap_server.stop()
    failed = imap_account_fetch(account=account)
    account.refresh_from_db()
    assert not failed.ok
    assert account.last_error

    imap_server.start()
    imap_server.append(email_bytes(subject="During the outage 1"))
    imap_server.append(email_bytes(subject="During the outage 2"))
    recovered = imap_account_fetch(account=account)

    account.refresh_from_db()
    assert recovered.ok
    assert recovered.fetched == 2
    assert account.last_error == ""
    assert Conversation.objects.filter(subject__startswith="During the outage").count() == 2


def test_unreachable_server_records_the_error_without_raising(account, imap_server, loopback_port):
    account.port = loopback_port  # nothing listens there
    account.save()

    result = imap_account_fetch(account=account)

    account.refresh_from_db()
    assert result.error
    assert account.last_error == result.error
    assert account.last_checked_at is not None


def test_wrong_password_is_recorded_as_the_error(account):
    account.password = "wrong"
    account.save()

    result = imap_account_fetch(account=account)

    account.refresh_from_db()
    assert "LoginError" in account.last_error
    assert result.fetched == 0


def test_changed_uidvalidity_rescans_without_duplicating(account, imap_server):
    imap_server.append(email_bytes(subject="Already here"))
    imap_account_fetch(account=account)
    # A server migration renumbers the folder: our stored UIDs mean nothing any more.
    ImapAccount.objects.filter(pk=account.pk).update(uid_validity=1, last_uid=10_000)
    account.refresh_from_db()
    imap_server.append(email_bytes(subject="New after migration"))

    result = imap_account_fetch(account=account)

    assert result.rescanned
    assert result.fetched == 2
    assert result.outcomes["duplicate"] == 1
    assert Message.objects.count() == 2


def test_fetch_works_in_batches(account, imap_server):
    for n in range(5):
        imap_server.append(email_bytes(subject=f"Batch {n}"))

    result = imap_account_fetch(account=account, batch_size=2)

    assert result.fetched == 5
    assert Conversation.objects.count() == 5


def test_failure_mid_fetch_keeps_the_uid_of_the_last_stored_message(
    account, imap_server, monkeypatch
):
    for n in range(3):
        imap_server.append(email_bytes(subject=f"Message {n}"))
    from carefront.inboxes.email import imap as imap_module

    real_ingest = imap_module.email_ingest
    calls = []

    def ingest_then_crash(**kwargs):
        calls.append(kwargs)
        if len(calls) == 2:
            raise ConnectionError("database went away")
        return real_ingest(**kwargs)

    monkeypatch.setattr(imap_module, "email_ingest", ingest_then_crash)
    first = imap_account_fetch(account=account)
    account.refresh_from_db()
    assert "database went away" in first.error
    assert account.last_uid == imap_server.uids()[0]

    monkeypatch.setattr(imap_module, "email_ingest", real_ingest)
    second = imap_account_fetch(account=account)
    assert second.fetched == 2
    assert Conversation.objects.count() == 3


@pytest.mark.django_db(transaction=True)
def test_poller_imports_mail_that_arrives_while_it_runs(account, imap_server):
    stop = threading.Event()
    thread = threading.Thread(
        target=imap_poll_forever, kwargs={"stop": stop, "interval": 30}, daemon=True
    )
    thread.start()
    try:
        time.sleep(0.5)  # first fetch done, now idling
        imap_server.append(email_bytes(subject="Arrived during IDLE"))
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                if Conversation.objects.filter(subject="Arrived during IDLE").exists():
                    break
            except OperationalError:
                # The in-memory test database is SQLite in shared-cache mode: a read that meets
                # the poller's write transaction fails at once ("table is locked") instead of
                # waiting. Look again.
                pass
            time.sleep(0.2)
        assert Conversation.objects.filter(subject="Arrived during IDLE").exists()
    finally:
        stop.set()
        thread.join(timeout=20)
    assert not thread.is_alive()


def test_fetch_mail_command_reports_what_it_imported(account, imap_server):
    imap_server.append(email_bytes())
    out = io.StringIO()

    call_command("fetch_mail", stdout=out)

    assert "1 new message(s) created: 1" in out.getvalue()


def test_fetch_mail_command_exits_non_zero_when_an_account_fails(account, loopback_port):
    account.port = loopback_port
    account.save()

    with pytest.raises(CommandError, match="1 IMAP account"):
        call_command("fetch_mail", stdout=io.StringIO(), stderr=io.StringIO())
