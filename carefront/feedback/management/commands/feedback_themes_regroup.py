"""Group every feedback comment into themes afresh (a lead's names and placements are kept)."""

from django.core.management.base import BaseCommand, CommandError

from carefront.core.exceptions import ApplicationError
from carefront.feedback.grouping.vectors import LEXICAL_SPACE, MINILM_SPACE
from carefront.feedback.models import ThemeRun
from carefront.feedback.services import feedback_comments_backfill, themes_regroup


class Command(BaseCommand):
    help = "Group every feedback comment into themes afresh."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--themes",
            type=int,
            default=None,
            help="this many themes (default: as many as the comments make tight themes)",
        )
        parser.add_argument(
            "--space",
            choices=["auto", "minilm", "lexical"],
            default="auto",
            help="vectors: MiniLM embeddings, lexical TF-IDF, or auto (embeddings if installed)",
        )
        parser.add_argument(
            "--backfill",
            action="store_true",
            help="first record the comments of ratings given before the feedback inbox existed",
        )

    def handle(self, *args, themes: int | None, space: str, backfill: bool, **options) -> None:
        if themes is not None and themes < 1:
            raise CommandError("--themes must be at least 1")
        if backfill:
            self.stdout.write(f"{feedback_comments_backfill()} rated comments recorded")
        chosen = {"minilm": MINILM_SPACE, "lexical": LEXICAL_SPACE}.get(space)
        try:
            run = themes_regroup(trigger=ThemeRun.Trigger.COMMAND, k=themes, space=chosen)
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(
            f"{run.comments} comments in {run.themes} themes ({run.space}, {run.seconds:.1f} s)"
        )
