"""Who is calling: a personal API token (`Authorization: Bearer …`) or the browser session.

Both resolve to the agent, so every endpoint applies exactly the UI's permissions. A read-only
token is refused on any write here, in one place, before the endpoint runs; the caller's rate
limit is counted here too (per token, or per agent for session calls), once it is known who
is calling.
"""

from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja.errors import HttpError
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

from carefront.accounts.models import Agent, ApiToken
from carefront.accounts.services import api_token_authenticate
from carefront.core.exceptions import PermissionDenied

from . import ratelimit

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True, slots=True)
class Caller:
    """The authenticated caller: the agent, and the token when the call carries one."""

    agent: Agent
    token: ApiToken | None = None


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Caller | None:
        api_token = api_token_authenticate(plain=token.strip())
        if api_token is None:
            return None
        _count_call(request, f"token:{api_token.pk}")
        if not api_token.can_write and request.method not in SAFE_METHODS:
            raise PermissionDenied(_("This token is read-only."))
        return Caller(agent=api_token.agent, token=api_token)


class SessionAuth(APIKeyCookie):
    """The UI's own calls: the signed-in agent, with Django's CSRF check on writes.

    Unlike ninja's SessionAuth, an anonymous call is a 401 (not a CSRF 403), and CSRF is
    checked only once we know there is a session to protect.
    """

    def __init__(self) -> None:
        self.param_name = settings.SESSION_COOKIE_NAME
        super().__init__(csrf=True)

    def __call__(self, request: HttpRequest) -> Caller | None:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not user.is_active:
            return None
        if check_csrf(request) is not None:
            raise HttpError(403, _("CSRF check failed."))
        _count_call(request, f"agent:{user.pk}")
        return Caller(agent=user)

    def authenticate(self, request: HttpRequest, key: str | None) -> Caller | None:
        return self(request)  # pragma: no cover - __call__ does the work


def _count_call(request: HttpRequest, ident: str) -> None:
    """Count the call against the caller's read or write limit; over it, a 429."""
    bucket = "read" if request.method in SAFE_METHODS else "write"
    usage = ratelimit.hit(bucket=bucket, ident=ident)
    if usage is None:
        return
    request.rate_limit = usage  # type: ignore[attr-defined] - the middleware sends the headers
    if usage.exceeded:
        raise ratelimit.RateLimited(usage)


def caller(request: HttpRequest) -> Agent:
    """The acting agent of an authenticated request."""
    return request.auth.agent  # type: ignore[attr-defined]
