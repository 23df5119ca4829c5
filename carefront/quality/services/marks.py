"""Auto-QA writes: check a sent reply and store its marks; an admin's settings of the checks."""

import logging

from django.core.cache import cache
from django.db import transaction
from django.utils.translation import gettext as _

from carefront.accounts.models import Agent
from carefront.conversations.models import Direction, Message
from carefront.core.events import publish
from carefront.core.exceptions import InvalidInput, PermissionDenied
from carefront.core.generations import Generation
from carefront.nlp.tokens import fold

from .. import checks
from ..behaviours import Behaviour, ReplyMark
from ..events import ReplyChecked
from ..models import QaCheckSetting, QaMark

logger = logging.getLogger(__name__)

SETTINGS = Generation("quality-check-settings")
CONFIG_SECONDS = 3600


def check_config() -> tuple[checks.CheckConfig, str]:
    """The admin's settings of the checks and the version they make with the code's rules,
    from the cache under the settings' generation: no query on a warm cache."""
    key = SETTINGS.key("config")
    cached = cache.get(key)
    if cached is not None:
        return cached
    disabled = set(checks.OFF_BY_DEFAULT)
    words: dict[str, dict[str, tuple[str, ...]]] = {}
    revision = 0
    for setting in QaCheckSetting.objects.all():
        revision += setting.revision
        if setting.enabled:
            disabled.discard(setting.behaviour)
        else:
            disabled.add(setting.behaviour)
        tuned = {lang: tuple(w) for lang, w in (setting.words or {}).items() if w}
        if tuned:
            words[setting.behaviour] = tuned
    config = checks.CheckConfig(disabled=frozenset(disabled), words=words)
    result = (config, f"{checks.CHECKS_VERSION}.{revision}")
    cache.set(key, result, CONFIG_SECONDS)
    return result


def _context_for(message: Message) -> checks.ReplyContext:
    conversation = message.conversation
    last_incoming = (
        Message.objects.filter(
            conversation_id=message.conversation_id,
            direction=Direction.INCOMING,
            pk__lt=message.pk,
        )
        .only("reply_text", "body_text")
        .order_by("-pk")
        .first()
    )
    from carefront.sla.models import FollowUp

    has_follow_up = FollowUp.objects.filter(
        conversation_id=message.conversation_id, created_at__gte=message.created_at
    ).exists()
    earlier_replies = Message.objects.filter(
        conversation_id=message.conversation_id,
        direction=Direction.OUTGOING,
        author__isnull=False,
        pk__lt=message.pk,
    ).exists()
    return checks.ReplyContext(
        reply=message.body_text,
        channel=message.channel,
        is_first_reply=not earlier_replies,
        customer_message=(last_incoming.reply_text or last_incoming.body_text)
        if last_incoming
        else "",
        customer_name=conversation.customer.name,
        status=conversation.status,
        has_follow_up=has_follow_up,
    )


def reply_check(*, message_id: int, force: bool = False) -> list[QaMark]:
    """Check one agent reply and store a mark per behaviour. Idempotent: a reply already
    checked under the current rules keeps its marks (unless `force`); under older rules its
    marks are retired and replaced. Not an agent's reply (a note, an automatic message, a
    customer's): nothing."""
    message = (
        Message.objects.select_related("conversation__customer")
        .filter(pk=message_id, direction=Direction.OUTGOING, author__isnull=False)
        .first()
    )
    if message is None:
        return []
    config, version = check_config()
    with transaction.atomic():
        # The reply's row is the lock: two checks of one reply (a task enqueued twice, a
        # re-check) take turns, and the second finds the first one's marks.
        list(Message.objects.select_for_update().filter(pk=message.pk).values_list("pk"))
        current = QaMark.objects.filter(message=message, is_current=True)
        existing = list(current)
        if existing and not force and all(m.version == version for m in existing):
            return existing
        context = _context_for(message)
        marks = checks.check_reply(context, config)
        language = checks.reply_language(context)
        current.update(is_current=False)
        rows = QaMark.objects.bulk_create(
            QaMark(
                message=message,
                conversation_id=message.conversation_id,
                agent_id=message.author_id,
                team_id=message.conversation.team_id,
                behaviour=mark.behaviour,
                outcome=mark.outcome,
                evidence=mark.evidence,
                hint=mark.hint,
                language=language,
                version=version,
                replied_at=message.created_at,
            )
            for mark in marks
        )
        publish(
            ReplyChecked(
                message_id=message.pk,
                conversation_id=message.conversation_id,
                agent_id=message.author_id,
                version=version,
            )
        )
    return rows


