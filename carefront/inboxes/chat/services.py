"""Writes of the chat channel: settings, visitors (tokens and identity), messages, read receipts,
"continue by email" and the confirmation of a visitor's address (docs/chat.md)."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
import re
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from carefront.conversations.inbound import InboundAttachment, InboundMessage
from carefront.conversations.live import live_event_append
from carefront.conversations.models import Conversation, Message
from carefront.conversations.services import message_receive
from carefront.conversations.services.attachments import (
    NewAttachment,
    check_attachments,
    clean_content_type,
    clean_filename,
)
from carefront.core.exceptions import ApplicationError, InvalidInput, NotFound
from carefront.customers.models import Customer, CustomerIdentity, IdentityKind

from ..models import Inbox, RawInbound, RawStatus
from .models import PRECHAT_FIELDS, ChatSettings, ChatVisitor

logger = logging.getLogger(__name__)

CHAT_SOURCE = "chat"
VISITOR_SALT = "carefront.chat.visitor"
RESUME_SALT = "carefront.chat.resume"
CONFIRM_SALT = "carefront.chat.confirm"
RESUME_LINK_MAX_AGE = dt.timedelta(days=30)
CONFIRM_LINK_MAX_AGE = dt.timedelta(days=7)
MAX_MESSAGE_CHARS = 5000
MAX_PRECHAT_VALUE_CHARS = 500
SUBJECT_CHARS = 80
_HEX_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")
_DOMAIN = re.compile(
    r"^(\*\.)?[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*(:\d{1,5})?$"
)


class IdentityRequired(ApplicationError):  # noqa: N818
    """The inbox requires a verified identity and the visitor brought none (or a wrong hash)."""

    code = "identity_required"


class BadToken(ApplicationError):  # noqa: N818
    code = "bad_token"


# --- Settings ----------------------------------------------------------------------------------


def clean_domains(text: str) -> str:
    """One host a line, lower-cased; raises InvalidInput naming the first bad one."""
    lines = []
    for raw_line in (text or "").splitlines():
        line = raw_line.strip().lower()
        if not line:
            continue
        # People paste origins: keep the host.
        line = re.sub(r"^[a-z]+://", "", line).split("/")[0]
        if not _DOMAIN.match(line):
            raise InvalidInput(
                _("%(value)r is not a host such as www.example.com.") % {"value": raw_line}
            )
        lines.append(line)
    return "\n".join(dict.fromkeys(lines))


def clean_prechat(fields: list[dict]) -> list[dict]:
    clean = []
    seen = set()
    for field in fields:
        name = field.get("name")
        if name not in PRECHAT_FIELDS or name in seen:
            raise InvalidInput(_("Unknown pre-chat field: %(name)s.") % {"name": name})
        seen.add(name)
        clean.append(
            {
                "name": name,
                "label": str(field.get("label") or "")[:100],
                "required": bool(field.get("required")),
            }
        )
    return clean


@transaction.atomic
def chat_inbox_create(*, name: str, teams: list | None = None, **settings_fields: Any) -> Inbox:
    """A new inbox of the chat channel with its settings."""
    name = " ".join((name or "").split())
    if not name:
        raise InvalidInput(_("An inbox needs a name."))
    if Inbox.objects.filter(name=name).exists():
        raise InvalidInput(_("An inbox named %(name)s exists already.") % {"name": name})
    # The widget states the expected reply time itself; no acknowledgement message.
    inbox = Inbox.objects.create(
        name=name, channel="chat", ask_for_rating=False, send_acknowledgement=False
    )
    if teams:
        inbox.teams.set(teams)
    chat_settings_save(inbox=inbox, **settings_fields)
    return inbox


@transaction.atomic
def chat_settings_save(
    *,
    inbox: Inbox,
    allowed_domains: str = "",
    title: str = "",
    greeting: str = "",
    accent_color: str = "",
    prechat_fields: list[dict] | None = None,
    identity_secret: str | None = None,
    require_verified_identity: bool = False,
    use_business_hours: bool = True,
    accept_timeout_minutes: int | None = None,
    email_after_minutes: int | None = None,
) -> ChatSettings:
    """Create or change a chat inbox's settings. `identity_secret` None keeps the saved one."""
    if inbox.channel != "chat":
        raise InvalidInput(_("Only chat inboxes have chat settings."))
    current = ChatSettings.objects.select_for_update().filter(inbox=inbox).first()
    current = current or ChatSettings(inbox=inbox)
    accent_color = accent_color or current.accent_color
    if not _HEX_COLOR.match(accent_color):
        raise InvalidInput(_("The accent colour is a hex colour such as #2457c5."))
    current.allowed_domains = clean_domains(allowed_domains)
    current.title = title.strip()[:100]
    current.greeting = greeting.strip()[:500]
    current.accent_color = accent_color.lower()
    current.prechat_fields = clean_prechat(prechat_fields or [])
    if identity_secret is not None:
        current.identity_secret = identity_secret.strip()
    if require_verified_identity and not current.identity_secret:
        raise InvalidInput(_("Set an identity verification secret to require verified identity."))
    current.require_verified_identity = require_verified_identity
    current.use_business_hours = use_business_hours
    if accept_timeout_minutes is not None:
        current.accept_timeout_minutes = max(1, min(int(accept_timeout_minutes), 24 * 60))
    if email_after_minutes is not None:
        current.email_after_minutes = max(0, min(int(email_after_minutes), 24 * 60))
    current.save()
    return current


