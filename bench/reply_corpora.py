"""Score the reply parser against the shared reply-parser corpora: pass counts per suite.

    .venv/bin/python bench/reply_corpora.py   # needs ../shared/corpora (or CAREFRONT_CORPORA)

github-email_reply_parser, zapier-email-reply-parser and mail-parser-reply are scored check by
check as `carefront/inboxes/tests/corpora.py` maps them; django-helpdesk needs a database, so its
checks are the `test_helpdesk_*` tests of `carefront/inboxes/tests/test_corpora.py`, run here
with pytest on SQLite.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    import django

    django.setup()
    from carefront.inboxes.tests.corpora import all_reply_checks, corpora_dir

    if corpora_dir() is None:
        print("corpora not found")
        return 1
    print("| suite | passed | checks |")
    print("|---|---|---|")
    for suite, checks in all_reply_checks().items():
        print(f"| {suite} | {sum(c.passed for c in checks)} | {len(checks)} |")
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "no:cacheprovider",
            "-q",
            "-o",
            "addopts=",
            "-k",
            "helpdesk",
            "carefront/inboxes/tests/test_corpora.py",
        ],
        cwd=ROOT,
        env={**os.environ, "CAREFRONT_DATABASE_URL": "sqlite://"},
        capture_output=True,
        text=True,
        check=False,
    )
    summary = run.stdout.strip().splitlines()[-1] if run.stdout.strip() else run.stderr[-300:]
    passed = failed = 0
    for chunk in summary.replace("=", "").split(","):
        words = chunk.split()
        if len(words) >= 2 and words[1] == "passed":
            passed = int(words[0])
        if len(words) >= 2 and words[1] == "failed":
            failed = int(words[0])
    print(f"| django-helpdesk (tests) | {passed} | {passed + failed} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
