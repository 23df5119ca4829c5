"""Setting up inboxes from the admin area: create, change, attach an IMAP mailbox."""

from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext as _

from carefront.accounts.models import Agent, Role, Team
from carefront.accounts.services.permissions import require_admin
from carefront.core.exceptions import InvalidInput

from .email.imap import ImapCheck, imap_check
from .models import (
    DEFAULT_RATING_DELAY_MINUTES,
    MAX_RATING_DELAY_MINUTES,
    MAX_RECOVERY_DUE_HOURS,
    Channel,
    ImapAccount,
    Inbox,
)


def _clean_rating_delay(minutes: int) -> int:
    if not 0 <= minutes <= MAX_RATING_DELAY_MINUTES:
        raise InvalidInput(
            _("The wait before asking for a rating is 0 to %(max)s minutes.")
            % {"max": MAX_RATING_DELAY_MINUTES}
        )
    return minutes


def _clean_language(language: str) -> str:
    language = (language or "").strip()
    if language and language not in {code for code, _name in settings.LANGUAGES}:
        raise InvalidInput(
            _("Carefront has no translation for the language %(language)s.")
            % {"language": language}
        )
    return language


def _clean(
    *, name: str, email_address: str, channel: str, exclude_pk: int | None
) -> tuple[str, str | None]:
    name = " ".join((name or "").split())
    if not name:
        raise InvalidInput(_("An inbox needs a name."))
    if len(name) > 100:
        raise InvalidInput(_("An inbox name is at most 100 characters."))
    if channel not in Channel.values:
        raise InvalidInput(_("%(channel)s is not a channel.") % {"channel": channel})
    address = (email_address or "").strip().lower() or None
    if address is not None:
        try:
            validate_email(address)
        except ValidationError as exc:
            raise InvalidInput(
                _("%(address)s is not an email address.") % {"address": address}
            ) from exc
    elif channel == Channel.EMAIL:
        raise InvalidInput(_("An email inbox needs an address."))
    others = Inbox.objects.exclude(pk=exclude_pk) if exclude_pk else Inbox.objects.all()
    if others.filter(name__iexact=name).exists():
        raise InvalidInput(_("An inbox called %(name)s exists.") % {"name": name})
    if address and others.filter(email_address=address).exists():
        raise InvalidInput(_("Another inbox uses %(address)s.") % {"address": address})
    return name, address


@transaction.atomic
def inbox_create(
    *,
    actor: Agent,
    name: str,
    email_address: str = "",
    from_name: str = "",
    channel: str = Channel.EMAIL,
    teams: Iterable[Team] = (),
    is_active: bool = True,
    ask_for_rating: bool | None = None,
    rating_delay_minutes: int = DEFAULT_RATING_DELAY_MINUTES,
    default_language: str = "",
    send_acknowledgement: bool = True,
) -> Inbox:
    """`ask_for_rating` defaults to on for email inboxes and off for the others (surveys go
    out by email; an API inbox's customers hear from the integration, not from us)."""
    require_admin(actor)
    name, address = _clean(name=name, email_address=email_address, channel=channel, exclude_pk=None)
    if ask_for_rating is None:
        ask_for_rating = channel == Channel.EMAIL
    inbox = Inbox.objects.create(
        name=name,
        email_address=address,
        from_name=(from_name or "").strip()[:100],
        channel=channel,
        is_active=is_active,
        ask_for_rating=ask_for_rating,
        rating_delay_minutes=_clean_rating_delay(rating_delay_minutes),
        default_language=_clean_language(default_language),
        send_acknowledgement=send_acknowledgement,
    )
    inbox.teams.set(list(teams))
    return inbox


@transaction.atomic
def inbox_update(
    *,
    actor: Agent,
    inbox: Inbox,
    name: str,
    email_address: str,
    from_name: str,
    teams: Iterable[Team],
    is_active: bool = True,
    ask_for_rating: bool | None = None,
    rating_delay_minutes: int | None = None,
    default_language: str | None = None,
    send_acknowledgement: bool | None = None,
) -> Inbox:
    """`ask_for_rating`, `rating_delay_minutes`, `default_language` and `send_acknowledgement`
    stay as they are when not given."""
    require_admin(actor)
    name, address = _clean(
        name=name, email_address=email_address, channel=inbox.channel, exclude_pk=inbox.pk
    )
    inbox.name = name
    inbox.email_address = address
    inbox.from_name = (from_name or "").strip()[:100]
    inbox.is_active = is_active
    if ask_for_rating is not None:
        inbox.ask_for_rating = ask_for_rating
    if rating_delay_minutes is not None:
        inbox.rating_delay_minutes = _clean_rating_delay(rating_delay_minutes)
    if default_language is not None:
        inbox.default_language = _clean_language(default_language)
    if send_acknowledgement is not None:
        inbox.send_acknowledgement = send_acknowledgement
    inbox.save(
        update_fields=[
            "default_language",
            "name",
            "email_address",
            "from_name",
            "is_active",
            "ask_for_rating",
            "rating_delay_minutes",
            "send_acknowledgement",
        ]
    )
    inbox.teams.set(list(teams))
    return inbox


