"""`import_mail`: .eml folders, Maildirs and mbox files, with a summary; bad files never stop it."""

import io
import mailbox

import pytest
from django.core.management import CommandError, call_command

from carefront.conversations.models import Conversation, Message
from carefront.inboxes.email import mail_import as mail_import_module
from carefront.inboxes.email.mail_import import mail_import
from carefront.inboxes.models import RawInbound
from tests.support.mail import email_bytes

pytestmark = pytest.mark.django_db


def run(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("import_mail", *args, "--no-progress", stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_folder_of_eml_files_creates_and_threads(tmp_path, inbox):
    (tmp_path / "1.eml").write_bytes(
        email_bytes(to=inbox.email_address, subject="Parcel", message_id="<p1@example.com>")
    )
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "2.eml").write_bytes(
        email_bytes(to=inbox.email_address, subject="Re: Parcel", in_reply_to="<p1@example.com>")
    )
    (tmp_path / "notes.txt").write_text("not mail")

    out, _err = run(str(tmp_path), "--inbox", inbox.name)

    assert out.startswith("Imported 2 (2 messages from")
    assert "1 new conversation, 1 reply threaded, 0 delivery reports" in out
    assert Conversation.objects.get().message_count == 2
    assert RawInbound.objects.filter(source="import").count() == 2


def test_maildir_new_and_cur_are_imported(tmp_path, inbox):
    box = mailbox.Maildir(tmp_path / "Maildir", create=True)
    box.add(email_bytes(to=inbox.email_address))
    message = mailbox.MaildirMessage(email_bytes(to=inbox.email_address))
    message.set_subdir("cur")
    box.add(message)

    out, _err = run(str(tmp_path / "Maildir"))

    assert "2 new conversations, 0 replies threaded" in out
    assert Message.objects.count() == 2


def test_mbox_file_is_split_into_messages(tmp_path, inbox):
    box = mailbox.mbox(tmp_path / "archive.mbox")
    for n in range(3):
        box.add(email_bytes(to=inbox.email_address, subject=f"From the archive {n}"))
    box.flush()
    box.close()

    out, _err = run(str(tmp_path / "archive.mbox"))

    assert out.startswith("Imported 3 (3 messages from")
    assert "3 new conversations, 0 replies threaded" in out
    assert Conversation.objects.filter(subject__startswith="From the archive").count() == 3
    assert RawInbound.objects.filter(source_ref__endswith="archive.mbox#3").exists()


def test_single_eml_file(tmp_path, inbox):
    path = tmp_path / "one.eml"
    path.write_bytes(email_bytes(to=inbox.email_address, subject="Alone"))

    run(str(path))

    assert Conversation.objects.get().subject == "Alone"


def test_importing_twice_reports_duplicates(tmp_path, inbox):
    (tmp_path / "a.eml").write_bytes(email_bytes(to=inbox.email_address))
    run(str(tmp_path))

    out, _err = run(str(tmp_path))

    assert out.startswith("Imported 0, held 1: 1 duplicate (1 message from")
    assert Message.objects.count() == 1


def test_bad_files_are_counted_and_do_not_stop_the_import(tmp_path, inbox, monkeypatch):
    (tmp_path / "0-empty.eml").write_bytes(b"")
    (tmp_path / "1-garbage.eml").write_bytes(b"\x00\xff\xfe not an email at all \x00")
    (tmp_path / "2-breaks-storage.eml").write_bytes(email_bytes(to=inbox.email_address))
    (tmp_path / "3-good.eml").write_bytes(email_bytes(to=inbox.email_address, subject="Good"))
    real_ingest = mail_import_module.emails_ingest

    def ingest(**kwargs):
        if any(ref.endswith("2-breaks-storage.eml") for _data, ref in kwargs["emails"]):
            raise ConnectionError("database hiccup")
        return real_ingest(**kwargs)

    monkeypatch.setattr(mail_import_module, "emails_ingest", ingest)

    # One message per batch, so the hiccup hits exactly one file.
    summary = mail_import(path=tmp_path, inbox=inbox, batch_size=1)

    assert summary.total == 4
    assert summary.counts["failed"] == 1
    assert summary.counts["empty"] == 1  # the empty file, kept raw with its reason
    assert Conversation.objects.filter(subject="Good").exists()
    # The garbage file is stored as it came and shown from what could be recovered.
    assert RawInbound.objects.filter(source_ref__endswith="1-garbage.eml").exists()


def test_failures_are_reported_in_the_summary(tmp_path, inbox, monkeypatch):
    (tmp_path / "a.eml").write_bytes(email_bytes(to=inbox.email_address))

    def broken(**kwargs):
        raise ConnectionError("database hiccup")

    monkeypatch.setattr(mail_import_module, "emails_ingest", broken)

    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError, match="Nothing was imported"):
        call_command("import_mail", str(tmp_path), "--no-progress", stdout=out, stderr=err)

    assert "Imported 0; failed 1" in out.getvalue()
    assert "Run the import again" in err.getvalue()


