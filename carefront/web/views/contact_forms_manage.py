"""Admins set up each inbox's contact form: on or off, its address, texts, the sites that may
embed it; the page shows the embed snippet and the form's counts (sent, deflected)."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from carefront.core.exceptions import InvalidInput, NotFound
from carefront.inboxes.models import Inbox
from carefront.knowledge.models import ContactForm
from carefront.knowledge.services.contact import contact_form_save
from carefront.web.errors import admin_view, form_error


class ContactFormSetupForm(forms.Form):
    is_enabled = forms.BooleanField(label=gettext_lazy("Enabled"), required=False)
    slug = forms.SlugField(
        label=gettext_lazy("Address"),
        max_length=60,
        help_text=gettext_lazy("The form is at /help/contact/<address>/."),
    )
    title = forms.CharField(label=gettext_lazy("Title"), max_length=120, required=False)
    intro = forms.CharField(
        label=gettext_lazy("Introduction"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    allow_attachments = forms.BooleanField(
        label=gettext_lazy("Allow an attachment"), required=False
    )
    embed_origins = forms.CharField(
        label=gettext_lazy("Sites that may embed the form"),
        required=False,
        help_text=gettext_lazy("One origin a line, such as https://www.example.com."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )


@admin_view
def contact_form_index(request: HttpRequest) -> HttpResponse:
    inboxes = list(Inbox.objects.order_by("name"))
    by_inbox = {f.inbox_id: f for f in ContactForm.objects.filter(inbox__in=inboxes)}
    rows = [(inbox, by_inbox.get(inbox.pk)) for inbox in inboxes]
    return render(request, "web/manage/contact_forms.html", {"rows": rows})


@admin_view
def contact_form_edit(request: HttpRequest, inbox_id: int) -> HttpResponse:
    inbox = Inbox.objects.filter(pk=inbox_id).first()
    if inbox is None:
        raise NotFound(_("Inbox not found."))
    current = ContactForm.objects.filter(inbox=inbox).first()
    status = 200
    if request.method == "POST":
        form = ContactFormSetupForm(request.POST)
        if form.is_valid():
            try:
                current = contact_form_save(inbox=inbox, **form.cleaned_data)
            except InvalidInput as exc:
                form_error(form, exc)
            else:
                messages.success(request, _("The contact form is saved."))
                return redirect("web:manage_contact_form", inbox_id=inbox.pk)
        status = 400
    else:
        initial = (
            {
                "is_enabled": current.is_enabled,
                "slug": current.slug,
                "title": current.title,
                "intro": current.intro,
                "allow_attachments": current.allow_attachments,
                "embed_origins": current.embed_origins,
            }
            if current
            else {"slug": inbox.name, "allow_attachments": True}
        )
        if not current:
            from django.utils.text import slugify

            initial["slug"] = slugify(inbox.name)[:60]
        form = ContactFormSetupForm(initial=initial)
    snippet = ""
    if current:
        base = settings.CAREFRONT.get("BASE_URL", "") or request.build_absolute_uri("/").rstrip("/")
        url = f"{base}{reverse('web:contact_form', args=[current.slug])}?embed=1"
        snippet = (
            f'<iframe src="{url}" title="{current.title or inbox.name}" '
            'style="width:100%;min-height:760px;border:0" loading="lazy"></iframe>'
        )
    context = {"inbox": inbox, "contact_form": current, "form": form, "snippet": snippet}
    return render(request, "web/manage/contact_form.html", context, status=status)