def chat_settings_get(*, key: str) -> ChatSettings:
    """The settings behind a public key, of an active chat inbox; NotFound otherwise."""
    found = (
        ChatSettings.objects.select_related("inbox")
        .filter(public_key=key, inbox__is_active=True, inbox__channel="chat")
        .first()
        if key and len(key) <= 64
        else None
    )
    if found is None:
        raise NotFound(_("No chat here."))
    return found


# --- Origins -----------------------------------------------------------------------------------


def origin_host(origin: str) -> str:
    """`https://www.example.com:8443` -> `www.example.com:8443`; "" for `null` or junk."""
    origin = (origin or "").strip().lower()
    match = re.match(r"^[a-z][a-z0-9+.-]*://([^/?#@]+)$", origin)
    return match.group(1) if match else ""


def _host_matches(host: str, pattern: str) -> bool:
    """A pattern without a port matches the host on any port; `*.x.com` matches subdomains."""
    if ":" not in pattern:
        host = host.rsplit(":", 1)[0] if re.search(r":\d+$", host) else host
    if pattern.startswith("*."):
        return host.endswith(pattern[1:]) and len(host) > len(pattern) - 1
    return host == pattern


def origin_allowed(*, chat: ChatSettings, origin: str | None, own_hosts: list[str]) -> bool:
    """Whether a browser on `origin` may use the chat. A request without an Origin header is
    not from another site's page (browsers always send it on cross-origin calls): allowed."""
    if origin is None:
        return True
    host = origin_host(origin)
    if not host:
        return False
    if host in own_hosts:
        return True
    return any(_host_matches(host, pattern) for pattern in chat.domains)


# --- Visitors ----------------------------------------------------------------------------------


def visitor_token(visitor: ChatVisitor) -> str:
    return signing.dumps({"i": visitor.inbox_id, "v": visitor.pk}, salt=VISITOR_SALT)


def visitor_from_token(*, chat: ChatSettings, token: str | None) -> ChatVisitor:
    """The visitor a token names, of this inbox; BadToken for anything else."""
    if not token or not isinstance(token, str) or len(token) > 500:
        raise BadToken(_("Unknown visitor."))
    try:
        value = signing.loads(token, salt=VISITOR_SALT)
    except signing.BadSignature as exc:
        raise BadToken(_("Unknown visitor.")) from exc
    if not isinstance(value, dict) or value.get("i") != chat.inbox_id:
        raise BadToken(_("Unknown visitor."))
    visitor = (
        ChatVisitor.objects.select_related("customer")
        .filter(pk=value.get("v"), inbox=chat.inbox_id)
        .first()
    )
    if visitor is None:
        raise BadToken(_("Unknown visitor."))
    return visitor


