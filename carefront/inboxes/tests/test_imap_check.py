""" "Test connection" for an inbox's IMAP settings, against a real dovecot on loopback: each
failing step is named, and success says how many messages the folder holds."""

import socket

import pytest

from carefront.accounts.models import Role
from carefront.accounts.tests.factories import AgentFactory
from carefront.core.exceptions import PermissionDenied
from carefront.inboxes.email.imap import imap_check
from carefront.inboxes.models import ImapAccount
from carefront.inboxes.setup import imap_account_check
from tests.support.mail import email_bytes

pytestmark = pytest.mark.django_db


def _check(server, **overrides):
    values = {
        "host": server.host,
        "port": server.port,
        "use_ssl": False,
        "username": server.username,
        "password": server.password,
        "folder": "INBOX",
        "timeout": 3,
    }
    return imap_check(**{**values, **overrides})


def test_success_says_how_many_messages_the_folder_has(imap_server):
    imap_server.append(email_bytes(subject="One"))
    imap_server.append(email_bytes(subject="Two"))

    check = _check(imap_server)

    assert check.ok
    assert check.step == "done"
    assert check.message == "Connected and signed in; folder INBOX has 2 messages."


def test_checking_marks_nothing_as_read(imap_server):
    imap_server.append(email_bytes())

    _check(imap_server)

    with imap_server.client() as client:
        client.select_folder("INBOX", readonly=True)
        assert client.search(["UNSEEN"]) == imap_server.uids()


def test_wrong_password_is_an_authentication_failure(imap_server):
    check = _check(imap_server, password="not-the-password")

    assert not check.ok
    assert check.step == "login"
    assert f"Signing in as {imap_server.username} failed" in check.message


def test_missing_folder_is_named_with_the_folders_that_exist(imap_server):
    check = _check(imap_server, folder="Support/Nope")

    assert not check.ok
    assert check.step == "folder"
    assert "the folder Support/Nope was not found" in check.message
    assert "Folders on this account: INBOX" in check.message


def test_closed_port_is_connection_refused(imap_server, loopback_port):
    check = _check(imap_server, port=loopback_port)

    assert not check.ok
    assert check.step == "connect"
    assert f"refused the connection on port {loopback_port}" in check.message


def test_tls_to_a_plain_port_is_a_tls_error(imap_server):
    check = _check(imap_server, use_ssl=True)

    assert not check.ok
    assert check.step == "tls"
    assert "TLS handshake" in check.message
    assert "untick “Use TLS”" in check.message


def test_a_server_that_never_greets_is_a_timeout():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as silent:
        # Listening without ever answering: the connection opens, the greeting never comes.
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)
        port = silent.getsockname()[1]
        check = imap_check(
            host="127.0.0.1",
            port=port,
            use_ssl=False,
            username="u",
            password="p",
            folder="INBOX",
            timeout=0.5,
        )

    assert not check.ok
    assert check.step == "connect"
    assert "did not answer within 0.5 seconds" in check.message


def test_unknown_host_is_a_dns_failure(monkeypatch):
    # No DNS query leaves the machine: the resolver's answer for an unknown name is simulated.
    def not_found(*args, **kwargs):
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", not_found)
    check = imap_check(
        host="imap.example.invalid",
        port=993,
        use_ssl=True,
        username="u",
        password="p",
        folder="INBOX",
    )

    assert not check.ok
    assert check.step == "dns"
    assert check.message == (
        "The host name imap.example.invalid was not found (DNS: Name or service not known)."
    )


# The service: admins only, and the saved password only for the saved host and username.


def test_empty_password_uses_the_saved_one(admin, inbox, imap_server):
    ImapAccount.objects.create(
        inbox=inbox,
        host=imap_server.host,
        port=imap_server.port,
        use_ssl=False,
        username=imap_server.username,
        password=imap_server.password,
    )

    check = imap_account_check(
        actor=admin,
        inbox=inbox,
        host=imap_server.host,
        port=imap_server.port,
        use_ssl=False,
        username=imap_server.username,
        password="",
        folder="INBOX",
    )

    assert check.ok, check.message


def test_saved_password_is_never_sent_to_another_host(admin, inbox, imap_server):
    ImapAccount.objects.create(
        inbox=inbox, host="imap.example.com", username=imap_server.username, password="secret"
    )

    check = imap_account_check(
        actor=admin,
        inbox=inbox,
        host=imap_server.host,
        port=imap_server.port,
        use_ssl=False,
        username=imap_server.username,
        password="",
    )

    assert not check.ok
    assert check.step == "input"
    assert "Type the password" in check.message


def test_missing_host_is_asked_for_without_connecting(admin, inbox):
    check = imap_account_check(actor=admin, inbox=inbox, host=" ", username="u", password="p")

    assert (check.ok, check.step) == (False, "input")


def test_only_admins_may_check(inbox):
    lead = AgentFactory(role=Role.LEAD)
    with pytest.raises(PermissionDenied):
        imap_account_check(actor=lead, inbox=inbox, host="h", username="u", password="p")
