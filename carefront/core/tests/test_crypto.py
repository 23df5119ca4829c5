import pytest
from django.db import connection

from carefront.core.crypto import PREFIX, decrypt, encrypt
from carefront.inboxes.models import ImapAccount
from carefront.inboxes.tests.factories import InboxFactory


def _stored_password(account: ImapAccount) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT password FROM inboxes_imapaccount WHERE id = %s", [account.pk])
        return cursor.fetchone()[0]


def test_encrypt_round_trips_and_never_repeats_itself():
    first, second = encrypt("hunter2 ünïcode"), encrypt("hunter2 ünïcode")
    assert first.startswith(PREFIX)
    assert first != second  # a fresh IV each time
    assert decrypt(first) == decrypt(second) == "hunter2 ünïcode"


def test_a_value_stored_before_encryption_reads_as_it_is():
    assert decrypt("plain-old-password") == "plain-old-password"


def test_values_encrypted_with_an_old_secret_key_still_decrypt(settings):
    stored = encrypt("s3cret")
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "a-brand-new-secret-key-for-this-test"
    assert decrypt(stored) == "s3cret"
    assert decrypt(encrypt("s3cret")) == "s3cret"


@pytest.mark.django_db
def test_imap_password_is_encrypted_in_the_database_and_plain_in_python():
    account = ImapAccount.objects.create(
        inbox=InboxFactory(), host="127.0.0.1", username="support", password="hunter2"
    )
    stored = _stored_password(account)
    assert stored.startswith(PREFIX)
    assert "hunter2" not in stored
    assert ImapAccount.objects.get(pk=account.pk).password == "hunter2"


@pytest.mark.django_db
def test_a_password_no_key_can_decrypt_reads_as_empty_and_is_logged(settings, caplog):
    account = ImapAccount.objects.create(
        inbox=InboxFactory(), host="127.0.0.1", username="support", password="hunter2"
    )
    settings.SECRET_KEY = "another-key-entirely-with-no-fallbacks"
    assert ImapAccount.objects.get(pk=account.pk).password == ""
    assert "cannot be decrypted" in caplog.text


@pytest.mark.django_db
def test_the_migration_encrypts_passwords_stored_in_clear():
    import importlib

    from django.apps import apps

    migration = importlib.import_module("carefront.inboxes.migrations.0002_imap_password_encrypted")
    account = ImapAccount.objects.create(
        inbox=InboxFactory(), host="127.0.0.1", username="support", password="x"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE inboxes_imapaccount SET password = %s WHERE id = %s",
            ["stored-in-clear", account.pk],
        )
    migration.encrypt_stored_passwords(apps, None)
    assert _stored_password(account).startswith(PREFIX)
    assert ImapAccount.objects.get(pk=account.pk).password == "stored-in-clear"