def test_unknown_inbox_name_is_a_clear_error(tmp_path, inbox):
    with pytest.raises(CommandError, match="no inbox named 'Nope'"):
        run(str(tmp_path), "--inbox", "Nope")


def test_missing_path_is_a_clear_error(tmp_path, inbox):
    with pytest.raises(CommandError, match="does not exist"):
        run(str(tmp_path / "missing"))


def test_recipient_picks_the_inbox_when_none_is_given(tmp_path, inbox):
    from carefront.inboxes.tests.factories import InboxFactory

    other = InboxFactory()
    (tmp_path / "a.eml").write_bytes(email_bytes(to=other.email_address))

    run(str(tmp_path))

    assert Conversation.objects.get().inbox == other


def test_the_summary_says_how_many_were_held_and_why(tmp_path, inbox):
    mail = email_bytes(to=inbox.email_address, subject="Parcel", message_id="<p1@example.com>")
    (tmp_path / "1.eml").write_bytes(mail)
    (tmp_path / "2.eml").write_bytes(mail)  # the same message again
    for n in range(2):
        (tmp_path / f"oof{n}.eml").write_bytes(
            (
                f"From: dora{n}@example.com\r\nTo: {inbox.email_address}\r\n"
                f"Subject: Out of office\r\nMessage-ID: <oof{n}@example.com>\r\n"
                "Auto-Submitted: auto-replied\r\n\r\nAway.\r\n"
            ).encode()
        )
    (tmp_path / "list.eml").write_bytes(
        (
            f"From: bea@example.com\r\nTo: {inbox.email_address}\r\nSubject: [users] Export\r\n"
            "Message-ID: <l1@example.com>\r\nPrecedence: bulk\r\nList-Id: <users.example.org>\r\n"
            "\r\nThe last row is missing.\r\n"
        ).encode()
    )

    out, _err = run(str(tmp_path))

    first, second, third = out.splitlines()
    assert first.startswith("Imported 2, held 3: 2 auto-replies, 1 duplicate (5 messages from")
    assert second == "2 new conversations, 0 replies threaded, 0 delivery reports for our replies."
    assert "Held mail" in third


def test_the_summary_groups_thousands_biggest_reason_first():
    from collections import Counter

    from carefront.inboxes.email.mail_import import ImportSummary

    summary = ImportSummary(
        counts=Counter(
            created=700, threaded=182, auto_reply=1200, duplicate=400, bounce=18, failed=0
        )
    )
    assert summary.text() == (
        "Imported 882, held 1,618: 1,200 auto-replies, 400 duplicates, 18 bounces"
    )
    assert summary.held_text() == "held 1,618: 1,200 auto-replies, 400 duplicates, 18 bounces"


