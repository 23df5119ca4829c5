"""`manage.py demo_data [--if-empty] [--conversations N] [--seed S]`: a demo help desk."""

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from carefront.demo.builder import demo_data_build, demo_data_needed


class Command(BaseCommand):
    help = _("Fill an empty database with demo inboxes, agents, customers and conversations.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help=_("Do nothing (and succeed) when the database already has agents or data."),
        )
        parser.add_argument(
            "--conversations",
            type=int,
            default=1000,
            help=_("How many conversations to create (default 1000)."),
        )
        parser.add_argument(
            "--seed", type=int, default=1, help=_("Same seed, same demo content (default 1).")
        )

    def handle(self, *args, if_empty: bool, conversations: int, seed: int, **options) -> None:
        if conversations < 1:
            raise CommandError(_("--conversations must be at least 1."))
        if not demo_data_needed():
            if if_empty:
                self.stdout.write(_("The database already has data; no demo data added."))
                return
            raise CommandError(
                _(
                    "The database already has agents or conversations; demo data is only added "
                    "to an empty database. Use --if-empty to skip quietly."
                )
            )
        self.stdout.write(_("Creating demo data (%(n)s conversations)...") % {"n": conversations})

        def progress(done: int, total: int) -> None:
            if options.get("verbosity", 1) > 1:
                self.stdout.write(f"  {done}/{total}")

        summary = demo_data_build(conversations=conversations, seed=seed, progress=progress)
        self.stdout.write(
            self.style.SUCCESS(
                _(
                    "Demo data ready in %(s).1f s: %(agents)s agents, %(customers)s customers, "
                    "%(conversations)s conversations, %(messages)s messages."
                )
                % {
                    "s": summary.seconds,
                    "agents": summary.agents,
                    "customers": summary.customers,
                    "conversations": summary.conversations,
                    "messages": summary.messages,
                }
            )
        )
        self.stdout.write(
            _("Feedback: %(ratings)s ratings, %(nps)s NPS answers, comments in %(themes)s themes.")
            % {
                "ratings": summary.ratings,
                "nps": summary.nps_answers,
                "themes": summary.themes,
            }
        )
        self.stdout.write(_("Sign in with:"))
        for email, password, role in summary.logins:
            self.stdout.write(f"  {email} / {password}  ({role})")