def identity_hash(*, secret: str, user_id: str) -> str:
    """What the website computes: hex HMAC-SHA256 of the user id with the inbox's secret."""
    return hmac.new(secret.encode(), user_id.encode(), hashlib.sha256).hexdigest()


def _verified_user_id(chat: ChatSettings, user: dict | None) -> str:
    """The user id if the website signed it, else "" (IdentityRequired when it must be)."""
    user = user if isinstance(user, dict) else {}
    user_id = str(user.get("id") or "")[:200]
    given_hash = str(user.get("hash") or "")
    verified = bool(
        user_id
        and chat.identity_secret
        and hmac.compare_digest(
            identity_hash(secret=chat.identity_secret, user_id=user_id).encode(),
            given_hash.lower().encode(),
        )
    )
    if chat.require_verified_identity and not verified:
        raise IdentityRequired(_("This chat is for signed-in users."))
    return user_id if verified else ""


@dataclass(frozen=True, slots=True)
class Session:
    visitor: ChatVisitor
    token: str
    verified: bool
    last_seq: int


def _clean_name(value: Any) -> str:
    return " ".join(str(value or "").split())[:200]


def _clean_email(value: Any) -> str:
    email = str(value or "").strip().lower()
    if not email:
        return ""
    try:
        validate_email(email)
    except ValidationError as exc:
        raise InvalidInput(
            _("%(email)s is not an email address.") % {"email": email[:100]}
        ) from exc
    return email[:320]


def _external_value(chat: ChatSettings, user_id: str) -> str:
    return f"chat:{chat.inbox_id}:{user_id}"[:320]


def _new_visitor(*, chat: ChatSettings, name: str, external_user_id: str = "") -> ChatVisitor:
    """A visitor; their customer is made with their first message (every page view of the
    website opens a session: most never write)."""
    return ChatVisitor.objects.create(
        inbox=chat.inbox, external_user_id=external_user_id, name=name
    )


def _ensure_customer(chat: ChatSettings, visitor: ChatVisitor) -> Customer:
    """The visitor's customer, made now if they have none: the customer the website's verified
    user id already leads to, else a new one (never one found by an unconfirmed address)."""
    if visitor.customer_id is not None:
        return visitor.customer
    with transaction.atomic():
        locked = ChatVisitor.objects.select_for_update().get(pk=visitor.pk)
        if locked.customer_id is None:
            identity = None
            if locked.external_user_id:
                identity = CustomerIdentity.objects.filter(
                    kind=IdentityKind.EXTERNAL, value=_external_value(chat, locked.external_user_id)
                ).first()
            if identity is not None:
                locked.customer_id = identity.customer_id
            else:
                customer = Customer.objects.create(name=locked.name)
                if locked.external_user_id:
                    CustomerIdentity.objects.create(
                        kind=IdentityKind.EXTERNAL,
                        value=_external_value(chat, locked.external_user_id),
                        customer=customer,
                    )
                locked.customer_id = customer.pk
            locked.save(update_fields=["customer"])
    visitor.customer_id = locked.customer_id
    visitor.customer = Customer.objects.get(pk=locked.customer_id)
    return visitor.customer


