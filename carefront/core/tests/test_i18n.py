"""Language negotiation helpers, and the catalogs of customer-facing text: complete, not fuzzy,
and compiled (the .mo files are committed)."""

import shutil
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.test import RequestFactory

from carefront.core.i18n import browser_language, first_supported_language, supported_language

needs_gettext = pytest.mark.skipif(
    shutil.which("msgfmt") is None or shutil.which("xgettext") is None,
    reason="GNU gettext is not installed (apt-get install gettext; .ci/run installs it)",
)


@pytest.mark.parametrize(
    ("tag", "language"),
    [("de", "de"), ("de-AT", "de"), ("fr_CA", "fr"), ("ES", "es"), ("ja", ""), ("", "")],
)
def test_supported_language(tag, language):
    assert supported_language(tag) == language


def test_first_supported_language_falls_back_to_the_sites():
    assert first_supported_language("ja", "", "fr-BE") == "fr"
    assert first_supported_language("ja", "") == "en"


@pytest.mark.parametrize(
    ("header", "language"),
    [("de-CH,de;q=0.9,en;q=0.5", "de"), ("ja, es;q=0.3", "es"), ("ja, *", ""), ("", "")],
)
def test_browser_language(header, language):
    request = RequestFactory().get("/", headers={"Accept-Language": header})
    assert browser_language(request) == language


@needs_gettext
def test_customer_facing_catalogs_are_complete_and_compiled():
    call_command("customer_messages", check=True)


@needs_gettext
def test_the_check_fails_on_an_untranslated_string(settings, tmp_path):
    source = Path(settings.LOCALE_PATHS[0])
    copy = tmp_path / "locale"
    shutil.copytree(source, copy)
    po = copy / "de" / "LC_MESSAGES" / "django.po"
    text = po.read_text()
    assert 'msgstr "Vielen Dank!"' in text
    po.write_text(text.replace('msgstr "Vielen Dank!"', 'msgstr ""'))
    settings.LOCALE_PATHS = [copy]
    with pytest.raises(CommandError, match="untranslated"):
        call_command("customer_messages", check=True)


@needs_gettext
def test_the_check_fails_on_a_stale_mo(settings, tmp_path):
    copy = tmp_path / "locale"
    shutil.copytree(Path(settings.LOCALE_PATHS[0]), copy)
    po = copy / "fr" / "LC_MESSAGES" / "django.po"
    po.write_text(po.read_text().replace('msgstr "Merci"', 'msgstr "Merci bien"'))
    settings.LOCALE_PATHS = [copy]
    with pytest.raises(CommandError, match="not compiled"):
        call_command("customer_messages", check=True)
