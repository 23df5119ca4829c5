"""The `carefront` command: `carefront import-mail PATH` runs `manage.py import_mail PATH`.

Any Django management command works, with dashes or underscores; settings default to the
embedded mode (`config.settings.local`).
"""

import os
import sys

USAGE = """usage: carefront COMMAND [ARGS...]

Common commands:
  serve                 run Carefront (web, task worker, mail receiver, IMAP poller)
  import-mail PATH      import a folder of mail files (.eml, .box, .txt, ...), a Maildir
                        or an mbox file; non-mail files are listed and skipped
  fetch-mail            fetch new mail from IMAP accounts (--forever to keep watching)
  smtp-receiver         run the SMTP/LMTP receiver alone (--lmtp, --host, --port)
  migrate               create or update the database

`carefront help` lists every command; `carefront COMMAND --help` explains one.
"""


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in {"-h", "--help"}:
        print(USAGE)
        return
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    from django.core.management import execute_from_command_line

    command = argv[0]
    if not command.startswith("-"):
        command = command.replace("-", "_")
    execute_from_command_line(["carefront", command, *argv[1:]])


if __name__ == "__main__":
    main()