def inbox_set_recovery(*, actor: Agent, inbox: Inbox, owner: Agent | None, due_hours: int) -> Inbox:
    """Who follows up on the inbox's bad ratings (None: a lead of the conversation's team) and
    within how many business hours. The owner must be an active lead or admin."""
    require_admin(actor)
    if owner is not None and (not owner.is_active or owner.role not in {Role.LEAD, Role.ADMIN}):
        raise InvalidInput(_("The recovery owner must be an active lead or admin."))
    if not 1 <= due_hours <= MAX_RECOVERY_DUE_HOURS:
        raise InvalidInput(
            _("The time to follow up is 1 to %(max)s hours.") % {"max": MAX_RECOVERY_DUE_HOURS}
        )
    inbox.recovery_owner = owner
    inbox.recovery_due_hours = due_hours
    inbox.save(update_fields=["recovery_owner", "recovery_due_hours"])
    return inbox


@transaction.atomic
def imap_account_save(
    *,
    actor: Agent,
    inbox: Inbox,
    host: str,
    username: str,
    password: str = "",
    port: int = 993,
    use_ssl: bool = True,
    folder: str = "INBOX",
    delete_after_fetch: bool = False,
    is_active: bool = True,
) -> ImapAccount:
    """Create or change the inbox's IMAP mailbox. An empty password keeps the stored one."""
    require_admin(actor)
    host = (host or "").strip()
    username = (username or "").strip()
    folder = (folder or "").strip() or "INBOX"
    if not host or not username:
        raise InvalidInput(_("An IMAP account needs a host and a username."))
    if not 1 <= int(port) <= 65535:
        raise InvalidInput(_("The port must be between 1 and 65535."))
    account = ImapAccount.objects.filter(inbox=inbox).first()
    if account is None:
        if not password:
            raise InvalidInput(_("A new IMAP account needs a password."))
        account = ImapAccount(inbox=inbox)
    if (account.host, account.username, account.folder) != (host, username, folder):
        # Another mailbox: its UIDs mean nothing to the position we had.
        account.uid_validity = None
        account.last_uid = 0
    account.host = host
    account.username = username
    account.port = int(port)
    account.use_ssl = use_ssl
    account.folder = folder
    account.delete_after_fetch = delete_after_fetch
    account.is_active = is_active
    if password:
        account.password = password
    account.save()
    return account


@transaction.atomic
def imap_account_remove(*, actor: Agent, inbox: Inbox) -> None:
    require_admin(actor)
    ImapAccount.objects.filter(inbox=inbox).delete()


def imap_account_check(
    *,
    actor: Agent,
    inbox: Inbox | None,
    host: str,
    username: str,
    password: str = "",
    port: int = 993,
    use_ssl: bool = True,
    folder: str = "INBOX",
) -> ImapCheck:
    """Try IMAP settings before saving them ("Test connection"). An empty password means the
    stored one, but only for the stored host and username: a saved secret is never sent to a
    server it was not saved for."""
    require_admin(actor)
    host = (host or "").strip()
    username = (username or "").strip()
    folder = (folder or "").strip() or "INBOX"
    if not host or not username:
        return ImapCheck(False, "input", _("Fill in the IMAP host and the username first."))
    if not 1 <= int(port) <= 65535:
        return ImapCheck(False, "input", _("The port must be between 1 and 65535."))
    if not password:
        account = ImapAccount.objects.filter(inbox=inbox).first() if inbox else None
        if account is None:
            return ImapCheck(False, "input", _("Type the password to test the connection."))
        if (account.host, account.username) != (host, username):
            return ImapCheck(
                False,
                "input",
                _(
                    "Type the password: the saved one is only used with the saved host and "
                    "username."
                ),
            )
        password = account.password
    return imap_check(
        host=host,
        port=int(port),
        use_ssl=use_ssl,
        username=username,
        password=password,
        folder=folder,
    )
