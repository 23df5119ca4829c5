"""Personal API tokens: created (shown once), checked on every API request, revoked."""

import datetime as dt
import hashlib
import secrets

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from carefront.accounts.models import Agent, ApiToken, TokenScope
from carefront.core.exceptions import InvalidInput, NotFound
from carefront.core.generations import Generation

TOKEN_PREFIX = "cf_"  # noqa: S105 - a marker that makes leaked tokens easy to scan for
SHOWN_PREFIX_LENGTH = 10
MAX_ACTIVE_TOKENS = 50
# Writing last_used_at on every request would turn each read into a write; a minute is precise
# enough to tell a token in use from a forgotten one.
LAST_USED_PRECISION = dt.timedelta(minutes=1)
TOKENS_GENERATION = Generation("api-tokens")
TOKEN_CACHE_SECONDS = 300


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def api_token_create(*, agent: Agent, name: str, scope: str) -> tuple[ApiToken, str]:
    """A new token for `agent`. Returns the row and the token itself, which is never stored."""
    name = " ".join((name or "").split())
    if not name:
        raise InvalidInput(_("Give the token a name, so you know later what uses it."))
    if len(name) > ApiToken._meta.get_field("name").max_length:
        raise InvalidInput(_("The name is too long."))
    if scope not in TokenScope.values:
        raise InvalidInput(_("Choose read or read and write."))
    # Lock the agent row so two concurrent creations cannot both pass the limit.
    Agent.objects.select_for_update().filter(pk=agent.pk).first()
    if ApiToken.objects.filter(agent=agent, revoked_at__isnull=True).count() >= MAX_ACTIVE_TOKENS:
        raise InvalidInput(
            _("You have %(count)s active tokens; revoke one first.") % {"count": MAX_ACTIVE_TOKENS}
        )
    plain = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        agent=agent,
        name=name,
        scope=scope,
        key_prefix=plain[:SHOWN_PREFIX_LENGTH],
        secret_hash=_hash(plain),
    )
    return token, plain


@transaction.atomic
def api_token_revoke(*, actor: Agent, token_id: int) -> ApiToken:
    """Revoke one of the actor's own tokens. Revoking twice is harmless."""
    token = ApiToken.objects.select_for_update().filter(pk=token_id, agent=actor).first()
    if token is None:
        raise NotFound(_("Token not found."))
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def api_token_authenticate(*, plain: str) -> ApiToken | None:
    """The live token matching `plain` (with its agent), or None; records when it was used.

    Tokens are read from the cache under a generation that any change to a token or an agent
    moves on (connected in AccountsConfig.ready): revoking a token, or deactivating its agent,
    takes effect on the next request.
    """
    if not plain.startswith(TOKEN_PREFIX) or len(plain) > 200:
        return None
    # The token carries 256 random bits, so looking its hash up directly is safe: there is
    # nothing to learn from timing about a value that cannot be guessed.
    secret_hash = _hash(plain)
    key = TOKENS_GENERATION.key(secret_hash)
    token = cache.get(key)
    if token is None:
        token = (
            ApiToken.objects.select_related("agent")
            .filter(secret_hash=secret_hash, revoked_at__isnull=True, agent__is_active=True)
            .first()
        )
        if token is None:
            return None  # not cached: unknown tokens must not fill the cache
        cache.set(key, token, TOKEN_CACHE_SECONDS)
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_PRECISION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
        cache.set(key, token, TOKEN_CACHE_SECONDS)
    return token


def tokens_changed(**kwargs) -> None:
    """A signal receiver: a token or an agent changed."""
    TOKENS_GENERATION.changed()
