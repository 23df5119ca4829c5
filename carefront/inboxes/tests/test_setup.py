import pytest

from carefront.core.exceptions import InvalidInput, PermissionDenied
from carefront.inboxes.models import Channel, ImapAccount
from carefront.inboxes.setup import imap_account_save, inbox_create, inbox_update

pytestmark = pytest.mark.django_db


def test_admin_creates_email_inbox_for_teams(admin, team):
    inbox = inbox_create(actor=admin, name="Sales", email_address="Sales@Example.com", teams=[team])
    assert inbox.email_address == "sales@example.com"
    assert list(inbox.teams.all()) == [team]


def test_email_inbox_needs_an_address(admin):
    with pytest.raises(InvalidInput):
        inbox_create(actor=admin, name="No address")


def test_api_inbox_needs_no_address(admin):
    inbox = inbox_create(actor=admin, name="API", channel=Channel.API)
    assert inbox.email_address is None


def test_agent_cannot_create_inboxes(agent):
    with pytest.raises(PermissionDenied):
        inbox_create(actor=agent, name="Mine", email_address="m@example.com")


def test_update_refuses_an_address_of_another_inbox(admin, inbox):
    other = inbox_create(actor=admin, name="Other", email_address="other@example.com")
    with pytest.raises(InvalidInput):
        inbox_update(
            actor=admin,
            inbox=other,
            name="Other",
            email_address=inbox.email_address,
            from_name="",
            teams=[],
        )


def test_new_imap_account_needs_a_password(admin, inbox):
    with pytest.raises(InvalidInput):
        imap_account_save(actor=admin, inbox=inbox, host="imap.example.com", username="u")


def test_changing_the_mailbox_resets_the_fetch_position(admin, inbox):
    account = imap_account_save(
        actor=admin, inbox=inbox, host="imap.example.com", username="u", password="p"
    )
    ImapAccount.objects.filter(pk=account.pk).update(last_uid=42, uid_validity=7)
    account = imap_account_save(
        actor=admin, inbox=inbox, host="imap.example.com", username="u", folder="Support"
    )
    assert (account.last_uid, account.uid_validity, account.password) == (0, None, "p")


def test_same_mailbox_keeps_the_fetch_position(admin, inbox):
    account = imap_account_save(
        actor=admin, inbox=inbox, host="imap.example.com", username="u", password="p"
    )
    ImapAccount.objects.filter(pk=account.pk).update(last_uid=42, uid_validity=7)
    account = imap_account_save(
        actor=admin, inbox=inbox, host="imap.example.com", username="u", port=143, use_ssl=False
    )
    assert (account.last_uid, account.uid_validity, account.port) == (42, 7, 143)
