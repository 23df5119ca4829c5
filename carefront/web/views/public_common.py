"""Helpers of the public pages customers reach without signing in (rating, NPS, opt-out,
contact form, portal): the visitor's address and the response headers such pages carry."""

import ipaddress

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.cache import patch_vary_headers

from carefront.api import ratelimit


def client_ip(request: HttpRequest) -> str | None:
    """The visitor's address as the API's rate limits find it (REMOTE_ADDR, or the one the
    trusted proxies saw); None when it is not an IP address (it is stored in an IP field)."""
    try:
        return str(ipaddress.ip_address(ratelimit.client_ip(request)))
    except ValueError:
        return None


def customer_page(
    request: HttpRequest, template: str, context: dict, *, status: int = 200
) -> HttpResponse:
    """A page in the customer's (or the browser's) language, kept out of search engines; caches
    must keep the languages apart."""
    response = render(request, template, context, status=status)
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Content-Language"] = translation.get_language()
    patch_vary_headers(response, ["Accept-Language"])
    return response


def public_page(
    request: HttpRequest, template: str, context: dict, *, status: int = 200
) -> HttpResponse:
    """A customer page that depends on the visitor's session: never stored by a cache."""
    response = customer_page(request, template, context, status=status)
    response["Cache-Control"] = "no-store"
    patch_vary_headers(response, ["Cookie"])
    return response
