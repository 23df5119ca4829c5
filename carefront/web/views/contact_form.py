"""The public contact form of an inbox (/help/contact/<slug or inbox id>/), embeddable in an
iframe: article suggestions as the visitor types, deflections, and the address confirmation.

The form's POSTs carry no CSRF token: embedded on another site the browser withholds our
cookies, and no session is involved (the signed stamp of the form is what a robot lacks).
Nothing of the visitor's session is used here: the portal is where signed-in customers write.
"""

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import translation
from django.utils.csp import CSP
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from carefront.conversations.inbound import InboundAttachment
from carefront.core.exceptions import InvalidInput, NotFound
from carefront.core.i18n import browser_language, first_supported_language
from carefront.knowledge.models import ContactForm
from carefront.knowledge.services.contact import (
    SpamSuspected,
    contact_confirm,
    contact_deflect,
    contact_form_get,
    contact_form_submit,
    contact_stamp,
    contact_submission_for_token,
)
from carefront.knowledge.suggestions import article_suggestions
from carefront.web.http import HttpResponseSeeOther
from carefront.web.portal_forms import ContactFormForm

from .portal import portal_sign_in_session
from .public_common import client_ip, public_page

SUGGESTION_LIMIT = 5
SUGGESTIONS_PER_MINUTE = 60
QUERY_MAX = 1000
MIN_QUERY_LENGTH = 3


def _language(request: HttpRequest, form: ContactForm | None = None) -> str:
    default = form.inbox.default_language if form else ""
    return first_supported_language(browser_language(request), default)


def _embeddable(response: HttpResponse, form: ContactForm) -> HttpResponse:
    """Let the sites the admin listed show the form in an iframe (and nobody else)."""
    response.xframe_options_exempt = True
    response._csp_config = {
        **settings.SECURE_CSP,
        "frame-ancestors": [CSP.SELF, *form.origins],
    }
    return response


def _form_page(
    request: HttpRequest, form: ContactForm, contact: ContactFormForm, *, status: int = 200
) -> HttpResponse:
    context = {
        "contact_form": form,
        "inbox": form.inbox,
        "form": contact,
        "embed": request.GET.get("embed") == "1",
        "suggest_url": reverse("web:contact_suggestions", args=[form.slug]),
        "deflect_url": reverse("web:contact_deflect", args=[form.slug]),
    }
    return _embeddable(public_page(request, "web/contact/form.html", context, status=status), form)


def _not_found(request: HttpRequest, exc: NotFound) -> HttpResponse:
    return public_page(request, "web/contact/error.html", {"message": exc.message}, status=404)


@never_cache
@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
def contact_form_view(request: HttpRequest, key: str) -> HttpResponse:
    with translation.override(_language(request)):
        try:
            form = contact_form_get(key=key)
        except NotFound as exc:
            return _not_found(request, exc)
    with translation.override(_language(request, form)):
        if request.method != "POST":
            contact = ContactFormForm(
                initial={"stamp": contact_stamp(), "subject": request.GET.get("subject", "")[:200]},
                allow_attachments=form.allow_attachments,
            )
            return _form_page(request, form, contact)
        contact = ContactFormForm(
            request.POST, request.FILES, allow_attachments=form.allow_attachments
        )
        spam = False
        if contact.is_valid():
            data = contact.cleaned_data
            upload = data.get("attachment")
            attachments = (
                [
                    InboundAttachment(
                        filename=upload.name,
                        content_type=upload.content_type or "application/octet-stream",
                        data=upload.read(),
                    )
                ]
                if upload
                else []
            )
            try:
                contact_form_submit(
                    form=form,
                    subject=data["subject"],
                    description=data["description"],
                    email=data["email"],
                    name=data["name"],
                    attachments=attachments,
                    viewed_article_ids=data["viewed"].split(",") if data["viewed"] else [],
                    ip_address=client_ip(request),
                    stamp=data["stamp"],
                    honeypot=data["website"],
                )
            except InvalidInput as exc:
                spam = isinstance(exc, SpamSuspected)
                contact.add_error(None, exc.message)
            else:
                url = reverse("web:contact_sent", args=[form.slug])
                if request.GET.get("embed") == "1":
                    url += "?embed=1"
                return HttpResponseSeeOther(url)
        # Shown again with everything typed (a file must be chosen again: browsers do not
        # keep it). The stamp stays, unless it was what was refused (too quick, expired).
        if spam or not contact.data.get("stamp"):
            data = contact.data.copy()
            data["stamp"] = contact_stamp()
            contact.data = data
        return _form_page(request, form, contact, status=400)


