"""Real peers for the email transport tests: dovecot (IMAP) and our own SMTP/LMTP receiver."""

import shutil
import tempfile
from pathlib import Path

import pytest

from tests.support.dovecot import DovecotServer, find_dovecot, free_port, require_peer


@pytest.fixture(scope="session")
def dovecot_server():
    """One dovecot for the session (about 0.1 s to start); tests empty INBOX before use."""
    binary = require_peer("dovecot (apt: dovecot-imapd)", find_dovecot())
    root = Path(tempfile.mkdtemp(prefix="carefront-dovecot-"))
    server = DovecotServer(binary=binary, root=root)
    server.start()
    yield server
    server.stop()
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def imap_server(dovecot_server):
    if dovecot_server.process is None:  # a previous test left it stopped
        dovecot_server.start()
    dovecot_server.clear()
    yield dovecot_server
    if dovecot_server.process is None:
        dovecot_server.start()


@pytest.fixture
def loopback_port():
    return free_port()
