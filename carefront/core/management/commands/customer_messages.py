"""Extract and check the translations of customer-facing text (carefront/locale).

Only the files customers see are extracted (CUSTOMER_FACING): the agent UI is not translated
yet, and a catalog of its ~1,000 strings left untranslated would hide the ones that matter.

    manage.py customer_messages           # update the .po files from the sources
    manage.py customer_messages --check   # fail if a .po lacks a string, leaves one untranslated
                                          # or fuzzy, or a committed .mo is older than its .po

Both need GNU gettext (xgettext, msgmerge, msgcmp, msgfmt); `make messages` compiles the .mo.
"""

import contextlib
import gettext
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.test.utils import override_settings

# Every file with text a customer reads: survey emails, acknowledgements, the rating pages and
# their form, the errors those pages can show. Add a file here when it starts to hold
# customer-facing text.
CUSTOMER_FACING = [
    "carefront/feedback/emails.py",
    "carefront/feedback/models/ratings.py",
    "carefront/feedback/services/nps_answers.py",
    "carefront/feedback/services/ratings.py",
    "carefront/feedback/templates/feedback/email/nps.html",
    "carefront/feedback/templates/feedback/email/nps.txt",
    "carefront/sla/promises.py",
    "carefront/feedback/templates/feedback/email/survey.html",
    "carefront/feedback/templates/feedback/email/survey.txt",
    "carefront/sla/acknowledgement_text.py",
    "carefront/web/public_forms.py",
    "carefront/web/views/nps_public.py",
    "carefront/web/views/rating.py",
    "carefront/web/templates/web/includes/form_errors.html",
    "carefront/web/templates/web/nps.html",
    "carefront/web/templates/web/nps_error.html",
    "carefront/web/templates/web/nps_thanks.html",
    "carefront/web/templates/web/public_base.html",
    "carefront/web/templates/web/rate.html",
    "carefront/web/templates/web/rate_error.html",
    "carefront/web/templates/web/rate_thanks.html",
    "carefront/web/templates/web/survey_unsubscribe.html",
    # The public help centre (issue 12).
    "carefront/knowledge/models/signals.py",
    "carefront/knowledge/selectors.py",
    "carefront/knowledge/services/signals.py",
    "carefront/web/views/help_centre.py",
    "carefront/web/templates/web/help/base.html",
    "carefront/web/templates/web/help/home.html",
    "carefront/web/templates/web/help/category.html",
    "carefront/web/templates/web/help/article.html",
    "carefront/web/templates/web/help/search.html",
    # The contact form, the customer portal and their emails (kb-portal).
    "carefront/knowledge/emails.py",
    "carefront/knowledge/services/contact.py",
    "carefront/knowledge/services/portal.py",
    "carefront/knowledge/templates/knowledge/email/contact_confirm.txt",
    "carefront/knowledge/templates/knowledge/email/portal_link.txt",
    "carefront/web/portal_forms.py",
    "carefront/web/views/contact_form.py",
    "carefront/web/views/portal.py",
    "carefront/web/templates/web/contact/confirm.html",
    "carefront/web/templates/web/contact/deflected.html",
    "carefront/web/templates/web/contact/deflected_fragment.html",
    "carefront/web/templates/web/contact/error.html",
    "carefront/web/templates/web/contact/form.html",
    "carefront/web/templates/web/contact/sent.html",
    "carefront/web/templates/web/contact/suggestions.html",
    "carefront/web/templates/web/portal/base.html",
    "carefront/web/templates/web/portal/conversation.html",
    "carefront/web/templates/web/portal/error.html",
    "carefront/web/templates/web/portal/home.html",
    "carefront/web/templates/web/portal/link_invalid.html",
    "carefront/web/templates/web/portal/new.html",
    "carefront/web/templates/web/portal/sign_in.html",
    "carefront/web/templates/web/portal/sign_in_link.html",
    "carefront/web/templates/web/portal/sign_in_sent.html",
    "carefront/feedback/improvement_messages.py",
    "carefront/web/views/improvement_public.py",
    "carefront/web/templates/web/improvement_optout.html",
    # The live chat widget's texts, errors, pages and emails (chat-server).
    "carefront/inboxes/chat/consumers.py",
    "carefront/inboxes/chat/emails.py",
    "carefront/inboxes/chat/selectors.py",
    "carefront/inboxes/chat/services.py",
    "carefront/inboxes/chat/views.py",
    "carefront/inboxes/templates/inboxes/chat/confirm.html",
    "carefront/inboxes/templates/inboxes/chat/confirm_email.txt",
    "carefront/inboxes/templates/inboxes/chat/reply_footer.txt",
    "carefront/inboxes/templates/inboxes/chat/resume.html",
]
TOOLS = ("xgettext", "msgmerge", "msguniq", "msgattrib", "msgcmp", "msgfmt")


def catalog_languages() -> list[str]:
    return [code for code, _name in settings.LANGUAGES if code != settings.LANGUAGE_CODE]


def locale_dir() -> Path:
    return Path(settings.LOCALE_PATHS[0])


def _po(base: Path, language: str, suffix: str = "po") -> Path:
    return base / language / "LC_MESSAGES" / f"django.{suffix}"


def _run(*args: str | Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(a) for a in args], capture_output=True, text=True, check=False)  # noqa: S603


class Command(BaseCommand):
    help = "Update (or, with --check, verify) the .po files of customer-facing text."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--check",
            action="store_true",
            help="Change nothing; fail if a translation is missing, fuzzy or not compiled.",
        )

    def handle(self, *args, check: bool, **options) -> None:
        missing = [tool for tool in TOOLS if shutil.which(tool) is None]
        if missing:
            raise CommandError(
                f"GNU gettext is needed ({', '.join(missing)} not found): apt-get install gettext"
            )
        root = Path(settings.BASE_DIR)
        with tempfile.TemporaryDirectory() as tmp:
            work = Path(tmp)
            sources = work / "src"
            for name in CUSTOMER_FACING:
                target = sources / name
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(root / name, target)
            output = work / "locale" if check else locale_dir()
            if check:
                shutil.copytree(locale_dir(), output)
            with override_settings(LOCALE_PATHS=[output]), contextlib.chdir(sources):
                call_command(
                    "makemessages",
                    locale=catalog_languages(),
                    keep_pot=True,
                    no_obsolete=True,
                    add_location="file",
                    verbosity=0,
                )
            template = output / "django.pot"
            problems = self._check(template, work) if check else []
            template.unlink(missing_ok=True)
        if problems:
            raise CommandError("\n".join(problems))
        self.stdout.write("Translations are complete and compiled." if check else "Updated.")

    def _check(self, template: Path, work: Path) -> list[str]:
        problems = []
        for language in catalog_languages():
            po, mo = _po(locale_dir(), language), _po(locale_dir(), language, "mo")
            compared = _run("msgcmp", po, template)
            if compared.returncode:
                problems.append(f"{po}: missing, untranslated or fuzzy:\n{compared.stderr}")
            fresh = work / f"{language}.mo"
            compiled = _run("msgfmt", "--check", "--statistics", "-o", fresh, po)
            if compiled.returncode or re.search(r"fuzzy|untranslated", compiled.stderr):
                problems.append(f"{po}: {compiled.stderr.strip()}")
                continue
            if not mo.exists() or _catalog(mo) != _catalog(fresh):
                problems.append(f"{mo} is not compiled from {po}: run `make messages`.")
        return problems


def _catalog(path: Path) -> dict:
    with path.open("rb") as handle:
        return dict(gettext.GNUTranslations(handle)._catalog)