def test_the_progress_bar_shows_the_held_reasons_as_it_goes(tmp_path, inbox, monkeypatch):
    """The bar's postfix is the summary's held_text, updated for each message."""
    import carefront.inboxes.management.commands.import_mail as command

    postfixes = []

    class Bar:
        def __init__(self, **kwargs):
            pass

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def update(self):
            pass

        def set_postfix_str(self, text, refresh=True):
            postfixes.append(text)

    monkeypatch.setattr(command, "tqdm", Bar)
    mail = email_bytes(to=inbox.email_address, subject="Parcel", message_id="<p1@example.com>")
    (tmp_path / "1.eml").write_bytes(mail)
    (tmp_path / "2.eml").write_bytes(mail)
    (tmp_path / "3.eml").write_bytes(mail)

    run(str(tmp_path))

    # Updated as each message is counted: at the end it names both copies.
    assert postfixes[-1] == "held 2: 2 duplicates"


def _run_expecting_failure(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError, match="Nothing was imported"):
        call_command("import_mail", *args, "--no-progress", stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_mail_files_are_recognised_by_content_whatever_their_name(tmp_path, inbox):
    (tmp_path / "a.box").write_bytes(email_bytes(to=inbox.email_address, subject="Box"))
    (tmp_path / "b.txt").write_bytes(email_bytes(to=inbox.email_address, subject="Txt"))
    (tmp_path / "c").write_bytes(email_bytes(to=inbox.email_address, subject="Bare"))
    (tmp_path / "d.msg").write_bytes(
        b"---------- Forwarded message ---------\r\n"
        + email_bytes(to=inbox.email_address, subject="Banner")
    )

    out, err = run(str(tmp_path))

    assert out.startswith("Imported 4 (")
    assert "4 new conversation" in out
    assert set(Conversation.objects.values_list("subject", flat=True)) == {
        "Box",
        "Txt",
        "Bare",
        "Banner",
    }
    assert "Skipped" not in err


def test_files_that_are_not_mail_are_listed_with_the_reason(tmp_path, inbox):
    (tmp_path / "1.eml").write_bytes(email_bytes(to=inbox.email_address))
    (tmp_path / "notes.txt").write_text("Note: call the customer back\nabout the parcel\n")
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "photo.jpg").write_bytes(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00")
    (tmp_path / ".DS_Store").write_bytes(b"\x00\x00")

    out, err = run(str(tmp_path))

    assert out.startswith("Imported 1 (1 message from")
    assert "1 new conversation" in out
    assert "Skipped 4 files that are not mail" in err
    assert "notes.txt: no email header block at the start" in err
    assert "empty.txt: empty file" in err
    assert "photo.jpg: binary file, not mail" in err
    assert ".DS_Store: hidden file" in err


def test_mbox_files_inside_a_folder_are_split(tmp_path, inbox):
    box = mailbox.mbox(tmp_path / "Archive.box")
    for n in range(2):
        box.add(email_bytes(to=inbox.email_address, subject=f"Archived {n}"))
    box.flush()
    box.close()

    out, _err = run(str(tmp_path))

    assert out.startswith("Imported 2 (")
    assert "2 new conversation" in out


def test_a_non_empty_folder_without_mail_fails(tmp_path, inbox):
    (tmp_path / "readme.txt").write_text("Hello, this folder holds no mail.\n")

    out, err = _run_expecting_failure(str(tmp_path))

    assert out.startswith("Imported 0 (0 messages from")
    assert "readme.txt: no email header block at the start" in err


def test_an_empty_folder_is_not_an_error(tmp_path, inbox):
    out, _err = run(str(tmp_path))

    assert out.startswith("Imported 0 (0 messages from")


def test_cli_import_mail_exits_non_zero_when_nothing_is_imported(tmp_path, inbox):
    from carefront.cli import main

    (tmp_path / "readme.txt").write_text("no mail here\n")
    with pytest.raises(SystemExit) as exit_info:
        main(["import-mail", str(tmp_path), "--no-progress"])
    assert exit_info.value.code not in (0, None)
