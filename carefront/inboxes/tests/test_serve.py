"""`manage.py serve` as `make run` starts it: a real process, stopped by a signal."""

import os
import signal
import smtplib
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings

from tests.support.dovecot import free_port

MANAGE = Path(settings.BASE_DIR) / "manage.py"


@pytest.fixture(scope="module")
def embedded_env(tmp_path_factory):
    var = tmp_path_factory.mktemp("serve-var")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "CAREFRONT_VAR_DIR": str(var),
        "CAREFRONT_DATABASE_URL": f"sqlite:///{var / 'carefront.sqlite3'}",
    }
    env.pop("CAREFRONT_EMAIL_HOST", None)
    subprocess.run(
        [sys.executable, str(MANAGE), "migrate", "-v0"], env=env, check=True, timeout=120
    )
    return env


def _start(env):
    web_port, smtp_port = free_port(), free_port()
    process = subprocess.Popen(
        [
            *(sys.executable, str(MANAGE), "serve"),
            *("--port", str(web_port), "--smtp-port", str(smtp_port)),
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{web_port}/", timeout=2) as response:
                status = response.status
            break
        except urllib.error.HTTPError as exc:
            status = exc.code
            break
        except OSError:
            if process.poll() is not None:
                pytest.fail(f"serve exited early:\n{process.stdout.read()}")
            time.sleep(0.2)
    else:
        process.kill()
        pytest.fail(f"serve did not answer HTTP:\n{process.stdout.read()}")
    return process, status, smtp_port


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_serve_runs_web_and_smtp_and_stops_cleanly(embedded_env, signum):
    process, status, smtp_port = _start(embedded_env)
    try:
        assert status < 500
        with smtplib.SMTP("127.0.0.1", smtp_port, timeout=10) as client:
            client.ehlo()
            client.mail("ana@example.com")
            code, _reply = client.rcpt("nobody@carefront.test")
        assert code == 550  # the receiver is up and checks addresses in the database
    finally:
        process.send_signal(signum)
        try:
            output, _ = process.communicate(timeout=45)
        except subprocess.TimeoutExpired:
            process.kill()
            output, _ = process.communicate()
            pytest.fail(f"serve did not stop:\n{output}")

    assert process.returncode == 0, output
    assert "Carefront is running at http://127.0.0.1:" in output
    assert "Stopped." in output
    assert "Traceback" not in output