def reply_preview_check(
    *, conversation, body: str, status: str = "", promise_due: bool = False
) -> list[ReplyMark]:
    """ "Check my reply" in the composer: the marks the reply would get if sent now. Nothing is
    stored."""
    from carefront.sla.models import FollowUp
    from carefront.sla.models.followups import OUTSTANDING

    last_incoming = (
        Message.objects.filter(conversation_id=conversation.pk, direction=Direction.INCOMING)
        .only("reply_text", "body_text", "channel")
        .order_by("-pk")
        .first()
    )
    config, _version = check_config()
    has_follow_up = promise_due or (
        FollowUp.objects.filter(conversation_id=conversation.pk).filter(OUTSTANDING).exists()
    )
    earlier_replies = Message.objects.filter(
        conversation_id=conversation.pk, direction=Direction.OUTGOING, author__isnull=False
    ).exists()
    channel = last_incoming.channel if last_incoming else "email"
    context = checks.ReplyContext(
        reply=body,
        channel=channel,
        is_first_reply=not earlier_replies,
        customer_message=(last_incoming.reply_text or last_incoming.body_text)
        if last_incoming
        else "",
        customer_name=conversation.customer.name,
        status=status or conversation.status,
        has_follow_up=has_follow_up,
    )
    return checks.check_reply(context, config)


def _require_admin(actor: Agent) -> None:
    if not actor.is_admin:
        raise PermissionDenied(_("Only admins may change the quality checks."))


def check_setting_update(
    *, actor: Agent, behaviour: str, enabled: bool, words: dict[str, str]
) -> QaCheckSetting:
    """Switch one check on or off and set its words per language (text, one a line; empty:
    the built-in words). Invalid words are refused with the reason, nothing saved."""
    _require_admin(actor)
    if behaviour not in Behaviour.values:
        raise InvalidInput(_("Unknown check: %(behaviour)s.") % {"behaviour": behaviour})
    cleaned: dict[str, list[str]] = {}
    if behaviour in checks.TUNABLE:
        for language, text in words.items():
            if language not in checks.LANGUAGES:
                raise InvalidInput(
                    _("Words for %(language)s: only English and German have rules.")
                    % {"language": language}
                )
            try:
                tuned = checks.validate_words(text)
            except ValueError as exc:
                raise InvalidInput(f"{language}: {exc}") from exc
            defaults = tuple(fold(w) for w in checks.DEFAULT_WORDS[behaviour][language])
            if tuned and tuned != defaults:
                cleaned[language] = list(tuned)
    with transaction.atomic():
        setting, created = QaCheckSetting.objects.select_for_update().get_or_create(
            behaviour=behaviour,
            defaults={"enabled": enabled, "words": cleaned, "updated_by": actor},
        )
        if not created:
            changed = setting.enabled != enabled or setting.words != cleaned
            setting.enabled = enabled
            setting.words = cleaned
            setting.updated_by = actor
            if changed:
                setting.revision += 1
            setting.save(update_fields=["enabled", "words", "updated_by", "revision", "updated_at"])
    return setting


def replies_recheck(*, since=None, limit: int | None = None) -> int:
    """Re-check agent replies whose marks were made under other rules (after a change of
    the code's rules or of the settings). Returns how many replies were checked."""
    _config, version = check_config()
    stale = (
        QaMark.objects.filter(is_current=True)
        .exclude(version=version)
        .values_list("message_id", flat=True)
        .distinct()
        .order_by("message_id")
    )
    if since is not None:
        stale = stale.filter(replied_at__gte=since)
    ids = list(stale[:limit] if limit else stale)
    for message_id in ids:
        reply_check(message_id=message_id)
    return len(ids)


def replies_check_missing(*, since=None, limit: int | None = None) -> int:
    """Check agent replies that have no marks at all (their task was lost). Returns how many."""
    replies = (
        Message.objects.filter(direction=Direction.OUTGOING, author__isnull=False)
        .exclude(pk__in=QaMark.objects.values("message_id"))
        .order_by("pk")
    )
    if since is not None:
        replies = replies.filter(created_at__gte=since)
    ids = list(
        replies.values_list("pk", flat=True)[:limit]
        if limit
        else replies.values_list("pk", flat=True)
    )
    for message_id in ids:
        reply_check(message_id=message_id)
    return len(ids)
