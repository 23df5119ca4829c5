"""Where webhooks may go (SSRF protection) and the single HTTP POST that sends one.

Unless `CAREFRONT_WEBHOOKS_ALLOW_PRIVATE` is true, a URL whose host resolves to a private,
loopback, link-local or otherwise non-public address is refused when it is saved and again when
it is sent; the connection goes to the very address that was checked (no second DNS lookup that
could be rebound). Redirects are never followed.
"""

import http.client
import ipaddress
import socket
import ssl
import time
from dataclasses import dataclass
from urllib.parse import SplitResult, urlsplit

from django.conf import settings
from django.utils.translation import gettext as _

from carefront.core.exceptions import InvalidInput

MAX_URL_LENGTH = 2000


def allow_private() -> bool:
    return bool(getattr(settings, "CAREFRONT_WEBHOOKS_ALLOW_PRIVATE", False))


def is_public_address(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def url_parse(url: str) -> SplitResult:
    """The URL split into parts, or InvalidInput saying what is wrong with it."""
    url = (url or "").strip()
    if not url:
        raise InvalidInput(_("Enter the URL to send events to."))
    if len(url) > MAX_URL_LENGTH:
        raise InvalidInput(_("A URL is at most %(n)s characters.") % {"n": MAX_URL_LENGTH})
    if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in url):
        raise InvalidInput(_("A webhook URL may not contain spaces or control characters."))
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"}:
        raise InvalidInput(_("A webhook URL must start with https:// or http://."))
    if not parts.hostname:
        raise InvalidInput(_("The webhook URL has no host name."))
    if parts.username or parts.password:
        raise InvalidInput(
            _("Put no user name or password in the URL: receivers check the signature instead.")
        )
    try:
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError as exc:
        raise InvalidInput(_("The port in the webhook URL is not valid.")) from exc
    if parts.fragment:
        raise InvalidInput(_("A webhook URL may not have a #fragment."))
    return parts


def _port(parts: SplitResult) -> int:
    return parts.port or (443 if parts.scheme == "https" else 80)


def addresses_allowed(parts: SplitResult) -> list[str]:
    """The addresses the URL's host resolves to, all of them allowed, or InvalidInput."""
    try:
        infos = socket.getaddrinfo(parts.hostname, _port(parts), type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise InvalidInput(
            _("The host name %(host)s could not be resolved.") % {"host": parts.hostname}
        ) from exc
    addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
    if not allow_private():
        refused = [a for a in addresses if not is_public_address(a)]
        if refused:
            raise InvalidInput(
                _(
                    "The webhook URL leads to a private or local address (%(address)s); "
                    "only public addresses are allowed."
                )
                % {"address": refused[0]}
            )
    if not addresses:
        raise InvalidInput(
            _("The host name %(host)s could not be resolved.") % {"host": parts.hostname}
        )
    return addresses


def url_check(url: str) -> str:
    """Check a URL before it is saved: returns it stripped, or raises InvalidInput."""
    parts = url_parse(url)
    if not allow_private():
        addresses_allowed(parts)
    return parts.geturl()


@dataclass(frozen=True, slots=True)
class PostResult:
    status_code: int | None
    body: str
    error: str
    duration_ms: int

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def _truncate(data: bytes, limit: int) -> str:
    text = data[:limit].decode("utf-8", errors="replace")
    return text + "\n[…]" if len(data) > limit else text


def post(
    *, url: str, body: bytes, headers: dict[str, str], timeout: float, max_body: int
) -> PostResult:
    """POST `body` once. Never raises for network trouble: it comes back as `error`."""
    started = time.monotonic()

    def result(status: int | None = None, text: str = "", error: str = "") -> PostResult:
        return PostResult(status, text, error, int((time.monotonic() - started) * 1000))

    try:
        parts = url_parse(url)
        addresses = addresses_allowed(parts)
    except InvalidInput as exc:
        return result(error=exc.message)
    port = _port(parts)
    if parts.scheme == "https":
        connection: http.client.HTTPConnection = http.client.HTTPSConnection(
            parts.hostname, port, timeout=timeout, context=ssl.create_default_context()
        )
    else:
        connection = http.client.HTTPConnection(parts.hostname, port, timeout=timeout)

    def connect_checked(address, timeout=None, source_address=None):
        # Connect to the addresses checked above, not to a fresh lookup of the host name. TLS
        # still verifies the certificate against the host name.
        last_error: OSError | None = None
        for ip in addresses:
            try:
                return socket.create_connection((ip, port), timeout, source_address)
            except OSError as exc:
                last_error = exc
        raise last_error or OSError("no address")

    connection._create_connection = connect_checked  # type: ignore[attr-defined]
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    try:
        connection.request("POST", path, body=body, headers=headers)
        response = connection.getresponse()
        data = response.read(max_body + 1)
        return result(response.status, _truncate(data, max_body))
    except TimeoutError:
        return result(error=_("No response within %(n)s seconds.") % {"n": timeout})
    except (OSError, http.client.HTTPException, ValueError) as exc:
        # ValueError: a URL that http.client refuses (saved before a rule existed, say).
        return result(error=f"{type(exc).__name__}: {exc}"[:1000])
    finally:
        connection.close()
