"""`manage.py db_worker`: django-tasks-db's worker, plus liveness and crash recovery.

Before the first task it puts back what dead workers held (`carefront.core.workers`), then beats
a heartbeat every few seconds and recovers again every minute while it runs. Its worker id is
`host:pid:token` unless `--worker-id` is given, so a worker killed on this host is known dead at
once. This app is listed before `django_tasks_db` in INSTALLED_APPS so this command wins.
"""

import os
import threading

from django.utils.autoreload import DJANGO_AUTORELOAD_ENV
from django.utils.translation import gettext_lazy as _
from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand

from carefront.core.workers import (
    current_worker_id,
    heartbeat_forever,
    worker_start,
    worker_unregister,
)


class Command(DbWorkerCommand):
    help = _(
        "Run a database background worker (with heartbeats and recovery of dead workers' tasks)"
    )

    def create_parser(self, prog_name, subcommand, **kwargs):
        # django-tasks-db's parser wraps the description with argparse's text filler, which
        # needs a real string, not a lazy translation.
        self.help = str(self.help)
        return super().create_parser(prog_name, subcommand, **kwargs)

    def add_arguments(self, parser) -> None:
        super().add_arguments(parser)
        parser.set_defaults(worker_id=current_worker_id())

    def handle(self, *args, **options) -> None:
        reloading = options["reload"] and not options["batch"]
        if reloading and os.environ.get(DJANGO_AUTORELOAD_ENV) != "true":
            # The reloader's parent process only watches files; its child does the work.
            return super().handle(*args, **options)
        worker_id = options["worker_id"]
        recovery = worker_start(worker_ids=[worker_id])
        if recovery.total and options["verbosity"]:
            self.stdout.write(
                _("Recovered from dead workers: %(counts)s") % {"counts": recovery.counts}
            )
        stop = threading.Event()
        beats = threading.Thread(
            target=heartbeat_forever,
            kwargs={"stop": stop, "worker_ids": [worker_id]},
            name="worker-heartbeat",
            daemon=True,
        )
        beats.start()
        try:
            return super().handle(*args, **options)
        finally:
            stop.set()
            beats.join(timeout=5)
            for each in {current_worker_id(), worker_id}:
                worker_unregister(worker_id=each)