def chat_session_start(
    *, chat: ChatSettings, token: str | None, user: dict | None, now: dt.datetime | None = None
) -> Session:
    """The visitor behind a browser: the one its token names, the website's verified user, or a
    new (anonymous) one. A verified user id always leads to the same visitor, so a returning
    user continues their history from any browser. An email the website passes is kept as the
    visitor's unconfirmed address: the website signs the id, not the address."""
    now = now or timezone.now()
    user_id = _verified_user_id(chat, user)
    user = user if isinstance(user, dict) else {}
    visitor = None
    if token:
        try:
            visitor = visitor_from_token(chat=chat, token=token)
        except BadToken:
            visitor = None  # a stale token from another inbox or key: start afresh
    if visitor is not None and visitor.external_user_id and visitor.external_user_id != user_id:
        # Another user signed in on this browser (or signed out): not the same person.
        visitor = None
    if user_id and (visitor is None or not visitor.external_user_id):
        known = ChatVisitor.objects.filter(inbox=chat.inbox, external_user_id=user_id).first()
        if known is not None:
            visitor = known
        elif visitor is not None:
            # The anonymous visitor signed in: their chat so far is the user's.
            visitor.external_user_id = user_id
            try:
                with transaction.atomic():
                    visitor.save(update_fields=["external_user_id"])
                    if visitor.customer_id is not None:
                        CustomerIdentity.objects.get_or_create(
                            kind=IdentityKind.EXTERNAL,
                            value=_external_value(chat, user_id),
                            defaults={"customer": visitor.customer},
                        )
            except IntegrityError:
                visitor = ChatVisitor.objects.get(inbox=chat.inbox, external_user_id=user_id)
    if visitor is None:
        try:
            with transaction.atomic():
                visitor = _new_visitor(
                    chat=chat, name=_clean_name(user.get("name")), external_user_id=user_id
                )
        except IntegrityError:
            visitor = ChatVisitor.objects.get(inbox=chat.inbox, external_user_id=user_id)
    changed = ["last_seen_at"]
    visitor.last_seen_at = now
    name = _clean_name(user.get("name"))
    if name and not visitor.name:
        visitor.name = name
        changed.append("name")
    try:
        email = _clean_email(user.get("email"))
    except InvalidInput:
        email = ""
    if email and not visitor.email:
        visitor.email = email
        changed.append("email")
    visitor.save(update_fields=changed)
    last_seq = 0
    if visitor.conversation_id:
        last_seq = (
            Conversation.objects.filter(pk=visitor.conversation_id)
            .values_list("live_seq", flat=True)
            .first()
            or 0
        )
    return Session(
        visitor=visitor, token=visitor_token(visitor), verified=bool(user_id), last_seq=last_seq
    )


def chat_visitor_seen(*, visitor_id: int, now: dt.datetime | None = None, sockets: int = 0) -> None:
    """The visitor is here (polled, sent a frame); `sockets` +1 / -1 when a socket opens or
    closes."""
    from django.db.models import F
    from django.db.models.functions import Greatest

    fields: dict[str, Any] = {"last_seen_at": now or timezone.now()}
    if sockets:
        fields["open_sockets"] = Greatest(F("open_sockets") + sockets, 0)
    ChatVisitor.objects.filter(pk=visitor_id).update(**fields)


def visitor_present(
    visitor: ChatVisitor, *, chat: ChatSettings, now: dt.datetime | None = None
) -> bool:
    """Whether a reply reaches the visitor in the chat: a socket is open (and was heard from in
    the last half hour, in case its server died without saying so), or they polled recently."""
    now = now or timezone.now()
    if visitor.last_seen_at is None:
        return False
    if visitor.open_sockets > 0 and visitor.last_seen_at > now - dt.timedelta(minutes=30):
        return True
    return visitor.last_seen_at > now - dt.timedelta(minutes=chat.email_after_minutes)


# --- Messages ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Sent:
    message: Message
    conversation_id: int
    seq: int
    created: bool  # a new conversation


def _clean_text(text: Any) -> str:
    if not isinstance(text, str):
        raise InvalidInput(_("The message must be text."))
    text = text.replace("\x00", "").replace("\r\n", "\n").strip()
    if not text:
        raise InvalidInput(_("The message is empty."))
    if len(text) > MAX_MESSAGE_CHARS:
        raise InvalidInput(_("A message is at most %(n)s characters.") % {"n": MAX_MESSAGE_CHARS})
    return text


def _clean_client_id(client_id: Any) -> str:
    value = str(client_id or "").strip().lower()
    if not re.fullmatch(r"[0-9a-f-]{8,64}", value):
        raise InvalidInput(_("client_id must be a UUID."))
    return value


