"""A real dovecot IMAP server on loopback for tests, with one Maildir user in a temporary dir.

Used by `carefront/inboxes/tests/conftest.py`. When dovecot is missing the fixture skips, except
when the `CI` environment variable is set: there a missing peer is a broken build, not a skip.
"""

import os
import pwd
import shutil
import signal
import socket
import string
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

TEMPLATE = Path(__file__).parent / "dovecot" / "dovecot.conf.template"
DOVECOT_CANDIDATES = ("/usr/sbin/dovecot", "dovecot")
USERNAME = "support"
PASSWORD = "imap-test-secret"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def find_dovecot() -> str | None:
    for candidate in DOVECOT_CANDIDATES:
        path = shutil.which(candidate)
        if path:
            return path
    return None


def require_peer(name: str, path: str | None) -> str:
    """Skip locally when a real peer program is missing; fail in CI, where skipping hides gaps."""
    if path:
        return path
    message = f"{name} is not installed; it is needed for the real-peer email tests."
    if os.environ.get("CI"):
        pytest.fail(message + " (CI is set, so this is a failure, not a skip)")
    pytest.skip(message)
    raise AssertionError("unreachable")  # pytest.skip raises


@dataclass
class DovecotServer:
    """A dovecot master process; `stop()`/`start()` simulate an outage on the same port."""

    binary: str
    root: Path
    port: int = field(default_factory=free_port)
    username: str = USERNAME
    password: str = PASSWORD
    process: subprocess.Popen | None = None

    @property
    def host(self) -> str:
        return "127.0.0.1"

    @property
    def maildir(self) -> Path:
        return self.root / "mail" / self.username / "Maildir"

    def configure(self) -> Path:
        if os.geteuid() == 0:
            # As root, dovecot refuses to run mail sessions as root; use "nobody" and dovecot's
            # own unprivileged users, which the Debian package creates.
            mail_uid, mail_gid = 65534, 65534
            internal = "dovecot" if _user_exists("dovecot") else "nobody"
            login = "dovenull" if _user_exists("dovenull") else "nobody"
        else:
            # Unprivileged: every process runs as the caller.
            mail_uid, mail_gid = os.getuid(), os.getgid()
            internal = login = pwd.getpwuid(mail_uid).pw_name
        for sub in ("run", "state", f"mail/{self.username}/Maildir"):
            (self.root / sub).mkdir(parents=True, exist_ok=True)
        for sub in ("new", "cur", "tmp"):
            (self.maildir / sub).mkdir(exist_ok=True)
        (self.root / "users").write_text(f"{self.username}:{{PLAIN}}{self.password}\n")
        if os.geteuid() == 0:
            for path in [self.root / "mail", *(self.root / "mail").rglob("*")]:
                os.chown(path, mail_uid, mail_gid)
            # The session user must be able to reach its home under the tmp dir.
            self.root.chmod(0o755)
        conf = self.root / "dovecot.conf"
        conf.write_text(
            string.Template(TEMPLATE.read_text()).substitute(
                root=self.root,
                port=self.port,
                mail_uid=mail_uid,
                mail_gid=mail_gid,
                internal_user=internal,
                login_user=login,
            )
        )
        return conf

    def start(self, timeout: float = 10.0) -> None:
        conf = self.root / "dovecot.conf"
        if not conf.exists():
            conf = self.configure()
        # -F keeps it in the foreground so we own the process and can stop it by pid.
        self.process = subprocess.Popen(
            [self.binary, "-F", "-c", str(conf)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                stderr = self.process.stderr.read().decode(errors="replace")
                raise RuntimeError(f"dovecot exited at start-up: {stderr}\n{self.log()}")
            try:
                with socket.create_connection((self.host, self.port), timeout=0.5) as sock:
                    if sock.recv(100).startswith(b"* OK"):
                        return
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"dovecot did not listen on port {self.port}:\n{self.log()}")

    def stop(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process.stderr:
            self.process.stderr.close()
        self.process = None
        # The master is gone once the port refuses connections.
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            try:
                socket.create_connection((self.host, self.port), timeout=0.2).close()
                time.sleep(0.05)
            except OSError:
                return

    def log(self) -> str:
        path = self.root / "dovecot.log"
        return path.read_text(errors="replace")[-4000:] if path.exists() else ""

    def client(self):
        from imapclient import IMAPClient

        client = IMAPClient(self.host, port=self.port, ssl=False, timeout=10)
        client.login(self.username, self.password)
        return client

    def append(self, raw: bytes, folder: str = "INBOX") -> None:
        with self.client() as client:
            client.append(folder, raw)

    def uids(self, folder: str = "INBOX") -> list[int]:
        with self.client() as client:
            client.select_folder(folder, readonly=True)
            return sorted(client.search(["NOT", "DELETED"]))

    def clear(self, folder: str = "INBOX") -> None:
        """Empty the folder so each test starts from nothing."""
        with self.client() as client:
            client.select_folder(folder)
            uids = client.search(["ALL"])
            if uids:
                client.delete_messages(uids)
                client.expunge()


def _user_exists(name: str) -> bool:
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True
