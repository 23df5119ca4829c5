"""The real-peer fixtures must never turn a missing server into a silent skip in CI."""

import pytest

from tests.support.dovecot import require_peer


def test_missing_peer_fails_when_ci_is_set(monkeypatch):
    monkeypatch.setenv("CI", "1")
    with pytest.raises(pytest.fail.Exception, match="CI is set"):
        require_peer("dovecot", None)


def test_missing_peer_skips_outside_ci(monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception):
        require_peer("dovecot", None)


def test_installed_peer_is_returned(monkeypatch):
    monkeypatch.setenv("CI", "1")
    assert require_peer("dovecot", "/usr/sbin/dovecot") == "/usr/sbin/dovecot"