def _apply_prechat(chat: ChatSettings, visitor: ChatVisitor, prechat: Any) -> list[str]:
    """Keep the pre-chat answers on the visitor; raises InvalidInput for a missing required one.
    Returns the visitor's changed fields."""
    prechat = prechat if isinstance(prechat, dict) else {}
    changed = []
    answers = dict(visitor.prechat or {})
    for field in chat.prechat_fields:
        name = field["name"]
        value = " ".join(str(prechat.get(name) or "").split())[:MAX_PRECHAT_VALUE_CHARS]
        if name == "email":
            value = _clean_email(value)
        if field.get("required") and not value and not answers.get(name):
            raise InvalidInput(
                _("Please fill in %(field)s.") % {"field": field.get("label") or name}
            )
        if value:
            answers[name] = value
    if answers != (visitor.prechat or {}):
        visitor.prechat = answers
        changed.append("prechat")
    if answers.get("name") and not visitor.name:
        visitor.name = answers["name"][:200]
        changed.append("name")
    if (
        answers.get("email")
        and answers["email"] != visitor.email
        and not visitor.email_confirmed_at
    ):
        visitor.email = answers["email"]
        changed.append("email")
    return changed


def _stored_message(visitor: ChatVisitor, message_id: str) -> Message | None:
    if visitor.customer_id is None:
        return None
    return (
        Message.objects.filter(message_id=message_id, customer_id=visitor.customer_id)
        .exclude(message_id="")
        .first()
    )


def chat_message_id(visitor: ChatVisitor, client_id: str) -> str:
    return f"chat.{visitor.pk}.{client_id}@{settings.CAREFRONT['MAIL_DOMAIN']}"


def chat_message_send(
    *,
    chat: ChatSettings,
    visitor: ChatVisitor,
    text: str,
    client_id: str,
    prechat: dict | None = None,
    attachments: list[NewAttachment] | None = None,
) -> Sent:
    """The visitor's message, through `message_receive`, its raw input stored with it.
    Idempotent on `client_id`: sending again returns the stored message. The first message
    starts the conversation and routes it (queue position or the agent who has it)."""
    client_id = _clean_client_id(client_id)
    message_id = chat_message_id(visitor, client_id)
    stored = _stored_message(visitor, message_id)
    if stored is not None:
        return Sent(stored, stored.conversation_id, _message_seq(stored), created=False)
    attachments = attachments or []
    if attachments:
        check_attachments(attachments)
        text = str(text or "").strip()[:MAX_MESSAGE_CHARS]
    else:
        text = _clean_text(text)
    changed = _apply_prechat(chat, visitor, prechat)
    _ensure_customer(chat, visitor)
    if changed:
        visitor.save(update_fields=changed)
        if "name" in changed and not visitor.customer.name:
            from carefront.customers.services import customer_update

            visitor.customer = customer_update(
                customer=visitor.customer, changes={"name": visitor.name}
            )
    files = []
    for item in attachments:
        item.file.seek(0)
        files.append(
            InboundAttachment(
                filename=clean_filename(item.filename),
                content_type=clean_content_type(item.content_type),
                data=item.file.read(),
            )
        )
    conversation = _open_conversation(visitor)
    inbound = InboundMessage(
        channel="chat",
        from_address="",
        from_name=visitor.name,
        subject=(
            text.splitlines()[0][:SUBJECT_CHARS] if text else files[0].filename if files else ""
        ),
        message_id=message_id,
        body_text=text or " ".join(f.filename for f in files),
        attachments=files,
        reply_tokens=[conversation.reply_token] if conversation is not None else [],
        customer_id=visitor.customer_id,
    )
    raw = RawInbound(
        inbox=chat.inbox,
        source=CHAT_SOURCE,
        source_ref=f"visitor:{visitor.pk}",
        data=json.dumps(
            {
                "visitor": visitor.pk,
                "client_id": client_id,
                "text": text,
                "prechat": prechat or {},
                "files": [
                    {"name": f.filename, "type": f.content_type, "size": len(f.data)} for f in files
                ],
            }
        ).encode()
        + b"".join(b"\n" + f.data for f in files),
        size=len(text.encode()) + sum(len(f.data) for f in files),
        status=RawStatus.RECEIVED,
    )
    try:
        with transaction.atomic():
            raw.status = RawStatus.PROCESSED
            raw.processed_at = timezone.now()
            raw.save(force_insert=True)
            result = message_receive(inbox=chat.inbox, inbound=inbound, raw=raw)
            if result.message is None:
                # A duplicate of a message sent at the same moment (the socket and the HTTP
                # fallback racing): roll back and answer with the stored one.
                raise _Duplicate
            created = result.conversation.pk != visitor.conversation_id
            if created:
                visitor.conversation_id = result.conversation.pk
                visitor.last_read_seq = 0
                visitor.save(update_fields=["conversation", "last_read_seq"])
            if created:
                _route(chat, result.conversation.pk)
    except _Duplicate:
        stored = _stored_message(visitor, message_id)
        if stored is None:  # pragma: no cover - the duplicate is committed by then
            raise InvalidInput(_("The message could not be stored; send it again.")) from None
        return Sent(stored, stored.conversation_id, _message_seq(stored), created=False)
    except Exception as exc:
        raw.pk = None
        raw._state.adding = True
        raw.status = RawStatus.FAILED
        raw.error = f"{type(exc).__name__}: {exc}"[:2000]
        raw.save(force_insert=True)
        raise
    message = result.message
    return Sent(message, message.conversation_id, _message_seq(message), created=created)


