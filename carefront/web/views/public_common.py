"""Helpers of the public self-service pages (contact form, portal): the visitor's address,
the page's language, and the response headers every such page carries."""

import ipaddress

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.cache import patch_vary_headers


def client_ip(request: HttpRequest) -> str | None:
    """The visitor's address: REMOTE_ADDR, or the one the trusted proxies saw (see
    CAREFRONT["API_TRUSTED_PROXIES"]); None when it is not an IP address."""
    proxies = int(settings.CAREFRONT.get("API_TRUSTED_PROXIES", 0))
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    value = request.META.get("REMOTE_ADDR", "")
    if proxies > 0 and forwarded:
        addresses = [a.strip() for a in forwarded.split(",") if a.strip()]
        if addresses:
            value = addresses[-min(proxies, len(addresses))]
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


def public_page(
    request: HttpRequest, template: str, context: dict, *, status: int = 200
) -> HttpResponse:
    response = render(request, template, context, status=status)
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Content-Language"] = translation.get_language()
    response["Cache-Control"] = "no-store"
    patch_vary_headers(response, ["Accept-Language", "Cookie"])
    return response
