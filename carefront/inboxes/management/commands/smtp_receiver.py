"""`manage.py smtp_receiver [--host --port --lmtp]`: receive mail for the inbox addresses."""

import signal
import threading

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _

from carefront.inboxes.email.smtp_receiver import smtp_receiver_controller


class Command(BaseCommand):
    help = _("Run the SMTP (or LMTP) receiver that turns incoming mail into conversations.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default=None, help=_("Address to listen on."))
        parser.add_argument("--port", type=int, default=None, help=_("Port to listen on."))
        parser.add_argument(
            "--lmtp", action="store_true", help=_("Speak LMTP (for a Postfix/Exim transport).")
        )

    def handle(self, *args, host: str | None, port: int | None, lmtp: bool, **options) -> None:
        host = host or settings.CAREFRONT["SMTP_RECEIVER_HOST"]
        port = port if port is not None else settings.CAREFRONT["SMTP_RECEIVER_PORT"]
        controller = smtp_receiver_controller(host=host, port=port, lmtp=lmtp)
        stop = threading.Event()

        def request_stop(signum, frame) -> None:
            stop.set()

        signal.signal(signal.SIGINT, request_stop)
        signal.signal(signal.SIGTERM, request_stop)
        controller.start()
        self.stdout.write(
            _("%(protocol)s receiver listening on %(host)s:%(port)s; press Ctrl-C to stop.")
            % {"protocol": "LMTP" if lmtp else "SMTP", "host": host, "port": port}
        )
        try:
            stop.wait()
        finally:
            controller.stop()