class _Duplicate(Exception):  # noqa: N818 - control flow, never seen
    pass


def _open_conversation(visitor: ChatVisitor) -> Conversation | None:
    """The visitor's conversation, continued whatever its status (a reply reopens it), while
    it still belongs to the visitor's customer."""
    if not visitor.conversation_id or visitor.customer_id is None:
        return None
    return (
        Conversation.objects.filter(pk=visitor.conversation_id, customer_id=visitor.customer_id)
        .only("pk", "reply_token")
        .first()
    )


def _message_seq(message: Message) -> int:
    from carefront.conversations.models import LiveEvent

    seq = (
        LiveEvent.objects.filter(
            conversation_id=message.conversation_id, kind="message", data__message_id=message.pk
        )
        .values_list("seq", flat=True)
        .first()
    )
    return seq or 0


def _route(chat: ChatSettings, conversation_id: int) -> None:
    """Offer the new chat to an agent (carefront/automation/routing.py). Routing tells the
    visitor where they stand: their place in the queue, and who joined once an agent accepts."""
    from carefront.automation.routing import chat_route

    chat_route(conversation_id=conversation_id)


def chat_read(*, visitor: ChatVisitor, seq: Any) -> int | None:
    """The visitor has seen the conversation up to `seq`: a public "read" event (the agent sees
    "Seen"), once per new position. Returns the event's seq, None when nothing changed."""
    if isinstance(seq, bool) or not isinstance(seq, int) or seq < 0:
        raise InvalidInput(_("seq must be a number."))
    if not visitor.conversation_id:
        return None
    with transaction.atomic():
        live_seq = (
            Conversation.objects.filter(pk=visitor.conversation_id)
            .values_list("live_seq", flat=True)
            .first()
        ) or 0
        seq = min(seq, live_seq)
        updated = ChatVisitor.objects.filter(pk=visitor.pk, last_read_seq__lt=seq).update(
            last_read_seq=seq
        )
        if not updated:
            return None
        visitor.last_read_seq = seq
        event = live_event_append(
            conversation_id=visitor.conversation_id,
            kind="read",
            public=True,
            data={"seq": seq, "by": "customer"},
        )
    return event.seq


# --- Email: continue by email, the confirmation of an address ----------------------------------


def chat_email_continue(
    *, chat: ChatSettings, visitor: ChatVisitor, email: Any, text: Any = "", client_id: str = ""
) -> None:
    """The visitor leaves their address (nobody is available, or they are leaving): replies go
    there. A message with it is received like any chat message. The address is the visitor's
    only once confirmed: the confirmation email goes out now."""
    email = _clean_email(email)
    if not email:
        raise InvalidInput(_("Please give your email address."))
    if email != visitor.email or visitor.email_confirmed_at is None:
        ChatVisitor.objects.filter(pk=visitor.pk).update(email=email, email_confirmed_at=None)
        visitor.email = email
        visitor.email_confirmed_at = None
    if text and str(text).strip():
        chat_message_send(
            chat=chat,
            visitor=visitor,
            text=text,
            client_id=client_id or _auto_client_id(visitor, text),
        )
    _confirmation_enqueue(visitor)


