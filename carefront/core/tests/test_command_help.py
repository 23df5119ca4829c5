"""Every Carefront management command prints its help (a lazy translated `help` once broke
`db_worker --help`)."""

import pytest
from django.core.management import get_commands, load_command_class

CAREFRONT_COMMANDS = sorted(
    (app, name) for name, app in get_commands().items() if app.startswith("carefront.")
)


@pytest.mark.parametrize(
    ("app", "name"), CAREFRONT_COMMANDS, ids=[n for _, n in CAREFRONT_COMMANDS]
)
def test_help_renders(app, name):
    command = load_command_class(app, name)
    text = command.create_parser("manage.py", name).format_help()
    assert f"manage.py {name}" in text


def test_the_commands_are_found():
    assert {"db_worker", "serve", "fetch_mail"} <= {name for _, name in CAREFRONT_COMMANDS}