@never_cache
@require_GET
def contact_sent(request: HttpRequest, key: str) -> HttpResponse:
    try:
        form = contact_form_get(key=key)
    except NotFound as exc:
        return _not_found(request, exc)
    with translation.override(_language(request, form)):
        context = {"contact_form": form, "inbox": form.inbox, "embed": request.GET.get("embed")}
        return _embeddable(public_page(request, "web/contact/sent.html", context), form)


def _suggestions_throttled(ip_address: str | None) -> bool:
    """At most SUGGESTIONS_PER_MINUTE searches a minute from one address: typing asks a few
    times a minute; a script asking thousands would load the search for nothing."""
    # A window that starts with the first search (no boundary for a burst to straddle).
    key = f"contact-suggest:{ip_address or 'unknown'}"
    if cache.add(key, 1, 60):
        return False
    try:
        return cache.incr(key) > SUGGESTIONS_PER_MINUTE
    except ValueError:  # expired in between
        return False


@never_cache
@require_GET
def contact_suggestions(request: HttpRequest, key: str) -> HttpResponse:
    """The articles that match what the visitor typed so far (htmx, debounced)."""
    try:
        form = contact_form_get(key=key)
    except NotFound:
        return HttpResponse(status=404)
    if _suggestions_throttled(client_ip(request)):
        return HttpResponse(status=429, headers={"Retry-After": "60"})
    text = " ".join(
        f"{request.GET.get('subject', '')} {request.GET.get('description', '')}".split()
    )[:QUERY_MAX]
    language = _language(request, form)
    suggestions = (
        article_suggestions(text, language=language, limit=SUGGESTION_LIMIT)
        if len(text) >= MIN_QUERY_LENGTH
        else []
    )
    with translation.override(language):
        context = {
            "contact_form": form,
            "suggestions": suggestions,
            "query": text,
            "deflect_url": reverse("web:contact_deflect", args=[form.slug]),
        }
        return _embeddable(public_page(request, "web/contact/suggestions.html", context), form)


@never_cache
@csrf_exempt
@require_POST
def contact_deflect_view(request: HttpRequest, key: str) -> HttpResponse:
    """ "This answered my question": recorded, then thanks (a fragment for htmx, a page
    without JavaScript)."""
    try:
        form = contact_form_get(key=key)
    except NotFound as exc:
        return _not_found(request, exc)
    with translation.override(_language(request, form)):
        try:
            article_id = int(request.POST.get("article_id", ""))
            contact_deflect(
                form=form,
                article_id=article_id,
                query=request.POST.get("query", "")[:QUERY_MAX],
                ip_address=client_ip(request),
            )
        except (ValueError, InvalidInput):
            return public_page(
                request,
                "web/contact/error.html",
                {"message": _("Unknown article."), "inbox": form.inbox},
                status=400,
            )
        context = {"contact_form": form, "inbox": form.inbox, "embed": request.POST.get("embed")}
        template = (
            "web/contact/deflected_fragment.html"
            if request.headers.get("HX-Request")
            else "web/contact/deflected.html"
        )
        return _embeddable(public_page(request, template, context), form)


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def contact_confirm_view(request: HttpRequest, token: str) -> HttpResponse:
    """The link in the confirmation email. A GET only shows a button (mail scanners open
    links); the POST confirms and, the first time, signs the customer in to the portal."""
    with translation.override(_language(request)):
        try:
            submission = contact_submission_for_token(token=token)
        except NotFound as exc:
            return _not_found(request, exc)
    inbox = submission.form.inbox
    with translation.override(_language(request, submission.form)):
        if request.method == "POST":
            try:
                submission, first_time = contact_confirm(token=token)
            except NotFound as exc:
                return _not_found(request, exc)
            if first_time:
                conversation = submission.conversation
                portal_sign_in_session(
                    request, customer_id=conversation.customer_id, email=submission.email
                )
                return HttpResponseSeeOther(
                    reverse("web:portal_conversation", args=[conversation.pk])
                )
            return HttpResponseSeeOther(reverse("web:portal_sign_in"))
        context = {"inbox": inbox, "submission": submission}
        return public_page(request, "web/contact/confirm.html", context)