def _auto_client_id(visitor: ChatVisitor, text: Any) -> str:
    return hashlib.sha256(f"{visitor.pk}:{text}".encode()).hexdigest()[:32]


def _confirmation_enqueue(visitor: ChatVisitor) -> None:
    from .tasks import chat_email_confirmation_send_task

    visitor_id, email = visitor.pk, visitor.email
    transaction.on_commit(lambda: chat_email_confirmation_send_task.enqueue(visitor_id, email))


def confirm_token(visitor: ChatVisitor) -> str:
    return signing.dumps({"v": visitor.pk, "e": visitor.email}, salt=CONFIRM_SALT)


def chat_email_confirm(*, token: str, now: dt.datetime | None = None) -> ChatVisitor:
    """The visitor clicked the link: the address is theirs. If another customer has it, the
    visitor's chats move to that customer (the same person); else it becomes the visitor's."""
    from carefront.conversations.services import conversation_change_customer
    from carefront.customers.services import customer_add_email

    now = now or timezone.now()
    try:
        value = signing.loads(token, salt=CONFIRM_SALT, max_age=CONFIRM_LINK_MAX_AGE)
    except signing.BadSignature as exc:
        raise NotFound(_("This link is not valid or has expired.")) from exc
    with transaction.atomic():
        visitor = ChatVisitor.objects.select_for_update().filter(pk=value.get("v")).first()
        if visitor is None or visitor.email != value.get("e"):
            raise NotFound(_("This link is not valid or has expired."))
        if visitor.email_confirmed_at is not None:
            return visitor
        owner = (
            CustomerIdentity.objects.filter(kind=IdentityKind.EMAIL, value=visitor.email)
            .select_related("customer")
            .first()
        )
        if visitor.customer_id is None:
            _ensure_customer(chat_settings_of(visitor), visitor)
        if owner is None:
            customer_add_email(customer=visitor.customer, email=visitor.email)
            Customer.objects.filter(pk=visitor.customer_id, email="").update(email=visitor.email)
        elif owner.customer_id != visitor.customer_id:
            old_customer_id = visitor.customer_id
            for conversation in Conversation.objects.filter(customer_id=old_customer_id):
                conversation_change_customer(
                    conversation=conversation, email=visitor.email, actor=None
                )
            CustomerIdentity.objects.filter(customer_id=old_customer_id).update(
                customer=owner.customer
            )
            ChatVisitor.objects.filter(customer_id=old_customer_id).update(customer=owner.customer)
            visitor.customer = owner.customer
        visitor.email_confirmed_at = now
        visitor.save(update_fields=["email_confirmed_at", "customer"])
    return visitor


def visitor_language(visitor: ChatVisitor, *, inbox: Inbox, browser: str = "") -> str:
    """The language to speak to the visitor in: their customer's, else the browser's, else the
    inbox's."""
    from carefront.conversations.language import customer_language
    from carefront.core.i18n import first_supported_language

    if visitor.customer_id is not None:
        return customer_language(customer=visitor.customer, inbox=inbox, browser=browser)
    return first_supported_language(browser, inbox.default_language)


def chat_settings_of(visitor: ChatVisitor) -> ChatSettings:
    return ChatSettings.objects.get(inbox_id=visitor.inbox_id)


def resume_link_token(visitor: ChatVisitor) -> str:
    return signing.dumps({"v": visitor.pk, "c": visitor.conversation_id}, salt=RESUME_SALT)


def visitor_from_resume_link(*, chat: ChatSettings, token: str) -> ChatVisitor:
    try:
        value = signing.loads(token, salt=RESUME_SALT, max_age=RESUME_LINK_MAX_AGE)
    except signing.BadSignature as exc:
        raise NotFound(_("This link is not valid or has expired.")) from exc
    visitor = ChatVisitor.objects.filter(pk=value.get("v"), inbox=chat.inbox_id).first()
    if visitor is None:
        raise NotFound(_("This link is not valid or has expired."))
    return visitor
